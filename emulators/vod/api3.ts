// The API 3.0 dialect of the emulator: PullEvents, ConfirmEvents and DescribeEventsState as
// signed JSON POSTs, answered in the service's envelope, errors as HTTP 200 with Response.Error.

import type http from 'node:http';
import { verifyTc3 } from '../tc3';
import type { Delivery } from './queue';
import {
  MAX_EVENTS_PER_PULL,
  json,
  type Dialect,
  type DialectContext,
  type Reply,
} from './dialect';

/** The per-type fields a real EventContent carries as null when the event is of another type. */
const TYPE_FIELDS = [
  'FileUploadEvent',
  'ProcedureStateChangeEvent',
  'FileDeleteEvent',
  'PullCompleteEvent',
  'EditMediaCompleteEvent',
  'ConcatCompleteEvent',
  'ClipCompleteEvent',
  'TranscodeCompleteEvent',
];

export const handleApi3: Dialect = async (request, body, context) => {
  const action = request.headers['x-tc-action'];
  if (request.method !== 'POST' || typeof action !== 'string') return undefined;
  const requestId = context.requestId();
  const reply = await answer(action, request, body, context, requestId);
  return { action, reply };
};

async function answer(
  action: string,
  request: http.IncomingMessage,
  body: Buffer,
  context: DialectContext,
  requestId: string,
): Promise<Reply> {
  const fail = (code: string, message: string) => error(code, message, requestId);
  const verdict = verifyTc3(
    { method: request.method ?? 'POST', url: request.url ?? '/', headers: request.headers, body },
    context.keys,
  );
  if (!verdict.ok) return fail(verdict.code, verdict.message);

  let params: Record<string, unknown>;
  try {
    params = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    return fail('InvalidParameter', 'request body is not JSON');
  }

  const subAppId = params.SubAppId;
  if (subAppId !== undefined && !(Number.isInteger(subAppId) && (subAppId as number) > 0)) {
    return fail('InvalidParameterValue', 'SubAppId must be a positive integer');
  }
  const lane = subAppId as number | undefined;

  switch (action) {
    case 'PullEvents': {
      const deliveries = await context.poll(lane, new AbortController().signal);
      return ok(eventSet(deliveries, context), requestId);
    }
    case 'ConfirmEvents':
      return confirm(params.EventHandles, lane, context, fail, requestId);
    case 'DescribeEventsState':
      return ok({ CountOfEventsToPull: context.queue.countVisible(lane) }, requestId);
    default:
      return fail('InvalidAction', `action ${action} is not supported by the emulator`);
  }
}

function confirm(
  handles: unknown,
  lane: number | undefined,
  context: DialectContext,
  fail: (code: string, message: string) => Reply,
  requestId: string,
): Reply {
  if (handles === undefined) return fail('MissingParameter', 'EventHandles is required');
  const valid = Array.isArray(handles) && handles.every((h) => typeof h === 'string');
  if (!valid || handles.length === 0) {
    return fail('InvalidParameterValue', 'EventHandles must be a non-empty list of strings');
  }
  if (handles.length > MAX_EVENTS_PER_PULL) {
    return fail('InvalidParameterValue', `EventHandles holds more than ${MAX_EVENTS_PER_PULL}`);
  }

  const verdict = context.queue.confirm(lane, handles as string[]);
  if (!verdict.ok) {
    const bad = [...verdict.late, ...verdict.unknown].length;
    return fail('InvalidParameterValue', `${bad} EventHandle(s) expired or unknown`);
  }
  return ok({}, requestId);
}

function eventSet(deliveries: Delivery[], context: DialectContext): Record<string, unknown> {
  if (deliveries.length === 0) {
    if (context.emptyEventSet === 'missing') return {};
    if (context.emptyEventSet === 'null') return { EventSet: null };
  }
  return { EventSet: deliveries.map(render) };
}

/** An EventContent as the service sends it: handle, type, and null for other types' fields. */
function render({ handle, event }: Delivery): Record<string, unknown> {
  const nulls = Object.fromEntries(TYPE_FIELDS.map((field) => [field, null]));
  return { EventHandle: handle, ...nulls, ...(event.api3 ?? { EventType: 'Unknown' }) };
}

function ok(fields: Record<string, unknown>, requestId: string): Reply {
  return json({ Response: { ...fields, RequestId: requestId } });
}

function error(code: string, message: string, requestId: string): Reply {
  return json({ Response: { Error: { Code: code, Message: message }, RequestId: requestId } });
}
