// The v2 client against the emulator over real sockets: both action spellings and hashes,
// ky's retries re-signed, how each failure is classified, and what a run does about it.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SPEC_CONCAT_FILES, specConcatSample } from '../../emulators/vod/samples';
import { EMULATOR_CREDENTIALS, type VodEmulator } from '../../emulators/vod/server';
import { V2_PATH } from '../../emulators/vod/v2';
import { loadConfig, type VodConfig } from '../../lib/config';
import { VodError } from '../../lib/errors';
import { RunStoppedError, closeWarmParts, runOnce } from '../../lib/run';
import { V2Client } from '../../lib/vod/v2/client';
import { emulatorEnv, startEmulator } from '../support/emulator';
import { concatFact, mixedFacts, seedOf } from '../support/facts';
import { fsCase } from '../support/sink-cases';

const JSON_TYPE = 'application/json';
const HTML_PAGE = '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>';

let emulator: VodEmulator;

function v2Env(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ...emulatorEnv(emulator),
    VOD_API: 'v2',
    VOD_ENDPOINT: `${emulator.url}${V2_PATH}`,
    ...overrides,
  };
}

function clientFor(overrides: Record<string, string> = {}, vod: Partial<VodConfig> = {}) {
  return new V2Client({ ...loadConfig(v2Env(overrides)).vod, ...vod });
}

/** The rejection of `promise`, which must reject. */
async function failureOf(promise: Promise<unknown>): Promise<VodError> {
  const outcome = await promise.then(() => undefined, (error: unknown) => error);
  expect(outcome).toBeInstanceOf(VodError);
  return outcome as VodError;
}

beforeAll(async () => {
  emulator = await startEmulator();
});

beforeEach(() => emulator.reset());

afterAll(async () => {
  await closeWarmParts();
  await emulator.close();
});

