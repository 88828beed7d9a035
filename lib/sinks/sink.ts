// The sink adapter: where events are stored. Every backend implements this one interface, so the
// drain loop never knows which one it writes to.

import type { VodEvent } from '../events/event';
import type { SinkError } from '../errors';

/**
 * The fate of one event's write.
 *
 * - stored: written now for the first time.
 * - duplicate: its key was already stored (a redelivery); nothing changed.
 * - parked: its content failed validation; kept aside with the reason.
 * - failed: not stored; the event must not be confirmed.
 *
 * The first three are safe to confirm.
 */
export type WriteOutcome =
  | { status: 'stored' | 'duplicate' }
  /** `reason` is set when the sink itself decided to park (the event had no problem before). */
  | { status: 'parked'; reason?: string }
  | { status: 'failed'; error: SinkError };

export interface Sink {
  readonly kind: string;
  /**
   * Writes each event idempotently by its key, parking those with a `problem`. Resolves with one
   * outcome per event, in order; one event's failure is its outcome, not a rejection. Should stop
   * early when `signal` aborts (what is unfinished then counts as failed).
   */
  write(events: readonly VodEvent[], signal: AbortSignal): Promise<WriteOutcome[]>;
  /** Releases connections; the sink may be reused until then (warm invocations). */
  close(): Promise<void>;
}
