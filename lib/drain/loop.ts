// The drain loop. One run is one or more pullers, each repeating the cycle
//
//   pull -> receive -> write -> confirm
//
// while a whole cycle fits before the deadline. A batch's handles are confirmed only for the
// events its write stored (or parked), before that puller pulls again and inside the handle
// window. Failures of single writes or confirms are counted, logged and left to redelivery;
// only errors no retry can fix (credentials, configuration) stop the run.

import { buildEvent } from '../events/build';
import type { PulledBatch, VodEvent } from '../events/event';
import { SinkError, VodError, toError } from '../errors';
import type { Logger } from '../log';
import { backoff, raceAbort, sleep } from '../retry';
import type { Sink, WriteOutcome } from '../sinks/sink';
import type { VodClient } from '../vod/client';
import { Budget, abortAt, type Timing } from './budget';
import { Lanes, type SubAppId } from './lanes';
import { SummaryBuilder, type RunSummary } from './summary';

export interface DrainOptions {
  stopWhen: 'empty' | 'deadline';
  pullers: number;
  subAppIds: readonly SubAppId[];
  timing: Timing;
  /** Pull and log what would be stored; write nothing, confirm nothing (events come back). */
  dryRun?: boolean;
}

export interface RunWindow {
  requestId: string | undefined;
  startedAt: number;
  deadline: number;
}

export interface DrainResult {
  summary: RunSummary;
  /** Set when the run stopped on an error that must also fail the invocation. */
  fatal?: VodError;
}

/** Consecutive failed pulls after which the run stops instead of backing off again. */
const MAX_PULL_FAILURES = 5;
/** Consecutive batches with no successful write after which the run stops. */
const MAX_SINK_FAILURES = 2;

export async function drain(
  vod: VodClient,
  sink: Sink,
  options: DrainOptions,
  window: RunWindow,
  log: Logger,
): Promise<DrainResult> {
  return new Drain(vod, sink, options, window, log).run();
}

class Drain {
  private readonly budget: Budget;
  private readonly summary: SummaryBuilder;
  private readonly lanes: Lanes;
  /** Last-resort bound on every call: nothing may run into the margin. */
  private readonly runSignal: AbortSignal;
  private pullFailures = 0;
  private sinkFailures = 0;

  constructor(
    private readonly vod: VodClient,
    private readonly sink: Sink,
    private readonly options: DrainOptions,
    window: RunWindow,
    private readonly log: Logger,
  ) {
    this.budget = new Budget(window.startedAt, window.deadline, options.timing);
    this.summary = new SummaryBuilder(
      { requestId: window.requestId, dialect: vod.dialect, sink: sink.kind },
      window.startedAt,
    );
    this.lanes = new Lanes(options.subAppIds);
    this.runSignal = abortAt(window.deadline - options.timing.marginMs);
  }

  async run(): Promise<DrainResult> {
    if (!this.budget.canStartCycle(Date.now())) {
      const limitMs = this.budget.deadline - this.budget.startedAt;
      this.summary.stop(
        'too_short',
        `time limit ${limitMs} ms leaves no room for one cycle of ${this.budget.cycleMs} ms ` +
          '(pull + write + confirm + margin): raise the function timeout',
      );
    } else {
      const pullers = Array.from({ length: this.options.pullers }, () => this.puller());
      await Promise.all(pullers);
    }

    const summary = this.summary.finish(Date.now());
    return this.summary.fatal ? { summary, fatal: this.summary.fatal } : { summary };
  }

  /** Runs cycles until the lanes are drained, the budget is spent or the run is stopped. */
  private async puller(): Promise<void> {
    while (!this.summary.stopped) {
      const lane = this.lanes.next();
      if (lane === undefined) return this.summary.stop('drained');

      if (!this.budget.canStartCycle(Date.now())) {
        return this.summary.stop('deadline', 'no full cycle fits before the deadline');
      }

      await this.cycle(lane.subAppId);
    }
  }

  private async cycle(subAppId: SubAppId): Promise<void> {
    const pullSentAt = Date.now();
    const batch = await this.pull(subAppId);
    if (batch === undefined) return;

    this.receive(subAppId, batch);
    const kept = keptCopies(subAppId, batch);
    if (batch.events.length === 0 && kept.length === 0) {
      if (this.options.stopWhen === 'empty') this.lanes.retire(subAppId);
      return;
    }

    if (this.options.dryRun) return this.show(batch.events);

    const outcomes = await this.write([...batch.events, ...kept]);
    this.reportKept(subAppId, kept, outcomes.slice(batch.events.length));
    await this.confirm(subAppId, batch.events, outcomes, pullSentAt);
  }

