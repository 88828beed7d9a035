// The run summary: the one line every run logs and returns, counted as the run goes.

import type { VodError } from '../errors';

/**
 * Why a run stopped.
 *
 * - drained: every sub-application returned an empty pull (DRAIN_STOP_WHEN=empty).
 * - deadline: no full cycle fits before the deadline any more.
 * - too_short: the time limit is shorter than one cycle; nothing was pulled.
 * - auth_failed: VOD refused the credentials, permissions or clock.
 * - rejected: VOD refused the request itself (configuration).
 * - vod_unavailable: pulls kept failing; the run gave up early.
 * - sink_unavailable: every write of consecutive batches failed; the run gave up early.
 */
export type StopReason =
  | 'drained'
  | 'deadline'
  | 'too_short'
  | 'auth_failed'
  | 'rejected'
  | 'vod_unavailable'
  | 'sink_unavailable';

export interface RunSummary {
  requestId: string | undefined;
  dialect: string;
  sink: string;
  pulls: number;
  /** Events received, parked ones included. */
  pulled: number;
  stored: number;
  duplicates: number;
  parked: number;
  /** Writes that failed: not confirmed, the events come back. */
  failed: number;
  confirmed: number;
  /** Written safely but not confirmed because the handle window closed first. */
  skipped: number;
  /** Written safely, confirm refused or failed: the events come back, stored once. */
  confirmFailed: number;
  /** Reply items without a usable handle: logged, cannot be confirmed. */
  unconfirmable: number;
  pullErrors: number;
  byType: Record<string, number>;
  durationMs: number;
  stopReason: StopReason;
  stopDetail?: string;
}

export type Counter = Exclude<
  keyof RunSummary,
  'requestId' | 'dialect' | 'sink' | 'byType' | 'durationMs' | 'stopReason' | 'stopDetail'
>;

/** Distinct event types a summary names before it counts the rest as `other`. */
const MAX_TYPES = 32;

/** Accumulates a summary; the first stop reason given wins. */
export class SummaryBuilder {
  private readonly counts: Record<Counter, number> = {
    pulls: 0,
    pulled: 0,
    stored: 0,
    duplicates: 0,
    parked: 0,
    failed: 0,
    confirmed: 0,
    skipped: 0,
    confirmFailed: 0,
    unconfirmable: 0,
    pullErrors: 0,
  };
  private readonly byType: Record<string, number> = {};
  private reason: StopReason | undefined;
  private detail: string | undefined;
  /** The error that stopped the run, when it must also fail the invocation. */
  fatal: VodError | undefined;

  constructor(
    private readonly labels: { requestId: string | undefined; dialect: string; sink: string },
    private readonly startedAt: number,
  ) {}

  add(counter: Counter, n = 1): void {
    this.counts[counter] += n;
  }

  /**
   * Counts an event under its type as its key spells it (an unsafe type arrives as a digest),
   * and beyond MAX_TYPES distinct types under `other`, so no payload can bloat the summary.
   */
  addType(key: string): void {
    const type = key.slice(0, key.indexOf('/'));
    const counted = type in this.byType || Object.keys(this.byType).length < MAX_TYPES;
    const name = counted ? type : 'other';
    this.byType[name] = (this.byType[name] ?? 0) + 1;
  }

  stop(reason: StopReason, detail?: string): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.detail = detail;
  }

  get stopped(): boolean {
    return this.reason !== undefined;
  }

  finish(now: number): RunSummary {
    return {
      ...this.labels,
      ...this.counts,
      byType: { ...this.byType },
      durationMs: now - this.startedAt,
      stopReason: this.reason ?? 'drained',
      ...(this.detail === undefined ? {} : { stopDetail: this.detail }),
    };
  }
}
