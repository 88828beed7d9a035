// The legacy v2 dialect of the emulator: /v2/index.php, v1 signatures (HmacSHA1 and HmacSHA256)
// with replay protection, the pull and confirm actions in both spellings, codes in a 200 JSON.
//
// The v1 check is written here on its own, not imported from the client, so that a mistake in
// the client's signing cannot be mirrored by the server it is tested against.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { Delivery } from './queue';
import { MAX_EVENTS_PER_PULL, json } from './dialect';
import type { Dialect, DialectContext, Reply } from './dialect';

export const V2_PATH = '/v2/index.php';

/** The service refuses a Timestamp further than this from its clock, and a reused Nonce. */
export const MAX_SKEW_S = 2 * 60 * 60;

const PULL_ACTIONS = new Set(['PullVodEvent', 'PullEvent']);
const CONFIRM_ACTIONS = new Set(['ConfirmVodEvent', 'ConfirmEvent']);
const REQUIRED = ['Action', 'SecretId', 'Timestamp', 'Nonce', 'Signature'];

/** Names a code the way v2 replies do in `codeDesc`. */
const CODE_DESC: Record<number, string> = {
  4000: 'InvalidParameter',
  4100: 'AuthFailure',
  4500: 'Replay',
};

type Params = Record<string, string>;
type Failure = { code: number; message: string };

/** A v2 dialect with its own memory of used Nonces. */
export function v2Dialect(): Dialect {
  const nonces = new NonceBook();

  return async (request, body, context) => {
    const url = new URL(request.url ?? '/', 'http://emulator');
    if (url.pathname !== V2_PATH) return undefined;

    const read = paramsOf(request, url, body);
    if ('failure' in read) return { action: 'unknown', reply: failure(read.failure) };
    const { params } = read;

    const refused = verifyV1(request, params, context, nonces);
    if (refused) return { action: params.Action ?? 'unknown', reply: failure(refused) };

    const action = params.Action as string;
    return { action, reply: await answer(action, params, context) };
  };
}

/** GET carries the parameters in the query, a POST in its form body; never both. */
function paramsOf(
  request: http.IncomingMessage,
  url: URL,
  body: Buffer,
): { params: Params } | { failure: Failure } {
  const method = request.method ?? 'GET';
  if (method !== 'GET' && method !== 'POST') {
    return { failure: { code: 4600, message: `method ${method} is not GET or POST` } };
  }
  const source = method === 'GET' ? url.searchParams : new URLSearchParams(body.toString('utf8'));

  const params: Params = {};
  for (const [name, value] of source) {
    if (name in params) {
      return { failure: { code: 4000, message: `parameter ${name} is given twice` } };
    }
    params[name] = value;
  }
  return { params };
}

/** The service's v1 check, in its order: parameters, clock, key, signature, then replay. */
function verifyV1(
  request: http.IncomingMessage,
  params: Params,
  context: DialectContext,
  nonces: NonceBook,
): Failure | undefined {
  const missing = REQUIRED.find((name) => !params[name]);
  if (missing) return { code: 4000, message: `missing parameter ${missing}` };
  if (!/^[1-9][0-9]{0,17}$/.test(params.Nonce as string)) {
    return { code: 4000, message: 'Nonce must be a positive integer' };
  }
  const timestamp = Number(params.Timestamp);
  if (!Number.isInteger(timestamp)) return { code: 4000, message: 'Timestamp must be an integer' };
  if (Math.abs(Date.now() / 1000 - timestamp) > MAX_SKEW_S) {
    return { code: 4500, message: 'Timestamp is more than 2 h from the server clock' };
  }

  const hash = hashOf(params.SignatureMethod);
  if (!hash) return { code: 4000, message: 'SignatureMethod must be HmacSHA1 or HmacSHA256' };
  const pair = context.keys(params.SecretId as string);
  if (!pair) return { code: 4100, message: 'SecretId not found' };
  if (pair.token !== undefined && params.Token !== pair.token) {
    return { code: 4100, message: 'Token is missing or wrong' };
  }

  const signed = `${request.method}${request.headers.host ?? ''}${V2_PATH}?${joined(params)}`;
  const expected = createHmac(hash, pair.secretKey).update(signed, 'utf8').digest();
  const given = Buffer.from(params.Signature as string, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { code: 4100, message: 'signature does not match' };
  }

  if (!nonces.use(params.SecretId as string, params.Nonce as string, timestamp)) {
    return { code: 4500, message: 'Nonce was used before' };
  }
  return undefined;
}

