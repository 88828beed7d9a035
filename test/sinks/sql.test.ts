// The MySQL and PostgreSQL sinks against the machine's real servers, each test on a throwaway
// database: racing migrations, upserts, refused rows, and a database that dies mid-run (cut
// by a proxy of our own, never by stopping the shared server).

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VodEmulator } from '../../emulators/vod/server';
import type { SqlSinkConfig } from '../../lib/config';
import { buildEvent } from '../../lib/events/build';
import type { VodEvent } from '../../lib/events/event';
import { closeWarmParts, runOnce } from '../../lib/run';
import { MysqlSink } from '../../lib/sinks/mysql';
import { PostgresSink } from '../../lib/sinks/postgres';
import { eventRecord } from '../../lib/sinks/record';
import { MAX_OUTPUTS, MIGRATIONS } from '../../lib/sinks/sql/schema';
import type { SqlSink } from '../../lib/sinks/sql/sql-sink';
import { emulatorEnv, eventually, startEmulator } from '../support/emulator';
import {
  SQL_SERVERS,
  readEventRecords,
  readParked,
  runMigrate,
  type SqlKind,
} from '../support/databases';
import { expected, mixedFacts, seedOf } from '../support/facts';
import { TcpProxy } from '../support/tcp-proxy';

const requireServices = process.env.VOD_DRAIN_REQUIRE_SERVICES === '1';