  /** One pull; on failure, backs off or stops the run, and yields no batch. */
  private async pull(subAppId: SubAppId): Promise<PulledBatch | undefined> {
    try {
      const batch = await this.vod.pull({ subAppId, signal: this.runSignal });
      this.pullFailures = 0;
      return batch;
    } catch (thrown) {
      await this.pullFailed(subAppId, asVodError(thrown, 'pull'));
      return undefined;
    }
  }

  private async pullFailed(subAppId: SubAppId, error: VodError): Promise<void> {
    this.summary.add('pullErrors');
    this.log.warn('pull_failed', { subAppId, kind: error.kind, error });

    if (error.stopsRun) {
      this.summary.fatal = error;
      this.summary.stop(error.kind === 'auth' ? 'auth_failed' : 'rejected', error.message);
      return;
    }

    this.pullFailures += 1;
    if (this.pullFailures >= MAX_PULL_FAILURES) {
      this.summary.stop(
        'vod_unavailable',
        `${this.pullFailures} pulls failed in a row: ${error.message}`,
      );
      return;
    }

    const waitMs =
      error.kind === 'throttled'
        ? backoff(1000, 5000)(this.pullFailures)
        : backoff(200, 2000)(this.pullFailures);
    if (!this.budget.canWait(Date.now(), waitMs)) {
      // The run ends because VOD kept failing, not because work was left: say so, or a hung
      // endpoint would read as a backlog.
      const detail = `${this.pullFailures} pull(s) failed in a row and no time is left to retry`;
      this.summary.stop('vod_unavailable', `${detail}: ${error.message}`);
      return;
    }
    await sleep(waitMs);
  }

  private receive(subAppId: SubAppId, batch: PulledBatch): void {
    this.summary.add('pulls');
    this.summary.add('pulled', batch.events.length);
    for (const event of batch.events) this.summary.addType(event.key);

    this.summary.add('unconfirmable', batch.unconfirmable.length);
    this.log.debug('pulled', { subAppId, count: batch.events.length, requestId: batch.requestId });
  }

  /** One error line per reply item without a handle, saying whether its copy was kept. */
  private reportKept(subAppId: SubAppId, kept: readonly VodEvent[], outcomes: WriteOutcome[]) {
    kept.forEach((copy, i) => {
      const status = outcomes[i]?.status;
      this.log.error('event_unconfirmable', {
        subAppId,
        key: copy.key,
        reason: copy.problem,
        kept: status === 'parked' || status === 'duplicate',
        note: 'cannot be confirmed, comes back every 30 s; a copy is parked',
      });
    });
  }

  /** Dry run: one line per event instead of a write; nothing is confirmed, so all come back. */
  private show(events: readonly VodEvent[]): void {
    for (const event of events) {
      const { key, type, subAppId, taskId, outputs, problem } = event;
      this.log.info('dry_run_event', { key, type, subAppId, taskId, outputs, problem });
    }
  }

  /**
   * Writes a batch within its time; what has not finished by then counts as failed. An event
   * that comes twice in one batch (two deliveries of it) is written once: the second copy
   * shares the first one's fate, as a duplicate, so every sink counts it the same way.
   */
  private async write(events: readonly VodEvent[]): Promise<WriteOutcome[]> {
    const { unique, slotOf } = distinctByKey(events);
    const signal = abortAt(this.budget.writeEndsBy(Date.now()));
    const written = await settleBefore(this.sink.write(unique, signal), signal).catch(
      (thrown: unknown) => unique.map(() => failedOutcome(this.sink.kind, toError(thrown))),
    );
    const settled = written ?? unique.map(() => failedOutcome(this.sink.kind, timeoutError()));

    const outcomes = events.map((_, i): WriteOutcome => {
      const { slot, first } = slotOf[i] as { slot: number; first: boolean };
      const outcome = settled[slot] as WriteOutcome;
      return first || outcome.status === 'failed' ? outcome : { status: 'duplicate' };
    });
    outcomes.forEach((outcome, i) => this.count(events[i] as VodEvent, outcome));
    this.watchSink(outcomes);
    return outcomes;
  }

  private count(event: VodEvent, outcome: WriteOutcome): void {
    if (isKeptCopy(event)) return; // counted as unconfirmable when received
    switch (outcome.status) {
      case 'stored':
        return this.summary.add('stored');
      case 'duplicate':
        return this.summary.add('duplicates');
      case 'parked':
        this.summary.add('parked');
        return this.log.warn('event_parked', {
          key: event.key,
          type: event.type,
          reason: outcome.reason ?? event.problem,
        });
      case 'failed':
        this.summary.add('failed');
        return this.log.warn('write_failed', {
          key: event.key,
          type: event.type,
          error: outcome.error,
        });
    }
  }