/** Every parameter but Signature, by name in byte order (ASCII names), values as received. */
function joined(params: Params): string {
  return Object.entries(params)
    .filter(([name]) => name !== 'Signature')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function hashOf(method: string | undefined): 'sha1' | 'sha256' | undefined {
  if (method === undefined || method === 'HmacSHA1') return 'sha1';
  if (method === 'HmacSHA256') return 'sha256';
  return undefined;
}

async function answer(action: string, params: Params, context: DialectContext): Promise<Reply> {
  const subApp = params.SubAppId;
  if (subApp !== undefined && !/^[1-9][0-9]{0,9}$/.test(subApp)) {
    return failure({ code: 4000, message: 'SubAppId must be a positive integer' });
  }
  const lane = subApp === undefined ? undefined : Number(subApp);

  if (PULL_ACTIONS.has(action)) {
    const deliveries = await context.poll(lane, new AbortController().signal);
    return json({ code: 0, message: '', ...eventList(deliveries, context) });
  }
  if (CONFIRM_ACTIONS.has(action)) return confirm(params, lane, context);
  return failure({ code: 4000, message: `action ${action} is not supported by the emulator` });
}

/**
 * `msgHandle.N`: one document version counts N from 0, the others from 1; both are accepted,
 * as long as the numbers run without a gap.
 */
function confirm(params: Params, lane: number | undefined, context: DialectContext): Reply {
  const numbered = Object.entries(params)
    .map(([name, value]) => ({ n: /^msgHandle\.(\d+)$/.exec(name)?.[1], value }))
    .filter((entry): entry is { n: string; value: string } => entry.n !== undefined)
    .map(({ n, value }) => ({ n: Number(n), value }))
    .sort((a, b) => a.n - b.n);

  if (numbered.length === 0) return failure({ code: 4000, message: 'msgHandle.N is missing' });
  const first = numbered[0]?.n ?? -1;
  const gapless = numbered.every((entry, i) => entry.n === first + i);
  if ((first !== 0 && first !== 1) || !gapless) {
    return failure({ code: 4000, message: 'msgHandle.N must count from 0 or 1 without gaps' });
  }
  if (numbered.length > MAX_EVENTS_PER_PULL) {
    return failure({ code: 4000, message: `more than ${MAX_EVENTS_PER_PULL} msgHandle.N` });
  }

  const verdict = context.queue.confirm(lane, numbered.map((entry) => entry.value));
  if (!verdict.ok) {
    const bad = verdict.late.length + verdict.unknown.length;
    return failure({ code: 4000, message: `${bad} msgHandle(s) expired or unknown` });
  }
  return json({ code: 0, message: '' });
}

function eventList(deliveries: Delivery[], context: DialectContext): Record<string, unknown> {
  if (deliveries.length === 0) {
    if (context.emptyEventSet === 'missing') return {};
    if (context.emptyEventSet === 'null') return { eventList: null };
  }
  return { eventList: deliveries.map(render) };
}

/** One eventList item; an event seeded without v2 content reads as an unknown 4.0 type. */
function render({ handle, event }: Delivery): Record<string, unknown> {
  const eventContent = event.v2 ?? { version: '4.0', eventType: 'Unknown', data: {} };
  return { msgHandle: handle, eventContent };
}

function failure({ code, message }: Failure): Reply {
  return json({ code, message, codeDesc: CODE_DESC[code] ?? 'Error' });
}

/** Nonces seen per SecretId, kept while their Timestamp could still be accepted. */
class NonceBook {
  private readonly seen = new Map<string, number>();

  /** False when this Nonce was used before by this key. */
  use(secretId: string, nonce: string, timestamp: number): boolean {
    const key = `${secretId}:${nonce}`;
    if (this.seen.has(key)) return false;
    if (this.seen.size >= 10_000) this.prune();
    this.seen.set(key, (timestamp + MAX_SKEW_S) * 1000);
    return true;
  }

  private prune(): void {
    const now = Date.now();
    for (const [key, until] of this.seen) if (until < now) this.seen.delete(key);
  }
}
