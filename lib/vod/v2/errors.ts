// How legacy v2 failures map onto the kinds the drain acts on: codes in a 200 JSON reply, HTTP
// statuses left after ky's own retries, timeouts and network errors, and bodies that are not JSON.

import { HTTPError, TimeoutError } from 'ky';
import { VodError, isAbort, type VodErrorKind } from '../../errors';

/**
 * The v2 codes, and what each means for a run. Pull and confirm differ only where a parameter
 * is at fault: on a confirm the only parameters are the handles, so a refused parameter is a
 * handle past its window (the event comes back); on a pull it is the configuration.
 *
 *   1000 invalid parameter       pull: rejected        confirm: expired_handle
 *   1001 failed to read user     transient (a backend read; five in a row stop the run anyway)
 *   2000 database access failed  transient
 *   4000 bad parameter           pull: rejected        confirm: expired_handle
 *   4100 signature failed        auth     4101-4110 permission variants: auth
 *   4200 request expired         auth (clock)
 *   4300 access denied           auth
 *   4400 too many requests       throttled
 *   4500 replay                  auth (clock): our Nonce is fresh per attempt, so only a
 *                                Timestamp more than 2 h off can earn it
 *   4600 protocol                rejected (e.g. https required)
 *   5000 resource missing        pull: empty queue     confirm: expired_handle
 *   5100 resource op. failed     transient
 *   6000 internal error          transient
 *   6100 version unsupported     rejected
 *   6200 temporarily unavailable transient
 *   anything else                transient: bounded by the loop's consecutive-failure limit
 */
export function kindOfCode(code: number, action: 'pull' | 'confirm'): VodErrorKind | 'empty' {
  if (code === 1000 || code === 4000) return action === 'confirm' ? 'expired_handle' : 'rejected';
  if (code === 5000) return action === 'confirm' ? 'expired_handle' : 'empty';
  if (code >= 4100 && code <= 4110) return 'auth';
  if (code === 4200 || code === 4300 || code === 4500) return 'auth';
  if (code === 4400) return 'throttled';
  if (code === 4600 || code === 6100) return 'rejected';
  return 'transient';
}

/** What an operator should read next to a code: the likely cause, in a few words. */
const HINTS: Record<number, string> = {
  4100: 'signature refused: check VOD_SECRET_ID, VOD_SECRET_KEY and VOD_V2_SIGNATURE_METHOD',
  4200: 'request expired: check the clock',
  4300: 'access denied: check the key\'s VOD permissions',
  4500: 'replay refused: the clock is probably more than 2 h off',
  4600: 'protocol refused: check the scheme of VOD_ENDPOINT',
  6100: 'version unsupported: the deployment may not speak v2',
};

export interface ReplyFailure {
  action: string;
  step: 'pull' | 'confirm';
  code: number;
  message: string;
  handles?: readonly string[];
}

/** A reply whose `code` is not 0, as a VodError (or `empty` for a pull's "resource missing"). */
export function codeError(failure: ReplyFailure): VodError | 'empty' {
  const kind = kindOfCode(failure.code, failure.step);
  if (kind === 'empty') return kind;

  const permission = failure.code > 4100 && failure.code <= 4110;
  const hint = HINTS[failure.code] ?? (permission ? HINTS[4100] : '');
  const text = [`code ${failure.code}`, failure.message, hint].filter(Boolean).join(': ');
  return new VodError(kind, `${failure.action} failed (${kind}): ${text}`, {
    action: failure.action,
    code: String(failure.code),
    handles: failure.handles,
  });
}

/** A reply that is not the API's JSON: nothing in it can be trusted, nothing is confirmed. */
export function malformedError(
  action: string,
  what: string,
  details: { httpStatus?: number; handles?: readonly string[]; cause?: unknown } = {},
): VodError {
  const message = `${action} failed (malformed): ${what}`;
  return new VodError('malformed', message, { action, ...details });
}

/**
 * A failure before a reply could be read: ky's HTTPError (a status no retry cured), its
 * TimeoutError, an abort, or a network error. ky puts the request URL in its messages; the
 * cause is rebuilt without any query string, so no Signature or Token can reach a log.
 */
export function transportError(
  thrown: unknown,
  action: string,
  handles?: readonly string[],
): VodError {
  if (thrown instanceof VodError) return thrown;

  if (thrown instanceof HTTPError) {
    const status = thrown.response.status;
    const kind = kindOfStatus(status);
    return new VodError(kind, `${action} failed (${kind}): HTTP ${status}`, {
      action,
      httpStatus: status,
      handles,
      cause: scrubbed(thrown),
    });
  }

  const timedOut = thrown instanceof TimeoutError || isAbort(thrown);
  const what = timedOut ? 'no reply in time' : `network error: ${scrubbed(thrown).message}`;
  return new VodError('transient', `${action} failed (transient): ${what}`, {
    action,
    handles,
    cause: scrubbed(thrown),
  });
}

function kindOfStatus(status: number): VodErrorKind {
  if (status === 429) return 'throttled';
  if (status === 401 || status === 403) return 'auth';
  if (status === 408 || status >= 500) return 'transient';
  return 'malformed';
}

/** The error with every URL query string cut off its message, and the cause chain likewise. */
export function scrubbed(thrown: unknown): Error {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  const message = error.message.replace(/\?\S*/g, '?…');
  const cause = error.cause === undefined ? undefined : scrubbed(error.cause);
  const copy = new Error(message, cause === undefined ? undefined : { cause });
  copy.name = error.name;
  return copy;
}
