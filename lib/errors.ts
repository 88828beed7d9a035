// Errors as values an operator can act on: what failed, whether trying again helps, and the ids
// (request, handles, keys) needed to find it in the logs of both sides.

/**
 * How a failed VOD call should be treated. Both dialects map their codes onto these.
 *
 * - transient: the service or the network hiccupped; retry with backoff.
 * - throttled: over the rate limit; retry after a longer pause.
 * - auth: credentials, permissions or clock are wrong; stop the run, retrying cannot help.
 * - expired_handle: a confirm came too late or named an unknown handle; the event comes back.
 * - malformed: the reply could not be read; nothing in it can be trusted or confirmed.
 * - rejected: the request itself is wrong for this account (missing SubAppId, VOD not
 *   enabled, unknown action); stop the run and fix the configuration.
 */
export type VodErrorKind =
  | 'transient'
  | 'throttled'
  | 'auth'
  | 'expired_handle'
  | 'malformed'
  | 'rejected';

export interface VodErrorDetails {
  action: string;
  code?: string;
  requestId?: string;
  httpStatus?: number;
  handles?: readonly string[];
  cause?: unknown;
}

export class VodError extends Error {
  override readonly name = 'VodError';
  readonly action: string;
  readonly code: string | undefined;
  readonly requestId: string | undefined;
  readonly httpStatus: number | undefined;
  readonly handles: readonly string[];

  constructor(
    readonly kind: VodErrorKind,
    message: string,
    details: VodErrorDetails,
  ) {
    super(message, { cause: details.cause });
    this.action = details.action;
    this.code = details.code;
    this.requestId = details.requestId;
    this.httpStatus = details.httpStatus;
    this.handles = details.handles ?? [];
  }

  get retryable(): boolean {
    return this.kind === 'transient' || this.kind === 'throttled';
  }

  /** Stops the whole run: nothing in this run can succeed until a person fixes something. */
  get stopsRun(): boolean {
    return this.kind === 'auth' || this.kind === 'rejected';
  }
}

/** A setting is missing or wrong. The message names the variable, the problem and an example. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

export interface ConfigProblem {
  variable: string;
  problem: string;
  example?: string;
}

function formatProblem({ variable, problem, example }: ConfigProblem): string {
  const fix = example === undefined ? '' : ` Example: ${variable}=${example}`;
  return `${variable}: ${problem}.${fix}`;
}

/** One event could not be written. `retryable` says whether the same write may succeed later. */
export class SinkError extends Error {
  override readonly name = 'SinkError';

  constructor(
    readonly sink: string,
    message: string,
    readonly details: { key?: string; retryable: boolean; code?: string; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
  }

  get retryable(): boolean {
    return this.details.retryable;
  }
}

/** Anything thrown, as an Error; a thrown string or object is wrapped, never lost. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  const text = typeof thrown === 'string' ? thrown : safeJson(thrown);
  return new Error(`non-Error thrown: ${text}`, { cause: thrown });
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** True when an abort signal, not the operation itself, ended a promise. */
export function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}
