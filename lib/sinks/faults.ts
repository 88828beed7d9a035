// Named faults for sink writes, so tests and the chaos run can break any sink the same way.
// Enabled only by SINK_FAULTS, which the configuration refuses on SCF.

import { z } from 'zod';
import type { VodEvent } from '../events/event';
import { SinkError } from '../errors';
import { sleep } from '../retry';
import type { Sink, WriteOutcome } from './sink';

const Match = {
  /** Only events with this key; all events when absent. */
  key: z.string().optional(),
  /** Only events of this type. */
  type: z.string().optional(),
  /** How many matching events it hits before it disarms; forever when absent. */
  times: z.number().int().positive().optional(),
};

export const SinkFault = z.discriminatedUnion('fault', [
  z.object({ fault: z.literal('fail_write'), ...Match }),
  z.object({ fault: z.literal('slow_write'), delayMs: z.number().int().nonnegative(), ...Match }),
]);
export type SinkFault = z.infer<typeof SinkFault>;

export const SinkFaultList = z.array(SinkFault);

export class FaultySink implements Sink {
  readonly kind: string;
  private readonly remaining: (number | undefined)[];

  constructor(
    private readonly inner: Sink,
    private readonly faults: readonly SinkFault[],
  ) {
    this.kind = inner.kind;
    this.remaining = faults.map((fault) => fault.times);
  }

  async write(events: readonly VodEvent[], signal: AbortSignal): Promise<WriteOutcome[]> {
    const outcomes: (WriteOutcome | undefined)[] = events.map(() => undefined);
    let delayMs = 0;

    events.forEach((event, i) => {
      for (const [f, fault] of this.faults.entries()) {
        if (!this.hits(f, fault, event)) continue;
        if (fault.fault === 'slow_write') delayMs = Math.max(delayMs, fault.delayMs);
        if (fault.fault === 'fail_write') outcomes[i] = injectedFailure(event);
      }
    });

    // The delay ignores `signal` on purpose: it plays a sink that overruns its time.
    if (delayMs > 0) await sleep(delayMs);
    const passed = events.filter((_, i) => outcomes[i] === undefined);
    const written = passed.length > 0 ? await this.inner.write(passed, signal) : [];
    return outcomes.map((outcome) => outcome ?? (written.shift() as WriteOutcome));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private hits(index: number, fault: SinkFault, event: VodEvent): boolean {
    if (fault.key !== undefined && fault.key !== event.key) return false;
    if (fault.type !== undefined && fault.type !== event.type) return false;
    const left = this.remaining[index];
    if (left === 0) return false;
    if (left !== undefined) this.remaining[index] = left - 1;
    return true;
  }
}

function injectedFailure(event: VodEvent): WriteOutcome {
  const error = new SinkError('faults', `injected fail_write for ${event.key}`, {
    key: event.key,
    retryable: true,
    code: 'INJECTED',
  });
  return { status: 'failed', error };
}
