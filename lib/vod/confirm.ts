// Confirming handles, shared by both dialects: chunks of at most 16 (the service's limit), sent
// together, retried while the window lasts, and split when the service refuses a chunk.

import { VodError } from '../errors';
import { backoff, withRetry } from '../retry';
import type { ConfirmResult } from './client';

export const MAX_HANDLES_PER_CONFIRM = 16;

/** Sends one chunk; resolves when the service accepted all of it, throws VodError otherwise. */
export type ConfirmChunk = (handles: readonly string[], signal?: AbortSignal) => Promise<void>;

export async function confirmHandles(
  handles: readonly string[],
  send: ConfirmChunk,
  signal?: AbortSignal,
): Promise<ConfirmResult> {
  const result: ConfirmResult = { confirmed: [], rejected: [], failed: [] };
  const chunks = chunk(handles, MAX_HANDLES_PER_CONFIRM);
  await Promise.all(chunks.map((part) => confirmChunk(part, send, result, signal)));
  return result;
}

/**
 * ConfirmEvents answers for a whole request, not per handle. When the service refuses a chunk
 * as late or unknown, halve it and try each half, so one stale handle cannot keep its fifteen
 * siblings from being confirmed; at most log2(16) = 4 extra rounds.
 */
async function confirmChunk(
  handles: readonly string[],
  send: ConfirmChunk,
  result: ConfirmResult,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await withRetry(() => send(handles, signal), {
      signal,
      attempts: 4,
      delayMs: backoff(100, 1000),
      retryable: (error) => error instanceof VodError && error.retryable,
    });
    result.confirmed.push(...handles);
  } catch (error) {
    const refused = error instanceof VodError && error.kind === 'expired_handle';
    if (refused && handles.length > 1) {
      const middle = Math.ceil(handles.length / 2);
      await Promise.all([
        confirmChunk(handles.slice(0, middle), send, result, signal),
        confirmChunk(handles.slice(middle), send, result, signal),
      ]);
      return;
    }
    (refused ? result.rejected : result.failed).push(...handles);
    if (!refused && error instanceof VodError && error.stopsRun) throw error;
  }
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