  /** Stops the run when the sink keeps failing every write: pulling more would only churn. */
  private watchSink(outcomes: readonly WriteOutcome[]): void {
    const anyWritten = outcomes.some((outcome) => outcome.status !== 'failed');
    this.sinkFailures = anyWritten ? 0 : this.sinkFailures + 1;
    if (this.sinkFailures >= MAX_SINK_FAILURES) {
      this.summary.stop(
        'sink_unavailable',
        `${this.sinkFailures} batches in a row failed to write`,
      );
    }
  }

  /** Confirms exactly the events written safely, if the handle window still allows it. */
  private async confirm(
    subAppId: SubAppId,
    events: readonly VodEvent[],
    outcomes: readonly WriteOutcome[],
    pullSentAt: number,
  ): Promise<void> {
    const written = events.filter((_, i) => outcomes[i]?.status !== 'failed');
    if (written.length === 0) return;

    const now = Date.now();
    if (now > this.budget.confirmBy(pullSentAt)) {
      this.summary.add('skipped', written.length);
      this.log.warn('confirm_skipped_window', {
        subAppId,
        count: written.length,
        lateByMs: now - this.budget.confirmBy(pullSentAt),
        keys: written.map((event) => event.key),
        note: 'handle window closing: these events will come back and be stored once',
      });
      return;
    }

    const handles = written.map((event) => event.handle);
    const signal = abortAt(this.budget.confirmEndsBy(now, pullSentAt));
    try {
      const result = await settleBefore(this.vod.confirm({ subAppId, handles, signal }), signal);
      const confirmed = result?.confirmed.length ?? 0;
      this.summary.add('confirmed', confirmed);
      this.reportUnconfirmed(subAppId, written, new Set(result?.confirmed ?? []));
    } catch (thrown) {
      const error = asVodError(thrown, 'confirm');
      this.summary.add('confirmFailed', written.length);
      this.log.error('confirm_failed', { subAppId, count: written.length, error });
      if (error.stopsRun) {
        this.summary.fatal = error;
        this.summary.stop(error.kind === 'auth' ? 'auth_failed' : 'rejected', error.message);
      }
    }
  }

  private reportUnconfirmed(
    subAppId: SubAppId,
    written: readonly VodEvent[],
    confirmed: Set<string>,
  ) {
    const missed = written.filter((event) => !confirmed.has(event.handle));
    if (missed.length === 0) return;
    this.summary.add('confirmFailed', missed.length);
    this.log.warn('confirm_incomplete', {
      subAppId,
      count: missed.length,
      keys: missed.map((event) => event.key),
      note: 'stored but not confirmed: these events will come back and be stored once',
    });
  }
}

/**
 * Reply items without a usable handle, as events to park. They cannot be confirmed, so VOD
 * sends them again every 30 s until it drops them after 4 days; parking a copy of each from
 * its first sight means nothing is lost all the same. The empty handle marks them.
 */
function keptCopies(subAppId: SubAppId, batch: PulledBatch): VodEvent[] {
  return batch.unconfirmable.map((item) =>
    buildEvent({
      handle: '',
      subAppId,
      type: 'Unconfirmable',
      content: item.content,
      problem: item.reason,
    }),
  );
}

function isKeptCopy(event: VodEvent): boolean {
  return event.handle === '';
}

/** The first event of each key, and for every event the index of its key's first event. */
function distinctByKey(events: readonly VodEvent[]) {
  const slotByKey = new Map<string, number>();
  const unique: VodEvent[] = [];
  const slotOf = events.map((event) => {
    const known = slotByKey.get(event.key);
    if (known !== undefined) return { slot: known, first: false };
    slotByKey.set(event.key, unique.length);
    unique.push(event);
    return { slot: unique.length - 1, first: true };
  });
  return { unique, slotOf };
}

/** Resolves with the promise's value, or with undefined if `signal` aborts first. */
function settleBefore<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  return raceAbort(work, signal).catch((error: unknown) => {
    if (signal.aborted) return undefined;
    throw error;
  });
}

function asVodError(thrown: unknown, step: string): VodError {
  if (thrown instanceof VodError) return thrown;
  const error = toError(thrown);
  return new VodError('transient', `${step} failed: ${error.message}`, {
    action: step,
    cause: error,
  });
}

function timeoutError(): Error {
  return new Error('write did not finish within its time (DRAIN_WRITE_TIMEOUT_MS)');
}

function failedOutcome(sink: string, cause: Error): WriteOutcome {
  const error = new SinkError(sink, cause.message, { retryable: true, cause });
  return { status: 'failed', error };
}
