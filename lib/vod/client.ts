// What the drain needs from VOD, whichever dialect speaks to it.

import type { PulledBatch } from '../events/event';
import { VodError } from '../errors';

export interface PullRequest {
  subAppId: number | undefined;
  signal?: AbortSignal;
}

export interface ConfirmRequest {
  subAppId: number | undefined;
  handles: readonly string[];
  /** Aborts the confirm (retries included) when the handle window is about to close. */
  signal?: AbortSignal;
}

export interface ConfirmResult {
  confirmed: string[];
  /** Handles the service refused (late or unknown): their events come back. */
  rejected: string[];
  /** Handles whose confirm failed for another reason (network, throttling past the window). */
  failed: string[];
}

export interface VodClient {
  readonly dialect: 'api3' | 'v2';
  /** One long-poll pull. An empty queue is an empty batch, never an error. */
  pull(request: PullRequest): Promise<PulledBatch>;
  /** Confirms handles, in chunks the service accepts; reports the fate of every handle. */
  confirm(request: ConfirmRequest): Promise<ConfirmResult>;
  /** Approximate number of events waiting (about 5 s behind), when the dialect can tell. */
  countWaiting?(subAppId: number | undefined, signal?: AbortSignal): Promise<number>;
}

/**
 * The error for a pull that got no reply before VOD_PULL_TIMEOUT_MS: retried like any transient
 * failure, but named after the setting, which is what a person would change.
 */
export function pullTimedOut(action: string, timeoutMs: number, cause: unknown): VodError {
  const message = `${action} got no reply within VOD_PULL_TIMEOUT_MS (${timeoutMs} ms)`;
  return new VodError('transient', message, { action, cause });
}
