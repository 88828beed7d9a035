// Event keys: the identity an event keeps across redeliveries, and a safe path segment wherever
// a sink turns it into a file name or object key.

import { createHash } from 'node:crypto';

/** Characters a VOD id may hold when it becomes part of a path; anything else is not an id. */
const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** True when `text` can stand as one path segment: no slash, no `..`, no control characters. */
export function isSafeSegment(text: string): boolean {
  return SAFE_SEGMENT.test(text) && !text.includes('..');
}

/**
 * Types the service sends once per id: a task completes once, a file is uploaded once. Their
 * key is the id alone, so a person finds the event by it.
 */
const ONCE_PER_ID = new Set(['ConcatComplete', 'EditMediaComplete', 'NewFileUpload']);

/**
 * The key of an event, the same on every delivery of it (the handle is never part of it):
 *
 * - `<type>/<id>` for the types sent once per task or file id;
 * - `<type>/<id>.<digest>` for other types with an id: one task may send several (a procedure
 *   reports each state change), and each must keep its own record, never overwrite another;
 * - `<type>/sha256-<digest>` over the canonical content when the event names no usable id.
 *
 * An unsafe type becomes `unsafe-type-<digest>`.
 */
export function eventKey(type: string, id: string | null, content: unknown): string {
  const typePart = isSafeSegment(type) ? type : `unsafe-type-${digest(type).slice(0, 16)}`;
  if (id === null || !isSafeSegment(id))
    return `${typePart}/sha256-${digest(canonicalJson(content))}`;
  if (ONCE_PER_ID.has(type)) return `${typePart}/${id}`;
  return `${typePart}/${id}.${digest(canonicalJson(content)).slice(0, 16)}`;
}

/** JSON with object keys sorted at every depth: equal content gives equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const name of Object.keys(value).sort()) {
    sorted[name] = sortKeys((value as Record<string, unknown>)[name]);
  }
  return sorted;
}

export function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
