// The v1 request signature of the legacy v2 API: HMAC over the method, host, path and the
// sorted, unencoded parameters, base64-encoded. Pure functions, pinned by a known-answer test.

import { createHmac, randomInt } from 'node:crypto';

export type SignatureMethod = 'HmacSHA1' | 'HmacSHA256';

export type Params = Record<string, string>;

export interface SigningKey {
  secretId: string;
  secretKey: string;
  /** Session token of temporary keys; sent as the `Token` parameter and signed with the rest. */
  token?: string;
}

/** Largest Nonce we draw: a positive 31-bit integer, within every server's integer type. */
const MAX_NONCE = 2 ** 31 - 1;

/**
 * The string the v1 signature is computed over:
 *
 *   METHOD + host + path + "?" + name1=value1&name2=value2...
 *
 * every parameter but Signature, sorted by name in byte order, values NOT url-encoded.
 * `host` is the Host header the request carries (the port included when not the default).
 */
export function stringToSign(method: string, host: string, path: string, params: Params): string {
  const joined = Object.keys(params)
    .filter((name) => name !== 'Signature')
    .sort(byteOrder)
    .map((name) => `${name}=${params[name]}`)
    .join('&');
  return `${method.toUpperCase()}${host}${path}?${joined}`;
}

/** base64(HMAC(secretKey, text)), with SHA-1 unless the method says SHA-256. */
export function signature(secretKey: string, text: string, method: SignatureMethod): string {
  const hash = method === 'HmacSHA256' ? 'sha256' : 'sha1';
  return createHmac(hash, secretKey).update(text, 'utf8').digest('base64');
}

/**
 * The complete parameter set of one request: the action's own parameters, the common ones
 * with a fresh Timestamp and Nonce, and the Signature over all of them. Call it once per
 * attempt: a retry that reused the Nonce would be refused as a replay (code 4500).
 */
export function signRequest(request: {
  method: string;
  url: URL;
  action: string;
  params: Params;
  key: SigningKey;
  signatureMethod: SignatureMethod;
  region?: string;
  nowMs?: number;
}): Params {
  const { key } = request;
  const params: Params = {
    ...request.params,
    Action: request.action,
    Timestamp: String(Math.floor((request.nowMs ?? Date.now()) / 1000)),
    Nonce: String(randomInt(1, MAX_NONCE)),
    SecretId: key.secretId,
  };
  // SHA-1 is what a server assumes without the parameter; the oldest deployments know no other.
  if (request.signatureMethod === 'HmacSHA256') params.SignatureMethod = 'HmacSHA256';
  if (request.region) params.Region = request.region;
  if (key.token) params.Token = key.token;

  const text = stringToSign(request.method, request.url.host, request.url.pathname, params);
  return { ...params, Signature: signature(key.secretKey, text, request.signatureMethod) };
}

/** Byte order of the UTF-8 names, as the protocol specifies (not locale order). */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
