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
  const problem = facts.problem ?? unsafeIdProblem(taskId, fileId);
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
  for (const [field, id] of [['taskId', taskId], ['fileId', fileId]] as const) {
    if (id !== null && !isSafeSegment(id)) {
      return `${field} ${JSON.stringify(id.slice(0, 80))} is not a VOD id `
        + '(allowed: letters, digits, _ . -, no "..")';
    }
  }
  return undefined;
}
