// How a run meets a failing VOD: empty replies in every spelling, transient and throttling
// errors retried, unreadable replies confirmed never, bad credentials stopping the run once.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmptyEventSet } from '../../emulators/vod/dialect';
import type { VodEmulator } from '../../emulators/vod/server';
import { closeWarmParts, runOnce, RunStoppedError } from '../../lib/run';
import { emulatorEnv, startEmulator } from '../support/emulator';
import { concatFact, seedOf } from '../support/facts';
import { fsCase } from '../support/sink-cases';

const sink = fsCase();
let emulator: VodEmulator;
let env: Record<string, string>;
let logs: string[];
/** Each test seeds facts no earlier test stored, so "stored" counts stay exact. */
let factNumber = 0;
const freshFact = () => seedOf(concatFact(factNumber++));

const run = (overrides: Record<string, string> = {}) => {
  logs = [];
  return runOnce(
    { ...env, ...overrides },
    { request_id: 'failures', time_limit_in_ms: 30_000 },
    {
      write: (line) => logs.push(line),
    },
  );
};

beforeAll(async () => {
  emulator = await startEmulator();
  env = { ...emulatorEnv(emulator), ...(await sink.prepare()) };
});

afterEach(() => {
  emulator.reset();
  emulator.emptyEventSet = 'array';
});

afterAll(async () => {
  await closeWarmParts();
  await emulator.close();
  await sink.cleanup();
});

