// API 3.0 wire events -> domain events. Every event is validated on its own, so one malformed
// event is parked or reported while its siblings in the same reply go on.

import { z } from 'zod';
import { buildEvent } from '../../events/build';
import type { OutputFile, PulledBatch, Unconfirmable, VodEvent } from '../../events/event';

/** Optional text; the service sends "" as often as null for "none". */
const text = z
  .string()
  .nullish()
  .transform((v) => v || null);

const FileInfo = z.object({
  ErrCode: z.number().int(),
  Message: text,
  FileId: text,
  FileUrl: text,
  FileType: text,
});

const ConcatCompleteBody = z.object({
  TaskId: z.string().min(1),
  FileInfoSet: z.array(FileInfo),
});

const EditMediaCompleteBody = z.object({
  TaskId: z.string().min(1),
  Status: text,
  ErrCode: z.number().int().nullish(),
  Message: text,
  Output: z.object({ FileId: text, FileUrl: text, FileType: text }).nullish(),
});

const Envelope = z.object({
  EventHandle: z.string().min(1),
  EventType: z.string().min(1).nullish(),
});

/** The part of a PullEvents reply we rely on. Missing, null and [] all mean empty. */
export const PullReply = z.object({
  EventSet: z.array(z.unknown()).nullish(),
  RequestId: z.string().optional(),
});

export function translateReply(
  reply: z.output<typeof PullReply>,
  subAppId: number | undefined,
): PulledBatch {
  const events: VodEvent[] = [];
  const unconfirmable: Unconfirmable[] = [];

  for (const wire of reply.EventSet ?? []) {
    const result = translateEvent(wire, subAppId);
    if ('reason' in result) unconfirmable.push(result);
    else events.push(result);
  }

  return { events, unconfirmable, requestId: reply.RequestId };
}

export function translateEvent(
  wire: unknown,
  subAppId: number | undefined,
): VodEvent | Unconfirmable {
  const envelope = Envelope.safeParse(wire);
  if (!envelope.success) {
    return { reason: 'event has no EventHandle string; it cannot be confirmed', content: wire };
  }

  const handle = envelope.data.EventHandle;
  const content = withoutHandle(wire as Record<string, unknown>);
  const type = envelope.data.EventType;
  if (!type) {
    return buildEvent({
      handle,
      subAppId,
      type: 'Unknown',
      content,
      problem: 'EventType is missing',
    });
  }

  const body = bodyOf(content, type);
  switch (type) {
    case 'ConcatComplete':
      return concatComplete(handle, subAppId, content, body);
    case 'EditMediaComplete':
      return editMediaComplete(handle, subAppId, content, body);
    default:
      return otherEvent(handle, subAppId, type, content, body);
  }
}

function concatComplete(handle: string, subAppId: number | undefined, content: object, body: Body) {
  const parsed = ConcatCompleteBody.safeParse(body.value);
  if (!parsed.success) {
    return buildEvent({
      handle,
      subAppId,
      type: 'ConcatComplete',
      taskId: taskIdOf(body),
      content,
      problem: describe(parsed.error, body.field),
    });
  }
  const outputs: OutputFile[] = parsed.data.FileInfoSet.map((file) => ({
    fileId: file.FileId,
    url: file.FileUrl,
    fileType: file.FileType,
    ok: file.ErrCode === 0,
    message: file.Message,
  }));
  return buildEvent({
    handle,
    subAppId,
    type: 'ConcatComplete',
    taskId: parsed.data.TaskId,
    outputs,
    content,
  });
}

function editMediaComplete(
  handle: string,
  subAppId: number | undefined,
  content: object,
  body: Body,
) {
  const parsed = EditMediaCompleteBody.safeParse(body.value);
  if (!parsed.success) {
    return buildEvent({
      handle,
      subAppId,
      type: 'EditMediaComplete',
      taskId: taskIdOf(body),
      content,
      problem: describe(parsed.error, body.field),
    });
  }
  const { TaskId, Status, ErrCode, Message, Output } = parsed.data;
  const ok = (ErrCode ?? 0) === 0 && (Status === null || Status === 'FINISH');
  const output: OutputFile = {
    fileId: Output?.FileId ?? null,
    url: Output?.FileUrl ?? null,
    fileType: Output?.FileType ?? null,
    ok,
    message: Message,
  };
  return buildEvent({
    handle,
    subAppId,
    type: 'EditMediaComplete',
    taskId: TaskId,
    fileId: output.fileId,
    outputs: [output],
    content,
  });
}

/** Types we do not model: kept whole, keyed by a task or file id when the body names one. */
function otherEvent(
  handle: string,
  subAppId: number | undefined,
  type: string,
  content: object,
  body: Body,
) {
  const fields = fieldsOf(body);
  for (const field of ['TaskId', 'FileId'] as const) {
    const value = fields[field];
    if (value !== undefined && value !== null && typeof value !== 'string') {
      const problem = `${body.field}.${field} must be a string (VOD ids exceed 2^53)`;
      return buildEvent({ handle, subAppId, type, content, problem });
    }
  }
  const taskId = nonEmpty(fields.TaskId);
  const fileId = nonEmpty(fields.FileId);
  return buildEvent({ handle, subAppId, type, taskId, fileId, content });
}

/** Types whose field is not named `<Type>Event`. */
const IRREGULAR_FIELDS: Record<string, string> = {
  NewFileUpload: 'FileUploadEvent',
  ProcedureStateChanged: 'ProcedureStateChangeEvent',
  FileDeleted: 'FileDeleteEvent',
};

/** The type's own field of an event: its name as sent, and its value (undefined if absent). */
interface Body {
  field: string;
  value: unknown;
}

/**
 * The type's own field. Mostly `<Type>Event`; a few are irregular; some examples use plain
 * `<Type>`. For a type we have never seen, the one object field that is set: the fields of
 * all other types are null.
 */
function bodyOf(content: Record<string, unknown>, type: string): Body {
  const candidates = [IRREGULAR_FIELDS[type], `${type}Event`, type].filter(isString);
  const field = candidates.find((name) => content[name] !== undefined);
  if (field !== undefined) return { field, value: content[field] };

  const objects = Object.entries(content).filter(
    ([name, value]) => name !== 'EventType' && value !== null && typeof value === 'object',
  );
  const [only] = objects;
  if (objects.length === 1 && only) return { field: only[0], value: only[1] };
  return { field: candidates[0] ?? `${type}Event`, value: undefined };
}

function fieldsOf(body: Body): Record<string, unknown> {
  const { value } = body;
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/** The task id of a body that failed validation, when it has a usable one: the key keeps it. */
function taskIdOf(body: Body): string | null {
  return nonEmpty(fieldsOf(body).TaskId);
}

function isString(value: string | undefined): value is string {
  return value !== undefined;
}

/** The content without its handle and without the null fields of other types. */
function withoutHandle(wire: Record<string, unknown>): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(wire)) {
    if (name !== 'EventHandle' && value !== null) content[name] = value;
  }
  return content;
}

function describe(error: z.ZodError, root: string): string {
  const issue = error.issues[0];
  const path = [root, ...(issue?.path ?? [])].join('.');
  return `${path}: ${issue?.message ?? 'invalid'}`;
}

function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}
