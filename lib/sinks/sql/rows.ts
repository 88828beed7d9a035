// The row values the SQL sinks write for an event: the same for every delivery of it, so an
// upsert of a redelivery changes only the delivery columns.

import type { VodEvent } from '../../events/event';
import { eventRecord } from '../record';
import { MAX_OUTPUTS } from './schema';

/**
 * Output rows per INSERT. PostgreSQL takes at most 65,535 bind parameters per statement and an
 * output row has 8, so one statement for a long output list fails; 1,000 rows (8,000
 * parameters, well under a MySQL packet) keep every statement small and the round trips few.
 */
export const OUTPUT_ROWS_PER_STATEMENT = 1000;

export interface EventRow {
  key: string;
  type: string;
  subAppId: number | null;
  taskId: string | null;
  fileId: string | null;
  /** The content as received, as JSON text. */
  content: string;
}

/** The columns of vod_outputs, in the order outputValues gives their values. */
export const OUTPUT_COLUMNS = 'event_key, position, task_id, file_id, url, file_type, ok, message';

export interface OutputRow {
  key: string;
  position: number;
  taskId: string | null;
  fileId: string | null;
  url: string | null;
  fileType: string | null;
  ok: boolean;
  message: string | null;
}

export interface ParkedRow {
  key: string;
  type: string;
  subAppId: number | null;
  reason: string;
  content: string;
}

export function eventRow(event: VodEvent): EventRow {
  const { key, type, subAppId, taskId, fileId, content } = eventRecord(event);
  return { key, type, subAppId, taskId, fileId, content: JSON.stringify(content ?? null) };
}

/** One row per output file, numbered so a task's files read back in the order VOD gave. */
export function outputRows(event: VodEvent): OutputRow[] {
  return event.outputs.map((file, position) => ({
    key: event.key,
    position,
    taskId: event.taskId,
    fileId: file.fileId,
    url: file.url,
    fileType: file.fileType,
    ok: file.ok,
    message: file.message,
  }));
}

/** Why the event's outputs cannot be stored as rows, or undefined when they can. */
export function outputsProblem(event: VodEvent): string | undefined {
  if (event.outputs.length <= MAX_OUTPUTS) return undefined;
  const count = event.outputs.length;
  return `has ${count} outputs; vod_outputs numbers at most ${MAX_OUTPUTS} per event`;
}

/** The rows in runs of at most `size`, in order. */
export function inChunks<T>(rows: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < rows.length; start += size) {
    chunks.push(rows.slice(start, start + size));
  }
  return chunks;
}

export function parkedRow(event: VodEvent, reason: string): ParkedRow {
  return {
    key: event.key,
    type: event.type,
    subAppId: event.subAppId ?? null,
    reason,
    content: JSON.stringify(event.content ?? null),
  };
}

/** One output row as statement values, in the order of OUTPUT_COLUMNS. */
export function outputValues(row: OutputRow): unknown[] {
  const { key, position, taskId, fileId, url, fileType, ok, message } = row;
  return [key, position, taskId, fileId, url, fileType, ok, message];
}