describe('a run against a failing VOD', () => {
  it.each<EmptyEventSet>(['missing', 'null', 'array'])(
    'reads an EventSet that is %s as empty',
    async (form) => {
      emulator.emptyEventSet = form;

      const summary = await run();

      expect(summary).toMatchObject({ pulls: 1, pulled: 0, pullErrors: 0, stopReason: 'drained' });
    },
  );

  it('treats ResourceNotFound on a pull as an empty queue', async () => {
    emulator.arm([
      { fault: 'api_error', action: 'PullEvents', code: 'ResourceNotFound', times: 1 },
    ]);

    const summary = await run();

    expect(summary).toMatchObject({ pulls: 1, pullErrors: 0, stopReason: 'drained' });
  });

  it.each([
    ['InternalError', { fault: 'api_error', code: 'InternalError' }],
    ['RequestLimitExceeded', { fault: 'api_error', code: 'RequestLimitExceeded' }],
    ['HTTP 502', { fault: 'http_status', status: 502, body: 'Bad Gateway' }],
    ['a dropped connection', { fault: 'drop' }],
  ] as const)('retries a pull after %s and still drains', async (_name, fault) => {
    emulator.seed([freshFact(), freshFact()]);
    emulator.arm([{ ...fault, action: 'PullEvents', times: 2 }]);

    const summary = await run();

    expect(summary).toMatchObject({ pullErrors: 2, pulled: 2, stored: 2, confirmed: 2 });
    expect(emulator.state()).toMatchObject({ confirmed: 2, faultsLeft: 0 });
  });

  it('confirms nothing from an HTML error page (malformed) and drains next pull', async () => {
    emulator.seed([freshFact()]);
    emulator.arm([
      { fault: 'garbage', action: 'PullEvents', body: '<html>502 Bad Gateway</html>' },
    ]);

    const summary = await run();

    const failure = logs.map((l) => JSON.parse(l)).find((l) => l.event === 'pull_failed');
    expect(failure).toMatchObject({ kind: 'malformed' });
    expect(summary).toMatchObject({ pullErrors: 1, pulled: 1, confirmed: 1 });
    expect(emulator.calls.ConfirmEvents).toBe(1);
  });

  it('gives up after five failed pulls in a row instead of looping', async () => {
    emulator.arm([{ fault: 'api_error', action: 'PullEvents', code: 'InternalError', times: 50 }]);

    const summary = await run();

    expect(summary).toMatchObject({ pullErrors: 5, stopReason: 'vod_unavailable' });
    expect(emulator.calls.PullEvents).toBe(5);
  });

  it('stops the run at once on a wrong key, throws once, and never prints the key', async () => {
    emulator.seed([freshFact()]);
    const wrongKey = 'wrong-secret-key-0123456789';

    const outcome = await run({ VOD_SECRET_KEY: wrongKey }).catch((error: unknown) => error);

    expect(outcome).toBeInstanceOf(RunStoppedError);
    const stopped = outcome as RunStoppedError;
    expect(stopped.summary).toMatchObject({ stopReason: 'auth_failed', pulls: 0, pullErrors: 1 });
    expect(stopped.message).toMatch(/AuthFailure\.SignatureFailure/);
    expect(emulator.calls.PullEvents).toBe(1);
    expect(logs.join('\n')).not.toContain(wrongKey);
    expect(logs.some((l) => l.includes('"event":"run_summary"'))).toBe(true);
  });

  it.each(['InvalidParameterValue', 'InvalidParameter'])(
    'reads a confirm refused with %s as late handles: confirms what it can, never throws',
    async (code) => {
      emulator.seed([freshFact(), freshFact()]);
      emulator.arm([{ fault: 'api_error', action: 'ConfirmEvents', code, times: 1 }]);

      const summary = await run();

      expect(summary).toMatchObject({ stored: 2 });
      expect(summary.confirmed + summary.confirmFailed).toBe(2);
      expect(emulator.state().confirmed).toBe(summary.confirmed);
    },
  );

  it('scrubs an echoed secret from the thrown error, the summary and the logs', async () => {
    const token = 'Tok+en/with=special&chars 42';
    const secretKey = emulatorEnv(emulator).VOD_SECRET_KEY as string;
    const echoed = `key ${secretKey} or token ${encodeURIComponent(token)} refused`;
    emulator.arm([
      {
        fault: 'api_error',
        action: 'PullEvents',
        code: 'AuthFailure.SecretIdNotFound',
        message: echoed,
      },
    ]);

    const outcome = await run({ VOD_SESSION_TOKEN: token }).catch((error: unknown) => error);

    const stopped = outcome as RunStoppedError;
    expect(stopped).toBeInstanceOf(RunStoppedError);
    expect(stopped.code).toBe('AuthFailure.SecretIdNotFound');
    const everything = [stopped.message, JSON.stringify(stopped.summary), ...logs].join('\n');
    expect(everything).toContain('***');
    expect(everything).not.toContain(secretKey);
    expect(everything).not.toContain(encodeURIComponent(token));
  });

  it('prints the summary of a healthy run even when LOG_LEVEL hides info lines', async () => {
    const summary = await run({ LOG_LEVEL: 'error' });

    const lines = logs.map((line) => JSON.parse(line));
    expect(summary.stopReason).toBe('drained');
    expect(lines.map((line) => line.event)).toEqual(['run_summary']);
    expect(lines[0]).toMatchObject({ level: 'info', stopReason: 'drained' });
  });

  it('names VOD_PULL_TIMEOUT_MS when a pull gets no reply in time, and tries again', async () => {
    emulator.seed([freshFact()]);
    emulator.arm([{ fault: 'delay', action: 'PullEvents', delayMs: 5600 }]);

    const summary = await run({ VOD_PULL_TIMEOUT_MS: '5100' });

    const failure = logs.map((line) => JSON.parse(line)).find((l) => l.event === 'pull_failed');
    expect(failure?.error.message).toBe(
      'PullEvents got no reply within VOD_PULL_TIMEOUT_MS (5100 ms)',
    );
    expect(summary).toMatchObject({ pullErrors: 1, stored: 1, confirmed: 1 });
  });

  it('calls a VOD that accepts but never answers unavailable, not a backlog', async () => {
    emulator.arm([{ fault: 'delay', action: 'PullEvents', delayMs: 20_000, times: 5 }]);

    const summary = await runOnce(
      { ...env, VOD_PULL_TIMEOUT_MS: '5100' },
      { request_id: 'hung', time_limit_in_ms: 18_000 },
      { write: () => {} },
    );

    expect(summary.stopReason).toBe('vod_unavailable');
    expect(summary.stopDetail).toMatch(/no time is left to retry: .*VOD_PULL_TIMEOUT_MS/);
    expect(summary.pullErrors).toBeGreaterThanOrEqual(1);
    expect(summary.durationMs).toBeLessThan(18_000);
  });

  it('parks a copy of a reply item without a handle, and confirms its siblings', async () => {
    const noHandle = {
      api3: { EventHandle: null, EventType: 'NewFileUpload', FileUploadEvent: { FileId: '52851' } },
    };
    emulator.seed([freshFact(), noHandle]);

    const summary = await run();

    expect(summary).toMatchObject({ pulled: 1, stored: 1, confirmed: 1, unconfirmable: 1 });
    const parked = await sink.parked();
    const copy = parked.find((record) => record.key.startsWith('Unconfirmable/'));
    expect(copy?.reason).toMatch(/EventHandle/);
    expect(JSON.stringify(copy?.content)).toContain('52851');
    const line = logs.map((l) => JSON.parse(l)).find((l) => l.event === 'event_unconfirmable');
    expect(line).toMatchObject({ kept: true, key: copy?.key });
  });
});
