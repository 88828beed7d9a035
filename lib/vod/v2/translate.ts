// Legacy v2 wire events -> domain events. `eventContent` has come in three shapes over the years;
// each is read into the same VodEvent API 3.0 yields, so nothing past this file knows the dialect.
//
//   spec (original):  { status, message, eventType: "concat_file", data: { fileInfo: [...] } }
//   callback 4.0:     { version: "4.0", eventType: "ConcatComplete", data: { vodTaskId, ... } }
//   oldest:           { status, message, task: "concatfile", data: { vod_task_id } }

import { z } from 'zod';
import { buildEvent } from '../../events/build';
import type { OutputFile, PulledBatch, Unconfirmable, VodEvent } from '../../events/event';

/** Optional text; "" means "none" as often as null does. */
const text = z.string().nullish().transform((v) => v || null);

/** An id: a string or nothing. A JSON number has already lost digits past 2^53. */
const id = z.string({ error: 'must be a string (VOD ids exceed 2^53)' })
  .nullish()
  .transform((v) => v || null);

/** A status: 0 (or "0") is success; -1 or 4 is failure; some types say FINISH. */
const status = z.union([z.number(), z.string()]).nullish();

/** A pull reply whose code was 0: a missing, null or empty event list all mean empty. */
export const PullReply = z.object({ eventList: z.array(z.unknown()).nullish() });

const Envelope = z.object({ msgHandle: z.string().min(1), eventContent: z.unknown() });

const SpecFile = z.object({ fileId: id, fileUrl: text, fileType: text });

const SpecConcat = z.object({
  status,
  message: text,
  data: z.object({ vodTaskId: id, fileInfo: z.array(SpecFile) }),
});

const File40 = z.object({ fileId: id, fileUrl: text, fileType: text, status, message: text });

/** What every 4.0 body may carry; fields a type does not use are absent. */
const Data40 = z.object({ vodTaskId: id, fileId: id, status, message: text });

const Files40 = z.object({ fileInfo: z.union([z.array(File40), File40]).nullish() });

const Oldest = z.object({
  status,
  message: text,
  task: z.string().min(1),
  data: z.object({ vod_task_id: id, file_id: id }).nullish(),
});

/** 4.0 types whose body lists output files; for other types `fileInfo` is not read at all. */
const FILE_TYPES = new Set(['ConcatComplete', 'ClipComplete', 'EditMediaComplete']);

/** Legacy type names -> the names API 3.0 uses for the same event. */
const LEGACY_TYPES: Record<string, string> = {
  concat_file: 'ConcatComplete',
  concatfile: 'ConcatComplete',
};

type Content = Record<string, unknown>;

/** Where a 4.0 body sits, for problem messages. */
const DATA = 'eventContent.data';

export function translateReply(
  eventList: readonly unknown[],
  subAppId: number | undefined,
): PulledBatch {
  const events: VodEvent[] = [];
  const unconfirmable: Unconfirmable[] = [];

  for (const wire of eventList) {
    const result = translateEvent(wire, subAppId);
    if ('reason' in result) unconfirmable.push(result);
    else events.push(result);
  }

  // v2 replies carry no request id.
  return { events, unconfirmable, requestId: undefined };
}

export function translateEvent(
  wire: unknown,
  subAppId: number | undefined,
): VodEvent | Unconfirmable {
  const envelope = Envelope.safeParse(wire);
  if (!envelope.success) return unconfirmable(wire);

  const handle = envelope.data.msgHandle;
  const content = envelope.data.eventContent;
  const base = { handle, subAppId };
  if (!isObject(content)) {
    const problem = 'eventContent is not an object';
    return buildEvent({ ...base, type: 'Unknown', content, problem });
  }

  if (content.eventType === 'concat_file') return specConcat(base, content);
  if (typeof content.eventType === 'string' && content.eventType) return callback40(base, content);
  if (typeof content.task === 'string' && content.task) return oldest(base, content);

  const problem = 'eventContent has neither eventType nor task';
  return buildEvent({ ...base, type: 'Unknown', content, problem });
}