describe('v2 client', () => {
  const settings = [
    { VOD_V2_ACTIONS: 'PullVodEvent', VOD_V2_SIGNATURE_METHOD: 'HmacSHA1' },
    { VOD_V2_ACTIONS: 'PullEvent', VOD_V2_SIGNATURE_METHOD: 'HmacSHA256' },
  ];
  for (const setting of settings) {
    it(`pulls and confirms with ${setting.VOD_V2_ACTIONS} and ${setting.VOD_V2_SIGNATURE_METHOD}`,
      async () => {
        const client = clientFor({ ...setting, VOD_SUB_APP_IDS: '1500000001' });
        emulator.seed([1, 2, 3].map((n) => seedOf(concatFact(n), 1500000001)));

        const batch = await client.pull({ subAppId: 1500000001 });
        const handles = batch.events.map((event) => event.handle);
        const result = await client.confirm({ subAppId: 1500000001, handles });

        const confirm = setting.VOD_V2_ACTIONS.replace('Pull', 'Confirm');
        expect(batch.events.map((event) => event.taskId)).toEqual(
          [1, 2, 3].map((n) => (concatFact(n) as { taskId: string }).taskId),
        );
        expect(result).toEqual({ confirmed: handles, rejected: [], failed: [] });
        expect(emulator.state()).toMatchObject({ confirmed: 3, inFlight: 0 });
        expect(emulator.state().calls).toEqual({ [setting.VOD_V2_ACTIONS]: 1, [confirm]: 1 });
      });
  }

  it('re-signs a retried request, so the emulator does not refuse it as a replay', async () => {
    const seedLate = () => emulator.seed([seedOf(concatFact(7))]);
    const proxy = await startFailOnceProxy(emulator.url, seedLate);
    const client = clientFor({}, { endpoint: new URL(`${proxy.url}${V2_PATH}`) });

    try {
      const batch = await client.pull({ subAppId: undefined });

      // The proxy replayed the first attempt's exact body: the emulator must refuse that.
      expect(proxy.replayCode).toBe(4500);
      expect(batch.events.map((event) => event.taskId)).toEqual([
        (concatFact(7) as { taskId: string }).taskId,
      ]);
      expect(emulator.state().calls.PullVodEvent).toBe(3);
    } finally {
      await proxy.close();
    }
  });

  it('retries a 503 from a gateway inside the same pull', async () => {
    emulator.seed([seedOf(concatFact(8))]);
    emulator.arm([{ fault: 'http_status', status: 503, action: 'PullVodEvent', times: 1 }]);

    const batch = await clientFor().pull({ subAppId: undefined });

    expect(batch.events).toHaveLength(1);
    expect(emulator.state()).toMatchObject({ faultsLeft: 0, calls: { PullVodEvent: 2 } });
  });

  it('waits at most 2 s when a 503 asks for 30 s, within the same pull', async () => {
    emulator.seed([seedOf(concatFact(8))]);
    emulator.arm([{ fault: 'http_status', status: 503, retryAfterS: 30, times: 1 }]);

    const startedAt = Date.now();
    const batch = await clientFor().pull({ subAppId: undefined });
    const tookMs = Date.now() - startedAt;

    expect(batch.events).toHaveLength(1);
    expect(tookMs).toBeGreaterThanOrEqual(1900);
    expect(tookMs).toBeLessThan(3000);
  });

  it('reads an HTML page as a malformed reply naming the page; confirms nothing', async () => {
    emulator.seed([seedOf(concatFact(9))]);
    emulator.arm([{ fault: 'garbage', body: HTML_PAGE, action: 'PullVodEvent', times: 1 }]);

    const error = await failureOf(clientFor().pull({ subAppId: undefined }));

    expect(error.kind).toBe('malformed');
    expect(error.message).toMatch(/^PullVodEvent failed \(malformed\): reply is not JSON/);
    expect(error.message).toContain('text/html');
    expect(error.message).toContain('"502 Bad Gateway"');
    expect(emulator.state()).toMatchObject({ confirmed: 0, waiting: 1 });
  });

  it('reads a truncated JSON body and a reply without a code as malformed', async () => {
    emulator.arm([
      { fault: 'garbage', body: '{"code":0,"eventList":[{"msg', contentType: JSON_TYPE, times: 1 },
      { fault: 'garbage', body: '{"eventList":[]}', contentType: JSON_TYPE, times: 1 },
    ]);
    const client = clientFor();

    const truncated = await failureOf(client.pull({ subAppId: undefined }));
    const codeless = await failureOf(client.pull({ subAppId: undefined }));

    expect(truncated.kind).toBe('malformed');
    expect(truncated.message).toContain('not JSON');
    expect(codeless.kind).toBe('malformed');
    expect(codeless.message).toContain('no code');
  });

  it('classifies pull reply codes as the loop needs them', async () => {
    const cases: [number, string][] = [
      [2000, 'transient'],
      [6000, 'transient'],
      [6200, 'transient'],
      [4400, 'throttled'],
      [4100, 'auth'],
      [4104, 'auth'],
      [4200, 'auth'],
      [4500, 'auth'],
      [1000, 'rejected'],
      [4000, 'rejected'],
      [6100, 'rejected'],
    ];
    const client = clientFor();

    const kinds: string[] = [];
    for (const [code] of cases) {
      emulator.arm([{ fault: 'v2_error', code, action: 'PullVodEvent', times: 1 }]);
      const error = await failureOf(client.pull({ subAppId: undefined }));
      expect(error).toMatchObject({ code: String(code), action: 'PullVodEvent' });
      kinds.push(error.kind);
    }

    expect(kinds).toEqual(cases.map(([, kind]) => kind));
  });

  it('on a confirm, reports a 4000 handle as refused and retries a 2000', async () => {
    emulator.seed([seedOf(concatFact(1)), seedOf(concatFact(2))]);
    const client = clientFor();
    const [first, second] = (await client.pull({ subAppId: undefined })).events;
    const handle = (event: typeof first) => event?.handle ?? '';

    emulator.arm([{ fault: 'v2_error', code: 4000, action: 'ConfirmVodEvent', times: 1 }]);
    const refused = await client.confirm({ subAppId: undefined, handles: [handle(first)] });
    emulator.arm([{ fault: 'v2_error', code: 2000, action: 'ConfirmVodEvent', times: 1 }]);
    const retried = await client.confirm({ subAppId: undefined, handles: [handle(second)] });

    expect(refused).toEqual({ confirmed: [], rejected: [handle(first)], failed: [] });
    expect(retried).toEqual({ confirmed: [handle(second)], rejected: [], failed: [] });
    expect(emulator.state()).toMatchObject({ calls: { ConfirmVodEvent: 3 }, confirmed: 1 });
  });

  it('reads "resource missing" (5000) on a pull as an empty queue', async () => {
    emulator.arm([{ fault: 'v2_error', code: 5000, action: 'PullVodEvent', times: 1 }]);

    const batch = await clientFor().pull({ subAppId: undefined });

    expect(batch).toEqual({ events: [], unconfirmable: [], requestId: undefined });
  });

  it('confirms the handles still valid when one in the same request is late', async () => {
    const shortWindow = await startEmulator({ windowMs: 500 });
    const client = new V2Client({
      ...loadConfig(v2Env({ VOD_ENDPOINT: `${shortWindow.url}${V2_PATH}` })).vod,
    });
    try {
      shortWindow.seed([seedOf(concatFact(1))]);
      const early = await client.pull({ subAppId: undefined });
      await sleep(300);
      shortWindow.seed([seedOf(concatFact(2))]);
      const later = await client.pull({ subAppId: undefined });
      await sleep(300);

      const [lateHandle = '', validHandle = ''] = [early, later].map((b) => b.events[0]?.handle);
      const handles = [lateHandle, validHandle];
      const result = await client.confirm({ subAppId: undefined, handles });

      expect(result).toEqual({ confirmed: [validHandle], rejected: [lateHandle], failed: [] });
      const events = shortWindow.state().events;
      expect(events).toMatchObject([{ confirmed: false }, { confirmed: true }]);
    } finally {
      await shortWindow.close();
    }
  });

  it('gives up a pull that gets no reply within its time, as transient', async () => {
    emulator.arm([{ fault: 'delay', delayMs: 2000, action: 'PullVodEvent', times: 1 }]);
    const client = clientFor({}, { pullTimeoutMs: 300 });

    const startedAt = Date.now();
    const error = await failureOf(client.pull({ subAppId: undefined }));

    expect(error.kind).toBe('transient');
    expect(error.message).toContain('no reply within VOD_PULL_TIMEOUT_MS (300 ms)');
    expect(Date.now() - startedAt).toBeLessThan(1500);
  });

  it('puts no Token, key or Signature in an error or its causes', async () => {
    emulator.arm([{ fault: 'http_status', status: 502, body: HTML_PAGE, times: 3 }]);
    const client = clientFor({ VOD_SESSION_TOKEN: 'session-token-value' });

    const error = await failureOf(client.pull({ subAppId: undefined }));
    const printed = JSON.stringify(error, ['name', 'message', 'cause', 'kind', 'code'])
      + String(error.message) + String((error.cause as Error | undefined)?.message);

    expect(error).toMatchObject({ kind: 'transient', httpStatus: 502 });
    expect(printed).not.toMatch(/session-token-value|Signature|Token=|SecretId=|\?/);
    expect(printed).not.toContain(EMULATOR_CREDENTIALS.secretKey);
  });
});

