// What the emulator's server and its dialects share: the context a dialect is served with, and
// the shape of a reply.

import type http from 'node:http';
import type { KeyPair } from '../tc3';
import type { Delivery, EventQueue } from './queue';

export const MAX_EVENTS_PER_PULL = 16;

/** What a dialect handler gets from the server. */
export interface DialectContext {
  queue: EventQueue;
  keys: (secretId: string) => KeyPair | undefined;
  /** Long poll: events of a lane as soon as there are any, or none after the hold. */
  poll: (subAppId: number | undefined, closed: AbortSignal) => Promise<Delivery[]>;
  requestId: () => string;
  /** How an empty pull says so: the service has been seen to send all three. */
  emptyEventSet: EmptyEventSet;
}

export type EmptyEventSet = 'array' | 'null' | 'missing';

export interface Reply {
  status: number;
  body: string;
  contentType?: string;
}

/** A dialect: answers the requests it recognises, returns undefined for the others. */
export type Dialect = (
  request: http.IncomingMessage,
  body: Buffer,
  context: DialectContext,
) => Promise<{ action: string; reply: Reply } | undefined>;

export function json(value: unknown, status = 200): Reply {
  return { status, body: JSON.stringify(value), contentType: 'application/json' };
}

