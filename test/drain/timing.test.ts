// A run never overruns: cycles start only when they fit, and a limit shorter than one cycle
// pulls nothing. Checked from the emulator's side, which records when each pull arrived.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { VodEmulator } from '../../emulators/vod/server';
import { closeWarmParts, runOnce } from '../../lib/run';
import { emulatorEnv, startEmulator } from '../support/emulator';
import { fsCase } from '../support/sink-cases';

const sink = fsCase();
let emulator: VodEmulator;
let env: Record<string, string>;

// One cycle: pull 6 s + write 2 s + confirm 1 s + margin 1 s = 10 s.
const CYCLE_MS = 10_000;
const MARGIN_MS = 1000;

beforeAll(async () => {
  emulator = await startEmulator({ holdMs: 1500 });
  env = {
    ...emulatorEnv(emulator),
    ...(await sink.prepare()),
    VOD_PULL_TIMEOUT_MS: '6000',
    DRAIN_WRITE_TIMEOUT_MS: '2000',
    VOD_CONFIRM_TIMEOUT_MS: '1000',
    DRAIN_MARGIN_MS: String(MARGIN_MS),
  };
});

afterEach(() => emulator.reset());

afterAll(async () => {
  await closeWarmParts();
  await emulator.close();
  await sink.cleanup();
});

describe('run timing', () => {
  it('in 12 s starts only pulls that can finish and ends before deadline - margin', async () => {
    const limitMs = 12_000;
    const startedAt = Date.now();

    const summary = await runOnce(
      { ...env, DRAIN_STOP_WHEN: 'deadline' },
      { request_id: 'timing', time_limit_in_ms: limitMs },
      { write: () => {} },
    );
    const returnedAt = Date.now();

    const pulls = emulator.history.filter((h) => h.action === 'PullEvents');
    expect(pulls.length).toBeGreaterThanOrEqual(1);
    for (const pull of pulls)
      expect(pull.at + CYCLE_MS).toBeLessThanOrEqual(startedAt + limitMs + 50);
    expect(returnedAt).toBeLessThan(startedAt + limitMs - MARGIN_MS);
    expect(summary.stopReason).toBe('deadline');
    expect(summary.pulls).toBe(pulls.length);
  });

  it('with a limit shorter than one cycle pulls nothing and says why', async () => {
    const summary = await runOnce(
      env,
      { request_id: 'short', time_limit_in_ms: 4000 },
      { write: () => {} },
    );

    expect(summary).toMatchObject({ pulls: 0, pulled: 0, stopReason: 'too_short' });
    expect(summary.stopDetail).toMatch(/4000 ms leaves no room for one cycle of 10000 ms/);
    expect(emulator.calls.PullEvents ?? 0).toBe(0);
  });

  it('falls back to DRAIN_TIME_LIMIT_MS when the context gives no usable limit', async () => {
    const lines: string[] = [];
    const context = { request_id: 'nan', time_limit_in_ms: Number.NaN };

    const summary = await runOnce({ ...env, DRAIN_TIME_LIMIT_MS: '4000' }, context, {
      write: (line) => lines.push(line),
    });

    expect(summary.stopReason).toBe('too_short');
    expect(summary.stopDetail).toMatch(/time limit 4000 ms/);
    expect(lines.some((line) => line.includes('"event":"time_limit_invalid"'))).toBe(true);
  });
});
