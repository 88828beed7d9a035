// Sinks that keep one document per name (a directory, a bucket) write an event the same way:
// which documents, in which order, and how a redelivery is recognised. Each backend supplies
// only `exists` and `put`.

import type { VodEvent } from '../events/event';
import type { SinkError } from '../errors';
import { eventRecord, layout, parkedRecord, taskIndex } from './record';
import type { WriteOutcome } from './sink';

export interface DocumentStore {
  /** Whether a document of this name exists. `key` names the event, for error reports. */
  exists(name: string, signal: AbortSignal, key: string): Promise<boolean>;
  /** Writes a whole document; a reader never sees half of it. */
  put(name: string, document: unknown, signal: AbortSignal, key: string): Promise<void>;
  /** What a failed write of the event `key` reports, from whatever the store threw. */
  failure(thrown: unknown, key: string): SinkError;
}

/** Writes a batch, each event on its own: one event's failure is its outcome alone. */
export function writeDocuments(
  store: DocumentStore,
  events: readonly VodEvent[],
  signal: AbortSignal,
): Promise<WriteOutcome[]> {
  return Promise.all(
    events.map(async (event): Promise<WriteOutcome> => {
      try {
        return { status: await writeEventDocuments(store, event, signal) };
      } catch (thrown) {
        return { status: 'failed', error: store.failure(thrown, event.key) };
      }
    }),
  );
}

/**
 * Stores one event as documents unless its record already exists; throws what the store threw.
 *
 * The task index goes first and the event record last: the record is the mark that the write
 * finished, so a crash in between leaves no record and the redelivery writes both again. The
 * bytes of each document are the same on every delivery, so two runs racing past `exists`
 * both leave one document with one content.
 */
async function writeEventDocuments(
  store: DocumentStore,
  event: VodEvent,
  signal: AbortSignal,
): Promise<'stored' | 'duplicate' | 'parked'> {
  signal.throwIfAborted();
  if (event.problem !== undefined) {
    await store.put(layout.parked(event.key), parkedRecord(event), signal, event.key);
    return 'parked';
  }

  const name = layout.event(event.key);
  if (await store.exists(name, signal, event.key)) return 'duplicate';

  const index = taskIndex(event);
  if (index) await store.put(layout.task(index.taskId), index, signal, event.key);
  await store.put(name, eventRecord(event), signal, event.key);
  return 'stored';
}
