// The row values the SQL sinks write for an event: the same for every delivery of it, so an
// upsert of a redelivery changes only the delivery columns.

import type { VodEvent } from '../../events/event';
import { eventRecord } from '../record';

export interface EventRow {
  key: string;
  type: string;
  subAppId: number | null;
  taskId: string | null;
  fileId: string | null;
  /** The content as received, as JSON text. */
  content: string;
}

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

export function parkedRow(event: VodEvent, reason: string): ParkedRow {
  return {
    key: event.key,
    type: event.type,
    subAppId: event.subAppId ?? null,
    reason,
    content: JSON.stringify(event.content ?? null),
  };
}
