// How API 3.0 failures map onto the kinds the drain acts on. The SDK reports them in four
// shapes: an API error with `code`, a non-200 with `httpCode`, a network error with neither,
// and a raw error from reading the body (not JSON, body timeout).

import { VodError, isAbort, type VodErrorKind } from '../../errors';

/** Codes that mean the credentials, the signature or the clock are wrong. */
const AUTH_PREFIXES = ['AuthFailure', 'UnauthorizedOperation'];

/** Codes that mean this request can never succeed for this account as configured. */
const REJECTED_CODES = [
  'FailedOperation.InvalidVodUser',
  'MissingParameter',
  'InvalidParameter',
  'InvalidAction',
  'ActionOffline',
  'UnsupportedOperation',
  'UnknownParameter',
  'InvalidParameterValue',
];

interface SdkError {
  message?: string;
  code?: string;
  requestId?: string;
  httpCode?: number;
  type?: string;
  name?: string;
}

export function classifyApi3Error(
  thrown: unknown,
  action: string,
  handles?: readonly string[],
): VodError {
  if (thrown instanceof VodError) return thrown;
  const error = (thrown ?? {}) as SdkError;
  const details = {
    action,
    code: error.code || undefined,
    requestId: error.requestId || undefined,
    httpStatus: error.httpCode,
    handles,
    cause: thrown,
  };
  const kind = kindOf(error, action);
  return new VodError(kind, `${action} failed (${kind}): ${messageOf(error)}`, details);
}

function kindOf(error: SdkError, action: string): VodErrorKind {
  const code = error.code;
  if (code) return kindOfCode(code, action);
  if (error.httpCode !== undefined) return kindOfStatus(error.httpCode);
  if (isAbort(error)) return 'transient';
  if (error.name === 'SyntaxError' || error.type === 'invalid-json') return 'malformed';
  if (error.name === 'TypeError' && /Response|Error/.test(error.message ?? '')) return 'malformed';
  return 'transient';
}

function kindOfCode(code: string, action: string): VodErrorKind {
  if (code.startsWith('RequestLimitExceeded')) return 'throttled';
  if (AUTH_PREFIXES.some((prefix) => code.startsWith(prefix))) return 'auth';
  // A confirm refused as a bad parameter is, in practice, a handle past its 30 s window. Which
  // of the two codes the service uses for that is unconfirmed, so both count.
  if (action === 'ConfirmEvents' && code.startsWith('InvalidParameter')) {
    return 'expired_handle';
  }
  if (REJECTED_CODES.some((known) => code === known || code.startsWith(`${known}.`))) {
    return 'rejected';
  }
  return 'transient';
}

function kindOfStatus(status: number): VodErrorKind {
  if (status === 429) return 'throttled';
  if (status === 401 || status === 403) return 'auth';
  if (status >= 500) return 'transient';
  return 'malformed';
}

function messageOf(error: SdkError): string {
  const code = error.code ? `${error.code}: ` : '';
  const status = error.httpCode ? `HTTP ${error.httpCode} ` : '';
  return `${status}${code}${error.message ?? 'no message'}`;
}