for (const kind of ['mysql', 'postgres'] as SqlKind[]) {
  const db = SQL_SERVERS[kind];
  const skipReason = await db.unavailable();
  if (skipReason && requireServices) throw new Error(`${kind} is required: ${skipReason}`);
  const title = `${kind} sink`;

  describe.skipIf(skipReason !== undefined)(skipReason ? `${title}: ${skipReason}` : title, () => {
    let url: string;
    const sinks: SqlSink[] = [];

    const sinkAt = (at: string, overrides: Partial<SqlSinkConfig> = {}): SqlSink => {
      const config: SqlSinkConfig = {
        kind,
        url: at,
        poolSize: 2,
        connectTimeoutMs: 1000,
        queryTimeoutMs: 1000,
        ...overrides,
      };
      const sink = kind === 'mysql' ? new MysqlSink(config) : new PostgresSink(config);
      sinks.push(sink);
      return sink;
    };
    const signal = () => AbortSignal.timeout(5000);
    const urlVar = kind === 'mysql' ? 'SINK_MYSQL_URL' : 'SINK_POSTGRES_URL';

    beforeEach(async () => {
      url = await db.createDatabase();
    });

    afterEach(async () => {
      await Promise.all(sinks.splice(0).map((sink) => sink.close().catch(() => undefined)));
      await closeWarmParts();
      await db.dropDatabase(url);
    });

    it('migrates once when two sinks and npm run migrate race on an empty database', async () => {
      const events = [concat(1), concat(2)];

      const [a, b, script] = await Promise.all([
        sinkAt(url).write(events, signal()),
        sinkAt(url).write(events, signal()),
        runMigrate({ SINK: kind, [urlVar]: url }),
      ]);

      expect(script.code).toBe(0);
      expect([...a, ...b].every((outcome) => outcome.status !== 'failed')).toBe(true);
      expect([...a, ...b].filter((outcome) => outcome.status === 'stored')).toHaveLength(2);
      const versions = await db.query<{ version: number }>(
        url,
        'SELECT version FROM vod_drain_migrations',
      );
      expect(versions.map((row) => Number(row.version))).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await tableNames(kind, url)).toEqual(
        ['vod_drain_migrations', 'vod_events', 'vod_outputs', 'vod_parked'],
      );
    });

    it('stores rows equal to the domain record; a redelivery is a duplicate', async () => {
      const events = [concat(10), concat(11), upload(12)];
      const sink = sinkAt(url);

      const first = await sink.write(events, signal());
      const again = await sink.write(events.map(redelivered), signal());

      expect(first.map((o) => o.status)).toEqual(['stored', 'stored', 'stored']);
      expect(again.map((o) => o.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
      const records = await readEventRecords(db, url);
      expect(records).toEqual(events.map(eventRecord).sort((x, y) => x.key.localeCompare(y.key)));
      const counts = await db.query<{ deliveries: number; later: boolean | number }>(
        url,
        'SELECT deliveries, last_seen_at >= first_seen_at AS later FROM vod_events',
      );
      expect(counts.map((row) => [Number(row.deliveries), Boolean(Number(row.later))])).toEqual(
        [[2, true], [2, true], [2, true]],
      );
      const outputs = await db.query(url, 'SELECT event_key FROM vod_outputs');
      expect(outputs).toHaveLength(4);
    });

    it('parks a row the database refuses, with the reason; its siblings are stored', async () => {
      const refused = buildEvent({
        handle: 'h-refused',
        subAppId: undefined,
        type: `Custom${'X'.repeat(200)}`,
        content: { EventType: 'long', Detail: 'a type longer than the column' },
      });
      const events = [concat(20), refused, concat(21)];

      const outcomes = await sinkAt(url).write(events, signal());

      expect(outcomes.map((o) => o.status)).toEqual(['stored', 'parked', 'stored']);
      const parked = await readParked(db, url);
      expect(parked).toHaveLength(1);
      expect(parked[0]).toMatchObject({ key: refused.key, content: refused.content });
      expect(parked[0]?.reason).toMatch(new RegExp(`^rejected by ${kind} \\(`));
      expect((await readEventRecords(db, url)).map((r) => r.key).sort()).toEqual(
        [events[0]!.key, events[2]!.key].sort(),
      );
    });

    it('parks events with unsafe ids under their digest key, never under the id', async () => {
      const unsafe = ['../../etc/passwd', 'a\nb'].map((fileId, i) => buildEvent({
        handle: `h${i}`,
        subAppId: undefined,
        type: 'NewFileUpload',
        fileId,
        content: { FileUploadEvent: { FileId: fileId } },
      }));

      const outcomes = await sinkAt(url).write(unsafe, signal());

      expect(outcomes.map((o) => o.status)).toEqual(['parked', 'parked']);
      const parked = await readParked(db, url);
      expect(parked).toHaveLength(2);
      for (const record of parked) {
        expect(record.key).toMatch(/^NewFileUpload\/sha256-[0-9a-f]{32}$/);
      }
      expect(await readEventRecords(db, url)).toEqual([]);
    });

    it('stores an event with 20,000 outputs in bounded statements, and its sibling', async () => {
      const huge = concat(40, 20_000);
      const events = [huge, concat(41)];

      const outcomes = await sinkAt(url).write(events, signal());

      expect(outcomes.map((o) => o.status)).toEqual(['stored', 'stored']);
      const records = await readEventRecords(db, url);
      expect(records.map((r) => r.key)).toEqual(events.map((e) => e.key).sort());
      const stored = records.find((r) => r.key === huge.key);
      expect(stored?.outputs).toHaveLength(20_000);
      expect(stored).toEqual(eventRecord(huge));
      const [last] = await db.query<{ top: number | string }>(
        url,
        'SELECT MAX(position) AS top FROM vod_outputs',
      );
      expect(Number(last?.top)).toBe(19_999);
    });

    it(`parks an event with more than ${MAX_OUTPUTS} outputs, naming the limit`, async () => {
      const tooMany = concat(42, MAX_OUTPUTS + 1);
      const events = [tooMany, concat(43)];

      const outcomes = await sinkAt(url).write(events, signal());

      expect(outcomes.map((o) => o.status)).toEqual(['parked', 'stored']);
      expect(outcomes[0]).toMatchObject({ reason: expect.stringContaining('outputs') });
      const parked = await readParked(db, url);
      expect(parked.map((p) => p.key)).toEqual([tooMany.key]);
      expect(parked[0]?.reason).toBe(
        `has ${MAX_OUTPUTS + 1} outputs; vod_outputs numbers at most ${MAX_OUTPUTS} per event`,
      );
      expect(await db.query(url, 'SELECT event_key FROM vod_outputs')).toHaveLength(2);
    });

    it('re-creates dropped tables on a warm sink and stores the batch that found them gone',
      async () => {
        const sink = sinkAt(url);
        await sink.write([concat(50)], signal());
        await db.query(url, 'DROP TABLE vod_events, vod_outputs, vod_parked');
        const events = [concat(51), upload(52), parkable(53)];

        const outcomes = await sink.write(events, signal());

        expect(outcomes.map((o) => o.status)).toEqual(['stored', 'stored', 'parked']);
        expect((await readEventRecords(db, url)).map((r) => r.key)).toEqual(
          [events[0]!.key, events[1]!.key].sort(),
        );
        expect((await readParked(db, url)).map((r) => r.key)).toEqual([events[2]!.key]);
      });

    it('re-creates with npm run migrate tables dropped after their migration', async () => {
      await sinkAt(url).migrate(signal());
      await db.query(url, 'DROP TABLE vod_outputs');

      const script = await runMigrate({ SINK: kind, [urlVar]: url });

      expect(script.code).toBe(0);
      expect(await tableNames(kind, url)).toEqual(
        ['vod_drain_migrations', 'vod_events', 'vod_outputs', 'vod_parked'],
      );
    });

    it('recovers on a warm sink when its database is dropped and created again', async () => {
      const sink = sinkAt(url);
      await sink.write([concat(60)], signal());
      await db.resetDatabase(url);
      const events = [concat(61), concat(62)];

      // A warm run may lose one batch to the connection the reset broke; the next must store.
      const runs: string[][] = [];
      let pending = events;
      for (let run = 0; run < 3 && pending.length > 0; run += 1) {
        const outcomes = await sink.write(pending, signal());
        runs.push(outcomes.map((o) => o.status));
        expect(outcomes.every((o) => o.status !== 'failed' || o.error.details.retryable))
          .toBe(true);
        pending = pending.filter((_, i) => outcomes[i]?.status === 'failed');
      }

      expect(pending).toEqual([]);
      expect(runs.length).toBeLessThanOrEqual(2);
      expect(runs.flat().every((status) => status === 'stored' || status === 'failed')).toBe(true);
      expect((await readEventRecords(db, url)).map((r) => r.key)).toEqual(
        events.map((e) => e.key).sort(),
      );
    });

    it('gives up on a black-holed database by the write deadline and recovers after', async () => {
      const proxy = await TcpProxy.start(hostPort(url));
      const sink = sinkAt(proxy.via(url), { queryTimeoutMs: 3000, connectTimeoutMs: 3000 });
      await sink.write([concat(30)], signal());

      await proxy.cut('blackhole');
      const startedAt = Date.now();
      const cut = await sink.write([concat(31), concat(32)], AbortSignal.timeout(600));
      const tookMs = Date.now() - startedAt;
      await proxy.heal();
      const healed = await sink.write([concat(31), concat(32)], signal());
      await proxy.close();

      expect(tookMs).toBeLessThan(1200);
      expect(cut.map((o) => o.status)).toEqual(['failed', 'failed']);
      expect(cut[0]).toMatchObject({ error: { details: { code: 'TIMEOUT', retryable: true } } });
      expect(healed.map((o) => o.status)).toEqual(['stored', 'stored']);
    });

    describe('a database that dies in the middle of a run', () => {
      let emulator: VodEmulator;
      let proxy: TcpProxy;

      beforeAll(async () => {
        emulator = await startEmulator();
      });

      beforeEach(async () => {
        emulator.reset();
        proxy = await TcpProxy.start(hostPort(url));
      });

      afterEach(() => proxy.close());

      afterAll(() => emulator.close());

      for (const mode of ['refuse', 'blackhole'] as const) {
        it(`ends in time when cut (${mode}), confirms only the stored, catches up`, async () => {
          const facts = mixedFacts(64, 900);
          emulator.seed(facts.map((fact) => seedOf(fact)));
          const logs: string[] = [];
          const timeLimitMs = 15_000;
          const env = {
            ...emulatorEnv(emulator),
            SINK: kind,
            [urlVar]: proxy.via(url),
            SINK_SQL_CONNECT_TIMEOUT_MS: '800',
            SINK_SQL_QUERY_TIMEOUT_MS: '800',
          };
          const run = (extra: Record<string, string> = {}) => runOnce(
            { ...env, ...extra },
            { request_id: `cut-${mode}`, time_limit_in_ms: timeLimitMs },
            { write: (line) => logs.push(line) },
          );

          // Slow batches give the test time to cut the link after the first one is confirmed.
          const slow = JSON.stringify([{ fault: 'slow_write', delayMs: 300 }]);
          const startedAt = Date.now();
          const running = run({ SINK_FAULTS: slow });
          await eventually(() => emulator.state().confirmed >= 16, 10_000, 'a first stored batch');
          await proxy.cut(mode);
          const first = await running;
          const tookMs = Date.now() - startedAt;

          const stored = await readEventRecords(db, url);
          const state = emulator.state();
          expect(tookMs).toBeLessThan(timeLimitMs);
          expect(first.stopReason).toBe('sink_unavailable');
          expect(first.failed).toBeGreaterThan(0);
          expect(first.confirmed).toBe(first.stored);
          expect(state.confirmed).toBe(first.confirmed);
          expect(stored.length).toBe(first.stored);
          const storedKeys = new Set(stored.map((r) => r.key));
          facts.forEach((fact, i) => {
            if (!state.events[i]?.confirmed) return;
            expect(matchesAny(expected(fact).key, storedKeys), expected(fact).key).toBe(true);
          });
          expect(logs.some((line) => line.includes('"event":"write_failed"')
            && line.includes(`${kind} unavailable`))).toBe(true);

          await proxy.heal();
          const allBack = () => emulator.state().waiting === 64 - state.confirmed;
          await eventually(allBack, 8000, 'redelivery');
          const second = await run();

          expect(second.failed).toBe(0);
          expect(second.confirmed).toBe(64 - first.confirmed);
          expect(emulator.state()).toMatchObject({ confirmed: 64, waiting: 0, inFlight: 0 });
          const all = await readEventRecords(db, url);
          expect(all).toHaveLength(64);
          expect(new Set(all.map((r) => r.key)).size).toBe(64);
        });
      }
    });
  });
}

/** A ConcatComplete with two outputs, or with `count` numbered ones. */
function concat(n: number, count?: number): VodEvent {
  const taskId = `1400${String(n).padStart(6, '0')}-ConcatFile-sql`;
  const outputs = count === undefined
    ? [
      {
        fileId: `5285890798${n}`,
        url: `http://x.vod2.myqcloud.com/${n}.m3u8`,
        fileType: 'm3u8',
        ok: true,
        message: null,
      },
      { fileId: null, url: null, fileType: 'mp4', ok: false, message: 'no audio' },
    ]
    : Array.from({ length: count }, (_, i) => ({
      fileId: `5285890798${n}-${i}`,
      url: `http://x.vod2.myqcloud.com/${n}/${i}.ts`,
      fileType: 'ts',
      ok: true,
      message: null,
    }));
  return buildEvent({
    handle: `handle-${n}`,
    subAppId: 1500000001,
    type: 'ConcatComplete',
    taskId,
    outputs,
    content: { TaskId: taskId, FileInfoSet: [], Note: `snowman \u2603 ${n}` },
  });
}

function upload(n: number): VodEvent {
  const fileId = `52858907988${n}`;
  return buildEvent({
    handle: `handle-${n}`,
    subAppId: undefined,
    type: 'NewFileUpload',
    fileId,
    content: { FileUploadEvent: { FileId: fileId } },
  });
}

function parkable(n: number): VodEvent {
  return buildEvent({
    handle: `handle-${n}`,
    subAppId: undefined,
    type: 'ConcatComplete',
    content: { broken: n },
    problem: 'FileInfoSet is missing',
  });
}

function redelivered(event: VodEvent): VodEvent {
  return { ...event, handle: `${event.handle}-again` };
}

function hostPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

function matchesAny(key: string, keys: Set<string>): boolean {
  if (!key.endsWith('*')) return keys.has(key);
  return [...keys].some((k) => k.startsWith(key.slice(0, -1)));
}

async function tableNames(kind: SqlKind, url: string): Promise<string[]> {
  const sql = kind === 'postgres'
    ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'"
    : 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()';
  const rows = await SQL_SERVERS[kind].query<{ name: string }>(url, sql);
  return rows.map((row) => row.name).sort();
}
