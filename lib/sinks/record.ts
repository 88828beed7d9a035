// What a sink stores for an event, and where. Every sink stores the same records; the file and
// object sinks also share this layout of names:
//
//   events/<type>/<id>.json    one record per event key
//   tasks/<taskId>.json        a task's output files, so they are found without a scan
//   parked/<type>/<id>.json    events that failed validation, with the reason
//
// Keys and task ids are safe path segments by construction (lib/events/key.ts), so no name
// built here can climb out of its prefix.

import type { OutputFile, VodEvent } from '../events/event';
import { isSafeSegment } from '../events/key';

export interface EventRecord {
  key: string;
  type: string;
  subAppId: number | null;
  taskId: string | null;
  fileId: string | null;
  outputs: OutputFile[];
  content: unknown;
}

export interface TaskIndex {
  taskId: string;
  eventKey: string;
  outputs: OutputFile[];
}

export interface ParkedRecord {
  key: string;
  type: string;
  subAppId: number | null;
  reason: string;
  content: unknown;
}

/** The record of an event: the same for every delivery of it, so rewriting changes nothing. */
export function eventRecord(event: VodEvent): EventRecord {
  return {
    key: event.key,
    type: event.type,
    subAppId: event.subAppId ?? null,
    taskId: event.taskId,
    fileId: event.fileId,
    outputs: event.outputs,
    content: event.content,
  };
}

export function parkedRecord(event: VodEvent): ParkedRecord {
  return {
    key: event.key,
    type: event.type,
    subAppId: event.subAppId ?? null,
    reason: event.problem ?? 'unknown problem',
    content: event.content,
  };
}

/** The task index of an event that produced files, if any. */
export function taskIndex(event: VodEvent): TaskIndex | undefined {
  if (event.taskId === null || event.outputs.length === 0) return undefined;
  return { taskId: event.taskId, eventKey: event.key, outputs: event.outputs };
}

export const layout = {
  event: (key: string) => `events/${checkedKey(key)}.json`,
  parked: (key: string) => `parked/${checkedKey(key)}.json`,
  task: (taskId: string) => `tasks/${checkedSegment(taskId)}.json`,
};

function checkedKey(key: string): string {
  const parts = key.split('/');
  if (parts.length !== 2 || !parts.every(isSafeSegment)) {
    throw new Error(`unsafe event key ${JSON.stringify(key)}: refusing to build a path from it`);
  }
  return key;
}

function checkedSegment(segment: string): string {
  if (!isSafeSegment(segment)) {
    throw new Error(`unsafe path segment ${JSON.stringify(segment)}`);
  }
  return segment;
}
