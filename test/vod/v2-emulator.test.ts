// The emulator's v2 dialect over real HTTP: what it accepts (both hashes, GET and POST,
// msgHandle.N from 0 or 1) and what it refuses, with the codes the service uses.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EMULATOR_CREDENTIALS, VodEmulator } from '../../emulators/vod/server';
import { MAX_SKEW_S, V2_PATH } from '../../emulators/vod/v2';
import { signRequest, type Params, type SignatureMethod } from '../../lib/vod/v2/sign';
import { concatFact, seedOf } from '../support/facts';

const WINDOW_MS = 400;
const KEY = EMULATOR_CREDENTIALS.secretKey;

let emulator: VodEmulator;

interface Send {
  action: string;
  params?: Params;
  method?: 'GET' | 'POST';
  signatureMethod?: SignatureMethod;
  secretKey?: string;
  nowMs?: number;
}

/** Signs a request the way the client does; returns the exact parameters sent. */
function signed(options: Send): { url: URL; method: 'GET' | 'POST'; params: Params } {
  const url = new URL(`${emulator.url}${V2_PATH}`);
  const method = options.method ?? 'POST';
  const params = signRequest({
    method,
    url,
    action: options.action,
    params: options.params ?? {},
    key: { ...EMULATOR_CREDENTIALS, secretKey: options.secretKey ?? KEY },
    signatureMethod: options.signatureMethod ?? 'HmacSHA1',
    nowMs: options.nowMs,
  });
  return { url, method, params };
}

async function send(request: { url: URL; method: 'GET' | 'POST'; params: Params }) {
  const form = new URLSearchParams(request.params);
  const response = request.method === 'GET'
    ? await fetch(`${request.url.href}?${form}`)
    : await fetch(request.url, { method: 'POST', body: form });
  return (await response.json()) as { code: number; message: string; eventList?: unknown[] };
}

const call = (options: Send) => send(signed(options));

/** Pulls the seeded events and returns their handles. */
async function pullHandles(): Promise<string[]> {
  const reply = await call({ action: 'PullVodEvent' });
  return (reply.eventList as { msgHandle: string }[]).map((item) => item.msgHandle);
}

const numbered = (handles: string[], from: number): Params =>
  Object.fromEntries(handles.map((handle, i) => [`msgHandle.${i + from}`, handle]));

beforeAll(async () => {
  emulator = await VodEmulator.start({ holdMs: 100, windowMs: WINDOW_MS });
});

beforeEach(() => emulator.reset());

afterAll(() => emulator.close());

describe('emulator, v2 dialect', () => {
  it('serves a HmacSHA1 POST and a HmacSHA256 GET, in both action spellings', async () => {
    emulator.seed([seedOf(concatFact(1)), seedOf(concatFact(2))]);

    const sha1 = await call({ action: 'PullVodEvent' });
    const sha256 = await call({
      action: 'PullEvent',
      method: 'GET',
      signatureMethod: 'HmacSHA256',
    });

    expect(sha1.code).toBe(0);
    expect(sha1.eventList).toEqual([
      { msgHandle: expect.stringMatching(/^[0-9]{19}$/), eventContent: seedOf(concatFact(1)).v2 },
      { msgHandle: expect.stringMatching(/^[0-9]{19}$/), eventContent: seedOf(concatFact(2)).v2 },
    ]);
    expect(sha256).toMatchObject({ code: 0, eventList: [] });
    expect(emulator.state().calls).toMatchObject({ PullVodEvent: 1, PullEvent: 1 });
  });

  it('refuses a signature made with another key with 4100', async () => {
    const reply = await call({ action: 'PullVodEvent', secretKey: 'not-the-key' });

    expect(reply.code).toBe(4100);
  });

  it('refuses a parameter changed after signing with 4100', async () => {
    const request = signed({ action: 'PullVodEvent', params: { SubAppId: '1500000001' } });
    request.params.SubAppId = '1500000002';

    expect((await send(request)).code).toBe(4100);
  });

  it('refuses a reused Nonce with 4500, the first use having succeeded', async () => {
    const request = signed({ action: 'PullVodEvent' });

    const first = await send(request);
    const replay = await send(request);

    expect(first.code).toBe(0);
    expect(replay).toMatchObject({ code: 4500, message: expect.stringContaining('Nonce') });
  });

  it('refuses a Timestamp more than 2 h off with 4500, and accepts one just inside', async () => {
    const skewMs = MAX_SKEW_S * 1000;

    const behind = await call({ action: 'PullVodEvent', nowMs: Date.now() - skewMs - 60_000 });
    const ahead = await call({ action: 'PullVodEvent', nowMs: Date.now() + skewMs + 60_000 });
    const inside = await call({ action: 'PullVodEvent', nowMs: Date.now() - skewMs + 60_000 });

    expect(behind.code).toBe(4500);
    expect(ahead.code).toBe(4500);
    expect(inside.code).toBe(0);
  });

  it('confirms msgHandle.N counted from 0 and counted from 1', async () => {
    emulator.seed([1, 2, 3, 4].map((n) => seedOf(concatFact(n))));
    const handles = await pullHandles();

    const zero = await call({
      action: 'ConfirmVodEvent',
      params: numbered(handles.slice(0, 2), 0),
    });
    const one = await call({ action: 'ConfirmEvent', params: numbered(handles.slice(2), 1) });

    expect(handles).toHaveLength(4);
    expect([zero.code, one.code]).toEqual([0, 0]);
    expect(emulator.state()).toMatchObject({ confirmed: 4, inFlight: 0 });
  });

  it('refuses numbering that starts at 2 or has a gap with 4000', async () => {
    emulator.seed([1, 2].map((n) => seedOf(concatFact(n))));
    const [a = '', b = ''] = await pullHandles();

    const fromTwo = await call({ action: 'ConfirmVodEvent', params: { 'msgHandle.2': a } });
    const gap = await call({
      action: 'ConfirmVodEvent',
      params: { 'msgHandle.1': a, 'msgHandle.3': b },
    });

    expect([fromTwo.code, gap.code]).toEqual([4000, 4000]);
    expect(emulator.state().confirmed).toBe(0);
  });

  it('refuses an unknown handle and a handle past its window with 4000', async () => {
    emulator.seed([seedOf(concatFact(1))]);
    const [handle = ''] = await pullHandles();

    const unknown = await call({ action: 'ConfirmVodEvent', params: { 'msgHandle.1': '1234' } });
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 100));
    const late = await call({ action: 'ConfirmVodEvent', params: { 'msgHandle.1': handle } });

    expect(unknown).toMatchObject({ code: 4000, message: expect.stringContaining('unknown') });
    expect(late.code).toBe(4000);
    expect(emulator.state().confirmed).toBe(0);
  });

  it('requires the Token of temporary keys', async () => {
    const temporary = { secretId: 'AKIDtemporary', secretKey: 'temp-key', token: 'temp-token' };
    const strict = await VodEmulator.start({ holdMs: 50, credentials: [temporary] });
    const url = new URL(`${strict.url}${V2_PATH}`);
    const sign = (token?: string) => signRequest({
      method: 'POST',
      url,
      action: 'PullVodEvent',
      params: {},
      key: { ...temporary, token },
      signatureMethod: 'HmacSHA1',
    });

    try {
      const without = await send({ url, method: 'POST', params: sign() });
      const withToken = await send({ url, method: 'POST', params: sign('temp-token') });

      expect(without.code).toBe(4100);
      expect(withToken.code).toBe(0);
    } finally {
      await strict.close();
    }
  });
});
