// Time arithmetic of a run: when a cycle may start, how long its steps may take, and until when
// a batch may still be confirmed. Every bound is a named term; nothing here waits or calls out.
//
// A run, from entry to the invocation deadline:
//
//   entry                                                                       deadline
//   |--------------------------------- time limit ----------------------------------|
//   | cycle | cycle | ... | a cycle starts only if all of it fits:                  |
//                         |-- pull P --|-- write W --|-- confirm C --|-- margin M --|
//
// A batch's handle window opens when its pull is sent (the service stamps the handles no
// earlier than that, so this errs on the safe side) and lasts H = 30 s:
//
//   pull sent                                                    window closes
//   |------------------------------- H -----------------------------|
//   |-- pull --|-- write --| confirm must start by here |-- C --|-S-|
//                                                       ^ confirmBy = sent + H - S - C
//
// S is the slack for clock and transit. A batch whose write ends after confirmBy is not
// confirmed: its events come back after the window, and idempotent sinks store them once.

export interface Timing {
  pullMs: number;
  writeMs: number;
  confirmMs: number;
  marginMs: number;
  windowMs: number;
}

/** Clock and transit slack S kept at the end of every handle window. */
export const WINDOW_SLACK_MS = 1000;

export class Budget {
  readonly cycleMs: number;

  constructor(
    readonly startedAt: number,
    readonly deadline: number,
    readonly timing: Timing,
  ) {
    this.cycleMs = timing.pullMs + timing.writeMs + timing.confirmMs + timing.marginMs;
  }

  /** Whether a full cycle started at `now` ends before the deadline. */
  canStartCycle(now: number): boolean {
    return now + this.cycleMs <= this.deadline;
  }

  /** Whether waiting `ms` still leaves room for a full cycle afterwards. */
  canWait(now: number, ms: number): boolean {
    return this.canStartCycle(now + ms);
  }

  /** When the write of a batch must end: W from now, never eating the confirm or the margin. */
  writeEndsBy(now: number): number {
    const { writeMs, confirmMs, marginMs } = this.timing;
    return Math.min(now + writeMs, this.deadline - marginMs - confirmMs);
  }

  /** The last moment a confirm for a batch pulled at `pullSentAt` may start. */
  confirmBy(pullSentAt: number): number {
    const { windowMs, confirmMs } = this.timing;
    return pullSentAt + windowMs - WINDOW_SLACK_MS - confirmMs;
  }

  /** When a confirm started at `now` must give up: C, inside the window and the margin. */
  confirmEndsBy(now: number, pullSentAt: number): number {
    const { windowMs, confirmMs, marginMs } = this.timing;
    const windowCloses = pullSentAt + windowMs - WINDOW_SLACK_MS;
    return Math.min(now + confirmMs, windowCloses, this.deadline - marginMs);
  }
}

/** A signal that aborts at the absolute time `at` (already aborted if `at` has passed). */
export function abortAt(at: number, now = Date.now()): AbortSignal {
  return AbortSignal.timeout(Math.max(0, at - now));
}
