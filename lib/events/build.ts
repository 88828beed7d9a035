// The one place a VodEvent is assembled, whichever dialect read it: ids are checked here and the
// key is derived here, so both dialects produce identical events for identical facts.

import type { OutputFile, VodEvent } from './event';
import { eventKey, isSafeSegment } from './key';

export interface EventFacts {
  handle: string;
  subAppId: number | undefined;
  type: string;
  taskId?: string | null;
  fileId?: string | null;
  outputs?: OutputFile[];
  content: unknown;
  /** A validation problem found by the dialect's reader; the event will be parked. */
  problem?: string;
}

export function buildEvent(facts: EventFacts): VodEvent {
  const taskId = facts.taskId ?? null;
  const fileId = facts.fileId ?? null;
  const problem =
    facts.problem ?? unsafeIdProblem(taskId, fileId) ?? corruptedNumberProblem(facts.content);
  const event: VodEvent = {
    handle: facts.handle,
    subAppId: facts.subAppId,
    type: facts.type,
    key: eventKey(facts.type, taskId ?? fileId, facts.content),
    taskId,
    fileId,
    outputs: facts.outputs ?? [],
    content: facts.content,
  };
  return problem === undefined ? event : { ...event, problem };
}

/** An id that could escape a path is not a VOD id: such an event is parked, not stored. */
function unsafeIdProblem(taskId: string | null, fileId: string | null): string | undefined {
  for (const [field, id] of [
    ['taskId', taskId],
    ['fileId', fileId],
  ] as const) {
    if (id !== null && !isSafeSegment(id)) {
      return (
        `${field} ${JSON.stringify(id.slice(0, 80))} is not a VOD id ` +
        '(allowed: letters, digits, _ . -, no "..")'
      );
    }
  }
  return undefined;
}

/**
 * A whole number past 2^53 in the content was rounded when the reply was parsed: VOD ids are
 * digit strings of that size, so one that arrived as a number has lost its last digits. Such
 * an event is parked with the place it was found, never stored as if it were fine.
 */
function corruptedNumberProblem(content: unknown): string | undefined {
  const path = unsafeNumberPath(content, 'content');
  if (path === undefined) return undefined;
  return `${path} is a number beyond 2^53: its digits were lost in transit (ids must be strings)`;
}

function unsafeNumberPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && !Number.isSafeInteger(value) ? path : undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  for (const [name, inner] of Object.entries(value)) {
    const found = unsafeNumberPath(
      inner,
      Array.isArray(value) ? `${path}[${name}]` : `${path}.${name}`,
    );
    if (found !== undefined) return found;
  }
  return undefined;
}
