// The emulated event queue: what the service keeps per sub-application, and the rules it applies
// to pulls and confirms. Pure state and a clock; the HTTP server and the long poll sit on top.
//
// An event's life, with H the handle window:
//
//   seeded -> visible --pull--> in flight (handle h1, valid until pulled + H)
//                                 |-- confirm h1 before pulled + H --> gone
//                                 '-- H passes --> visible again; next pull gives handle h2
//
// A late or unknown handle makes the whole confirm request fail and confirms none of it: the
// strictest reading of a service that answers per request, never per handle.

import { randomInt } from 'node:crypto';

/** One event as seeded: its content in each dialect the emulator may be asked to speak. */
export interface SeedEvent {
  subAppId?: number;
  /** API 3.0 EventContent without EventHandle, e.g. { EventType, ConcatCompleteEvent }. */
  api3?: Record<string, unknown>;
  /** Legacy v2 eventContent, e.g. { eventType: "concat_file", data: {...} }. */
  v2?: Record<string, unknown>;
}

export interface Delivery {
  handle: string;
  event: SeedEvent;
  /** Index of the event in seeding order, for tests to follow it across deliveries. */
  id: number;
}

interface Entry {
  id: number;
  event: SeedEvent;
  lane: string;
  visibleAt: number;
  handle: string | undefined;
  handleExpiresAt: number;
  deliveries: number;
  confirmed: boolean;
}

export interface QueueState {
  waiting: number;
  inFlight: number;
  confirmed: number;
  deliveries: number;
  /** Per event id, how often it was delivered and whether it was confirmed. */
  events: { id: number; deliveries: number; confirmed: boolean }[];
}

export type ConfirmVerdict =
  { ok: true; confirmed: number } | { ok: false; late: string[]; unknown: string[] };

export class EventQueue {
  private entries: Entry[] = [];
  private readonly byHandle = new Map<string, Entry>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  add(events: readonly SeedEvent[]): void {
    for (const event of events) {
      this.entries.push({
        id: this.entries.length,
        event,
        lane: laneOf(event.subAppId),
        visibleAt: this.now(),
        handle: undefined,
        handleExpiresAt: 0,
        deliveries: 0,
        confirmed: false,
      });
    }
  }

  /** Hands out up to `max` visible events of a lane, each under a new handle. */
  take(subAppId: number | undefined, max: number): Delivery[] {
    const now = this.now();
    const lane = laneOf(subAppId);
    const taken: Delivery[] = [];

    for (const entry of this.entries) {
      if (taken.length >= max) break;
      if (entry.confirmed || entry.lane !== lane || entry.visibleAt > now) continue;
      if (entry.handle) this.byHandle.delete(entry.handle);

      entry.handle = newHandle();
      entry.handleExpiresAt = now + this.windowMs;
      entry.visibleAt = now + this.windowMs;
      entry.deliveries += 1;
      this.byHandle.set(entry.handle, entry);
      taken.push({ handle: entry.handle, event: entry.event, id: entry.id });
    }

    return taken;
  }

  /** Confirms all handles or none: one late or unknown handle fails the request. */
  confirm(subAppId: number | undefined, handles: readonly string[]): ConfirmVerdict {
    const now = this.now();
    const lane = laneOf(subAppId);
    const late: string[] = [];
    const unknown: string[] = [];

    for (const handle of handles) {
      const entry = this.byHandle.get(handle);
      if (!entry || entry.lane !== lane || entry.confirmed) unknown.push(handle);
      else if (entry.handleExpiresAt <= now) late.push(handle);
    }
    if (late.length > 0 || unknown.length > 0) return { ok: false, late, unknown };

    for (const handle of handles) {
      const entry = this.byHandle.get(handle) as Entry;
      entry.confirmed = true;
      this.byHandle.delete(handle);
    }
    return { ok: true, confirmed: handles.length };
  }

  /** Events a pull of this lane could get now. */
  countVisible(subAppId: number | undefined): number {
    const now = this.now();
    const lane = laneOf(subAppId);
    return this.entries.filter((e) => !e.confirmed && e.lane === lane && e.visibleAt <= now).length;
  }

  /** When the next event of a lane becomes visible, if one is waiting in flight. */
  nextVisibleAt(subAppId: number | undefined): number | undefined {
    const lane = laneOf(subAppId);
    let next: number | undefined;
    for (const entry of this.entries) {
      if (entry.confirmed || entry.lane !== lane) continue;
      next = next === undefined ? entry.visibleAt : Math.min(next, entry.visibleAt);
    }
    return next;
  }

  state(): QueueState {
    const now = this.now();
    const open = this.entries.filter((e) => !e.confirmed);
    return {
      waiting: open.filter((e) => e.visibleAt <= now).length,
      inFlight: open.filter((e) => e.visibleAt > now).length,
      confirmed: this.entries.length - open.length,
      deliveries: this.entries.reduce((sum, e) => sum + e.deliveries, 0),
      events: this.entries.map(({ id, deliveries, confirmed }) => ({ id, deliveries, confirmed })),
    };
  }

  clear(): void {
    this.entries = [];
    this.byHandle.clear();
  }
}

function laneOf(subAppId: number | undefined): string {
  return subAppId === undefined ? 'default' : String(subAppId);
}

/** Handles are long digit strings, as the service's are: past 2^53, so never numbers. */
function newHandle(): string {
  const middle = String(randomInt(0, 2 ** 47)).padStart(15, '0');
  return `${randomInt(1, 9)}${middle}${randomInt(100, 999)}`;
}