describe('a v2 run', () => {
  const sink = fsCase();
  let logs: string[];

  const run = async (env: Record<string, string>) => {
    const context = { request_id: 'v2', time_limit_in_ms: 30_000 };
    const write = (line: string) => logs.push(line);
    return runOnce({ ...v2Env(env), ...(await sink.prepare()) }, context, { write });
  };

  const pullFailures = () => logs
    .map((line) => JSON.parse(line) as { event: string; kind?: string })
    .filter((line) => line.event === 'pull_failed')
    .map((line) => line.kind);

  beforeEach(() => {
    logs = [];
  });

  afterAll(() => sink.cleanup());

  it("stores the specification's concat_file example files and confirms the handle", async () => {
    emulator.seed([specConcatSample()]);

    const summary = await run({});
    const records = await sink.records();

    expect(summary).toMatchObject({ pulled: 1, stored: 1, confirmed: 1, stopReason: 'drained' });
    expect(emulator.state()).toMatchObject({ confirmed: 1, waiting: 0, inFlight: 0 });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      type: 'ConcatComplete',
      key: expect.stringMatching(/^ConcatComplete\/sha256-[0-9a-f]{32}$/),
      outputs: SPEC_CONCAT_FILES.map((file) => ({
        fileId: file.fileId,
        url: file.fileUrl,
        fileType: file.fileType,
        ok: true,
        message: null,
      })),
    });
  });

  it('backs off after 2000 and 4400 replies and still drains the queue', async () => {
    emulator.seed(mixedFacts(20).map((fact) => seedOf(fact)));
    emulator.arm([
      { fault: 'v2_error', code: 2000, action: 'PullVodEvent', times: 1 },
      { fault: 'v2_error', code: 4400, action: 'PullVodEvent', times: 1 },
    ]);

    const summary = await run({});

    expect(pullFailures()).toEqual(['transient', 'throttled']);
    expect(summary).toMatchObject({
      pullErrors: 2,
      pulled: 20,
      stored: 20,
      confirmed: 20,
      stopReason: 'drained',
      dialect: 'v2',
    });
    expect(emulator.state()).toMatchObject({ confirmed: 20, waiting: 0, inFlight: 0 });
  });

  it('stops at the first 4100 with a clear error, without pulling again', async () => {
    emulator.seed([seedOf(concatFact(1))]);

    const outcome = await run({ VOD_SECRET_KEY: 'a-wrong-secret-key' }).catch((e: unknown) => e);

    expect(outcome).toBeInstanceOf(RunStoppedError);
    const error = outcome as RunStoppedError;
    expect(error.message).toMatch(/auth_failed.*PullVodEvent failed \(auth\): code 4100/);
    expect(error.message).toContain('check VOD_SECRET_ID, VOD_SECRET_KEY');
    expect(error.summary).toMatchObject({ stopReason: 'auth_failed', pulls: 0, confirmed: 0 });
    expect(emulator.state().calls).toEqual({ PullVodEvent: 1 });
    expect(logs.join('\n')).not.toMatch(/a-wrong-secret-key|Signature=/);
  });

  it('confirms nothing while every pull reply is an HTML page, and says so', async () => {
    emulator.seed([seedOf(concatFact(1))]);
    emulator.arm([{ fault: 'garbage', body: HTML_PAGE, action: 'PullVodEvent', times: 10 }]);

    const summary = await run({});

    expect(pullFailures()).toEqual(Array(5).fill('malformed'));
    expect(summary).toMatchObject({ stopReason: 'vod_unavailable', pulled: 0, confirmed: 0 });
    expect(emulator.state()).toMatchObject({ confirmed: 0, waiting: 1 });
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface FailOnceProxy {
  url: string;
  /** The emulator's code for the first attempt's body sent a second time. */
  replayCode: number | undefined;
  close(): Promise<void>;
}

/**
 * A loopback proxy whose first request reaches the emulator (which then knows its Nonce) and
 * is answered 503 as a gateway would; it also replays that exact body once, recording the
 * emulator's verdict. Later requests pass through unchanged.
 */
async function startFailOnceProxy(target: string, afterFirst: () => void): Promise<FailOnceProxy> {
  let first = true;
  const proxy: FailOnceProxy = { url: '', replayCode: undefined, close: async () => undefined };

  const server = http.createServer(async (req, res) => {
    const body = await readAll(req);
    const reply = await forward(target, req, body);
    if (first) {
      first = false;
      const replay = await forward(target, req, body);
      proxy.replayCode = (JSON.parse(replay.body) as { code: number }).code;
      afterFirst();
      res.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
      return;
    }
    res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return proxy;
}

/** Sends the request on unchanged, Host header included, since the signature covers it. */
function forward(
  target: string,
  req: http.IncomingMessage,
  body: Buffer,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const upstream = http.request(`${target}${req.url ?? '/'}`, {
      method: req.method,
      headers: { host: req.headers.host, 'content-type': req.headers['content-type'] ?? '' },
    }, async (res) => {
      resolve({ status: res.statusCode ?? 0, body: (await readAll(res)).toString('utf8') });
    });
    upstream.on('error', reject);
    upstream.end(body);
  });
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