interface Base {
  handle: string;
  subAppId: number | undefined;
}

/** The original specification's concatenation: files but no task id, one status for all. */
function specConcat(base: Base, content: Content): VodEvent {
  const type = 'ConcatComplete';
  const parsed = SpecConcat.safeParse(content);
  if (!parsed.success) {
    return buildEvent({ ...base, type, content, problem: describe(parsed.error) });
  }

  const { data, message } = parsed.data;
  const ok = succeeded(parsed.data.status);
  const outputs = data.fileInfo.map((file) => output(file, ok, ok ? null : message));
  // No task id: the key falls back to a digest of the content, the same on every delivery.
  return buildEvent({ ...base, type, taskId: data.vodTaskId, outputs, content });
}

/** Callback version 4.0: the API 3.0 type names, camel-case fields under `data`. */
function callback40(base: Base, content: Content): VodEvent {
  const type = content.eventType as string;
  const body = isObject(content.data) ? content.data : {};
  const parsed = Data40.safeParse(body);
  if (!parsed.success) {
    return buildEvent({ ...base, type, content, problem: describe(parsed.error, DATA) });
  }

  const { vodTaskId, fileId } = parsed.data;
  if (!FILE_TYPES.has(type)) {
    return buildEvent({ ...base, type, taskId: vodTaskId, fileId, content });
  }

  const files = Files40.safeParse(body);
  if (!files.success) {
    return buildEvent({ ...base, type, content, problem: describe(files.error, DATA) });
  }
  const listed = files.data.fileInfo;
  if (type === 'ConcatComplete' && !Array.isArray(listed)) {
    const problem = `${DATA}.fileInfo: a ConcatComplete must list its output files`;
    return buildEvent({ ...base, type, content, problem });
  }

  const whole = succeeded(parsed.data.status);
  const outputs = [listed ?? []].flat().map((file) => {
    const ok = file.status === undefined || file.status === null ? whole : succeeded(file.status);
    return output(file, ok, file.message ?? (ok ? null : parsed.data.message));
  });
  // As in API 3.0: a concatenation names no single file; a clip or an edit names its one output.
  const single = listed && !Array.isArray(listed) ? listed.fileId : null;
  const eventFileId = type === 'ConcatComplete' ? null : (fileId ?? single);
  return buildEvent({ ...base, type, taskId: vodTaskId, fileId: eventFileId, outputs, content });
}

/** The oldest shape: a task name and its id, no file list. */
function oldest(base: Base, content: Content): VodEvent {
  const task = content.task as string;
  const type = LEGACY_TYPES[task] ?? task;
  const parsed = Oldest.safeParse(content);
  if (!parsed.success) {
    return buildEvent({ ...base, type, content, problem: describe(parsed.error) });
  }

  const data = parsed.data.data;
  return buildEvent({
    ...base,
    type,
    taskId: data?.vod_task_id ?? null,
    fileId: data?.file_id ?? null,
    content,
  });
}

function output(
  file: { fileId: string | null; fileUrl: string | null; fileType: string | null },
  ok: boolean,
  message: string | null,
): OutputFile {
  return { fileId: file.fileId, url: file.fileUrl, fileType: file.fileType, ok, message };
}

function succeeded(value: number | string | null | undefined): boolean {
  if (value === undefined || value === null) return true;
  return value === 0 || value === '0' || value === 'FINISH' || value === 'SUCCESS';
}

function unconfirmable(wire: unknown): Unconfirmable {
  const handle = isObject(wire) ? wire.msgHandle : undefined;
  const reason = typeof handle === 'number'
    ? 'msgHandle is a JSON number: its digits past 2^53 are lost, so it cannot be confirmed'
    : 'event has no msgHandle string; it cannot be confirmed';
  return { reason, content: isObject(wire) ? wire.eventContent : wire };
}

function isObject(value: unknown): value is Content {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function describe(error: z.ZodError, root = 'eventContent'): string {
  const issue = error.issues[0];
  const path = [root, ...(issue?.path ?? [])].join('.');
  return `${path}: ${issue?.message ?? 'invalid'}`;
}
