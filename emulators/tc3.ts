// Verifies TC3-HMAC-SHA256 request signatures the way Tencent Cloud API 3.0 does, for the local
// stand-ins (VOD, SCF). The service is read from the Authorization header's credential scope,
// since a client aimed at 127.0.0.1 signs with service "127"; the host is signed without port.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface SignedRequest {
  method: string;
  /** Path and query as received, e.g. "/" or "/?a=b". */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface KeyPair {
  secretKey: string;
  /** When set, requests must carry it as X-TC-Token (temporary credentials). */
  token?: string;
}

export type Tc3Verdict =
  | { ok: true; secretId: string; service: string; action: string | undefined }
  | { ok: false; code: string; message: string };

/** Largest clock difference the service accepts before answering SignatureExpire. */
export const MAX_CLOCK_SKEW_S = 300;

const AUTHORIZATION = new RegExp(
  '^TC3-HMAC-SHA256 Credential=([^/]+)/(\\d{4}-\\d{2}-\\d{2})/([^/]+)/tc3_request, ' +
    'SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$',
);

export function verifyTc3(
  request: SignedRequest,
  keys: (secretId: string) => KeyPair | undefined,
  nowMs = Date.now(),
): Tc3Verdict {
  const header = single(request.headers.authorization);
  const match = header ? AUTHORIZATION.exec(header) : null;
  if (!match)
    return refuse('AuthFailure.InvalidAuthorization', 'Authorization header is malformed');
  const [, secretId = '', date = '', service = '', signedHeaders = '', signature = ''] = match;

  const timestamp = Number(single(request.headers['x-tc-timestamp']));
  if (!Number.isInteger(timestamp)) return refuse('MissingParameter', 'X-TC-Timestamp is missing');
  if (Math.abs(nowMs / 1000 - timestamp) > MAX_CLOCK_SKEW_S) {
    return refuse('AuthFailure.SignatureExpire', 'request timestamp is more than 5 minutes off');
  }
  if (utcDate(timestamp) !== date) {
    return refuse('AuthFailure.SignatureFailure', 'credential date does not match X-TC-Timestamp');
  }

  const pair = keys(secretId);
  if (!pair) return refuse('AuthFailure.SecretIdNotFound', 'SecretId not found');
  if (pair.token !== undefined && single(request.headers['x-tc-token']) !== pair.token) {
    return refuse('AuthFailure.TokenFailure', 'token is missing or wrong');
  }

  const expected = signatureOf(request, {
    secretKey: pair.secretKey,
    date,
    service,
    signedHeaders,
    timestamp,
  });
  if (!sameHex(expected, signature)) {
    return refuse('AuthFailure.SignatureFailure', 'signature does not match');
  }

  return { ok: true, secretId, service, action: single(request.headers['x-tc-action']) };
}

interface Scope {
  secretKey: string;
  date: string;
  service: string;
  signedHeaders: string;
  timestamp: number;
}

function signatureOf(request: SignedRequest, scope: Scope): string {
  const [path = '/', query = ''] = request.url.split('?', 2);
  const names = scope.signedHeaders.split(';');
  const canonicalHeaders = names.map((name) => `${name}:${headerValue(request, name)}\n`).join('');
  const canonicalRequest = [
    request.method.toUpperCase(),
    path,
    query,
    canonicalHeaders,
    scope.signedHeaders,
    sha256Hex(request.body),
  ].join('\n');

  const credentialScope = `${scope.date}/${scope.service}/tc3_request`;
  const stringToSign = [
    'TC3-HMAC-SHA256',
    scope.timestamp,
    credentialScope,
    sha256Hex(canonicalRequest),
  ].join('\n');

  const kDate = hmac(`TC3${scope.secretKey}`, scope.date);
  const kService = hmac(kDate, scope.service);
  const kSigning = hmac(kService, 'tc3_request');
  return createHmac('sha256', kSigning).update(stringToSign).digest('hex');
}

/** The value a client signed for a header: the host without its port, others as sent. */
function headerValue(request: SignedRequest, name: string): string {
  const value = single(request.headers[name]) ?? '';
  if (name === 'host') return value.replace(/:\d+$/, '').toLowerCase();
  return value.trim();
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

function utcDate(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function refuse(code: string, message: string): Tc3Verdict {
  return { ok: false, code, message };
}
