// The drain end to end: emulator over HTTP -> run -> real sink, for every sink and dialect.
// One suite, parametrised; where a sink's server is absent it is skipped with the reason
// (and .ci/run, which sets VOD_DRAIN_REQUIRE_SERVICES=1, fails instead).

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VodEmulator } from '../../emulators/vod/server';
import { closeWarmParts, runOnce } from '../../lib/run';
import type { EventRecord } from '../../lib/sinks/record';
import { DIALECTS } from '../support/dialects';
import { emulatorEnv, eventually, startEmulator } from '../support/emulator';
import {
  vodId,
  concatFact,
  expected,
  keyMatches,
  mixedFacts,
  seedOf,
  type EventFact,
} from '../support/facts';
import { SINK_CASES } from '../support/sink-cases';

const requireServices = process.env.VOD_DRAIN_REQUIRE_SERVICES === '1';

for (const makeSink of SINK_CASES) {
  const sink = makeSink();
  const skipReason = await sink.unavailable();
  if (skipReason && requireServices)
    throw new Error(`sink ${sink.name} is required: ${skipReason}`);

  for (const dialect of DIALECTS) {
    const title = `drain (${dialect.name} -> ${sink.name})`;
    describe.skipIf(skipReason !== undefined)(
      skipReason ? `${title}: ${skipReason}` : title,
      () => {
        let emulator: VodEmulator;
        let env: Record<string, string>;
        let logs: string[];

        const run = (overrides: Record<string, string> = {}, timeLimitMs = 30_000) =>
          runOnce(
            { ...env, ...overrides },
            { request_id: 'test', time_limit_in_ms: timeLimitMs },
            {
              write: (line) => logs.push(line),
            },
          );

        const seed = (facts: EventFact[], subAppId?: number) =>
          emulator.seed(facts.map((fact) => seedOf(fact, subAppId)));

        beforeAll(async () => {
          emulator = await startEmulator();
        });

        beforeEach(async () => {
          emulator.reset();
          logs = [];
          env = {
            ...emulatorEnv(emulator),
            ...dialect.env(emulator.url),
            ...(await sink.prepare()),
          };
        });

        afterEach(() => sink.cleanup());

        afterAll(async () => {
          await closeWarmParts();
          await emulator.close();
        });

        it('stores and confirms 100 mixed events; a second run finds nothing', async () => {
          const facts = mixedFacts(100);
          seed(facts);

          const first = await run();
          const second = await run();

          expect(first).toMatchObject({ pulled: 100, stored: 100, confirmed: 100, failed: 0 });
          expect(first.stopReason).toBe('drained');
          expect(emulator.state()).toMatchObject({ confirmed: 100, waiting: 0, inFlight: 0 });
          expect(second).toMatchObject({
            pulled: 0,
            stored: 0,
            confirmed: 0,
            stopReason: 'drained',
          });
          expectRecords(await sink.records(), facts);
          expect(first.byType).toEqual(countTypes(facts));
        });

        it('confirms 15 of 16 when one write fails, and stores that one once later', async () => {
          const facts = Array.from({ length: 16 }, (_, i) => concatFact(i));
          const failing = expected(facts[5] as EventFact).key;
          seed(facts);

          const first = await run({
            SINK_FAULTS: JSON.stringify([{ fault: 'fail_write', key: failing }]),
          });
          const afterFirst = emulator.state();
          await eventually(() => emulator.state().waiting === 1, 8000, 'redelivery');
          const second = await run();

          expect(first).toMatchObject({ pulled: 16, stored: 15, failed: 1, confirmed: 15 });
          expect(afterFirst).toMatchObject({ confirmed: 15 });
          expect(afterFirst.events[5]).toMatchObject({ confirmed: false });
          expect(second).toMatchObject({ pulled: 1, stored: 1, confirmed: 1 });
          expect(emulator.state().events[5]).toMatchObject({ deliveries: 2, confirmed: true });
          expectRecords(await sink.records(), facts);
        });

        it('stores an event redelivered after a skipped confirm once, not twice', async () => {
          const facts = Array.from({ length: 4 }, (_, i) => concatFact(100 + i));
          seed(facts);

          // The write outlasts the confirm-by point of a 3 s window, so the confirm is skipped.
          const slow = JSON.stringify([{ fault: 'slow_write', delayMs: 2500 }]);
          const first = await run({ SINK_FAULTS: slow });
          await eventually(() => emulator.state().waiting === 4, 8000, 'redelivery');
          const second = await run();

          expect(first).toMatchObject({ pulled: 4, stored: 4, skipped: 4, confirmed: 0 });
          expect(logs.some((line) => line.includes('"event":"confirm_skipped_window"'))).toBe(true);
          expect(second).toMatchObject({ pulled: 4, stored: 0, duplicates: 4, confirmed: 4 });
          expect(emulator.state()).toMatchObject({ confirmed: 4, waiting: 0, inFlight: 0 });
          expectRecords(await sink.records(), facts);
        });

        it('parks malformed and unsafe events and confirms them; siblings go on', async () => {
          const good = [concatFact(200), concatFact(201)];
          seed(good);
          emulator.seed([
            {
              api3: {
                EventType: 'ConcatComplete',
                ConcatCompleteEvent: { TaskId: 'no-file-list' },
              },
              v2: { eventType: 'ConcatComplete', data: { vodTaskId: 'no-file-list' } },
            },
            {
              api3: {
                EventType: 'ConcatComplete',
                ConcatCompleteEvent: { TaskId: '../../etc/passwd', FileInfoSet: [] },
              },
              v2: {
                version: '4.0',
                eventType: 'ConcatComplete',
                data: { vodTaskId: '../../etc/passwd', fileInfo: [] },
              },
            },
            {
              api3: { EventType: 'NewFileUpload', FileUploadEvent: { FileId: 'a\nb' } },
              v2: { version: '4.0', eventType: 'NewFileUpload', data: { fileId: 'a\nb' } },
            },
          ]);

          const summary = await run();
          const parked = await sink.parked();

          expect(summary).toMatchObject({ pulled: 5, stored: 2, parked: 3, confirmed: 5 });
          expect(emulator.state()).toMatchObject({ confirmed: 5, waiting: 0 });
          expectRecords(await sink.records(), good);
          expect(parked).toHaveLength(3);
          expect(parked.map((p) => p.reason)).toEqual(
            expect.arrayContaining([
              // The missing file list, named as the dialect names it (FileInfoSet, fileInfo).
              expect.stringMatching(/fileinfo/i),
              expect.stringContaining('fileId'),
              expect.stringContaining('taskId'),
            ]),
          );
          // Parked under a safe key: the task id where one was usable, else a digest.
          for (const record of parked) {
            expect(record.key).toMatch(/^[A-Za-z]+\/([A-Za-z0-9-]+|sha256-[0-9a-f]{32})$/);
          }
        });

        it("indexes a concatenation's output files by task", async () => {
          const fact = concatFact(300, { failedOutput: true });
          seed([fact]);

          await run();
          const index = await sink.task(expected(fact).taskId as string);

          expect(index?.outputs).toEqual(expected(fact).outputs);
          expect(index?.outputs.map((file) => file.ok)).toEqual([true, false]);
        });

        it('keeps each state change of one procedure as its own record', async () => {
          const taskId = '1400000000-procedurev2-states';
          const facts: EventFact[] = ['PROCESSING', 'FINISH'].map((status) => ({
            kind: 'procedure',
            taskId,
            fileId: vodId(900_000),
            status,
          }));
          seed(facts);

          const summary = await run();

          expect(summary).toMatchObject({ pulled: 2, stored: 2, duplicates: 0, confirmed: 2 });
          const records = (await sink.records()).filter((r) => r.taskId === taskId);
          expect(new Set(records.map((r) => r.key)).size).toBe(2);
          expect(records.map((r) => JSON.stringify(r.content)).join()).toMatch(/PROCESSING/);
          expect(records.map((r) => JSON.stringify(r.content)).join()).toMatch(/FINISH/);
        });

        it('writes an event twice in one batch once and confirms both copies', async () => {
          const fact = concatFact(700);
          seed([fact, fact, concatFact(701)]);

          const summary = await run();

          expect(summary).toMatchObject({ pulled: 3, stored: 2, duplicates: 1, confirmed: 3 });
          expect(emulator.state()).toMatchObject({ confirmed: 3, waiting: 0, inFlight: 0 });
          expectRecords(await sink.records(), [fact, concatFact(701)]);
        });

        it('drains with four pullers at once, storing and confirming each event once', async () => {
          const facts = mixedFacts(100, 600);
          seed(facts);

          const summary = await run({ DRAIN_PULLERS: '4' });

          expect(summary).toMatchObject({
            pulled: 100,
            stored: 100,
            duplicates: 0,
            confirmed: 100,
          });
          expect(emulator.state()).toMatchObject({ confirmed: 100, waiting: 0, inFlight: 0 });
          expect(emulator.state().deliveries).toBe(100);
          expectRecords(await sink.records(), facts);
        });

        it('confirms each handle against the sub-application it came from', async () => {
          seed(mixedFacts(20, 400), 1500000001);
          seed(mixedFacts(20, 500), 1500000002);

          const summary = await run({ VOD_SUB_APP_IDS: '1500000001,1500000002' });

          expect(summary).toMatchObject({
            pulled: 40,
            stored: 40,
            confirmed: 40,
            confirmFailed: 0,
          });
          expect(emulator.state()).toMatchObject({ confirmed: 40, waiting: 0, inFlight: 0 });
          const records = await sink.records();
          expect(records.filter((r) => r.subAppId === 1500000001)).toHaveLength(20);
          expect(records.filter((r) => r.subAppId === 1500000002)).toHaveLength(20);
        });
      },
    );
  }
}

/** Exactly one record per fact, each equal to the domain record the fact implies. */
function expectRecords(records: EventRecord[], facts: EventFact[]): void {
  expect(records).toHaveLength(facts.length);
  for (const fact of facts) {
    const want = expected(fact);
    const found = records.filter((r) => keyMatches(want.key, r.key) && r.type === want.type);
    const match = found.find((r) => want.taskId === null || r.taskId === want.taskId);
    expect(match, `record for ${want.key}`).toBeDefined();
    expect(match).toMatchObject({
      type: want.type,
      taskId: want.taskId,
      fileId: want.fileId,
      outputs: want.outputs,
    });
  }
}

function countTypes(facts: EventFact[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const fact of facts) {
    const { type } = expected(fact);
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}
