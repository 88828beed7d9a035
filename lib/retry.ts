// Backoff for calls worth repeating, bounded by an abort signal rather than a count alone, so
// no retry ever outlives the time it was given.

import { isAbort } from './errors';

export interface RetryOptions {
  signal?: AbortSignal;
  /** Attempts in all, the first included. */
  attempts: number;
  /** Delay before the n-th retry (n from 0), in ms. */
  delayMs: (retry: number, error: unknown) => number;
  retryable: (error: unknown) => boolean;
}

export async function withRetry<T>(run: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const last = attempt + 1 >= options.attempts;
      if (last || isAbort(error) || !options.retryable(error)) throw error;
      await sleep(options.delayMs(attempt, error), options.signal);
    }
  }
}

/** Exponential backoff with full jitter: a random delay up to base * 2^n, capped. */
export function backoff(baseMs: number, capMs: number): (retry: number) => number {
  return (retry) => Math.random() * Math.min(capMs, baseMs * 2 ** retry);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A signal that aborts when any of the given ones does. */
export function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}

/**
 * Settles as `work` does, or rejects with the signal's reason as soon as it aborts. The work
 * itself goes on (the caller ends it, e.g. by dropping its connection); its late failure is
 * swallowed, never left unhandled.
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error('the deadline passed');
  error.name = 'TimeoutError';
  return error;
}
