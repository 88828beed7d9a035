// The sinks the end-to-end suite runs against. Each case prepares empty storage, selects itself
// through environment variables, and reads back what was stored from the backend itself.

import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeWarmParts } from '../../lib/run';
import type { EventRecord, ParkedRecord, TaskIndex } from '../../lib/sinks/record';
import { startCosStandIn, type StandInProcess } from './cos';
import { SQL_SERVERS, readEventRecords, readParked, readTask, type SqlKind } from './databases';

export interface SinkCase {
  name: string;
  /** Undefined when this machine can run the case; else a one-line reason to skip it. */
  unavailable(): Promise<string | undefined>;
  /** Fresh, empty storage; the variables that select and configure it. */
  prepare(): Promise<Record<string, string>>;
  /** Every stored event record, read from the backend. */
  records(): Promise<EventRecord[]>;
  parked(): Promise<ParkedRecord[]>;
  task(taskId: string): Promise<TaskIndex | undefined>;
  cleanup(): Promise<void>;
}

export function fsCase(): SinkCase {
  let dir = '';
  return {
    name: 'fs',
    unavailable: async () => undefined,
    async prepare() {
      dir = await mkdtemp(join(tmpdir(), 'vod-drain-fs-'));
      return { SINK: 'fs', SINK_FS_DIR: dir };
    },
    records: () => readTree<EventRecord>(join(dir, 'events')),
    parked: () => readTree<ParkedRecord>(join(dir, 'parked')),
    async task(taskId) {
      const text = await readFile(join(dir, 'tasks', `${taskId}.json`), 'utf8').catch(
        () => undefined,
      );
      return text === undefined ? undefined : (JSON.parse(text) as TaskIndex);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

async function readTree<T>(root: string): Promise<T[]> {
  const names = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  const files = names.filter((name) => name.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (name) => JSON.parse(await readFile(join(root, name), 'utf8')) as T),
  );
}

/**
 * COS through the signature-verifying stand-in, with temporary keys (so every request must
 * carry the session token), each test under a prefix of its own.
 */
export function cosCase(): SinkCase {
  let standIn: StandInProcess | undefined;
  let prefix = '';
  const read = async <T>(under: string): Promise<T[]> => {
    const server = standIn as StandInProcess;
    const keys = await server.keys(`${prefix}${under}`);
    const objects = await Promise.all(keys.map((key) => server.object(key)));
    return objects.map((object) => JSON.parse(object?.body ?? 'null') as T);
  };

  return {
    name: 'cos',
    unavailable: async () => undefined,
    async prepare() {
      standIn ??= await startCosStandIn({ token: 'stand-in-session-token' });
      prefix = `t-${randomBytes(4).toString('hex')}/`;
      return {
        SINK: 'cos',
        SINK_COS_BUCKET: standIn.bucket,
        SINK_COS_REGION: 'ap-guangzhou',
        SINK_COS_PREFIX: prefix,
        SINK_COS_ENDPOINT: standIn.url,
        SINK_COS_SECRET_ID: standIn.secretId,
        SINK_COS_SECRET_KEY: standIn.secretKey,
        SINK_COS_SESSION_TOKEN: standIn.token as string,
      };
    },
    records: () => read<EventRecord>('events/'),
    parked: () => read<ParkedRecord>('parked/'),
    async task(taskId) {
      const object = await standIn?.object(`${prefix}tasks/${taskId}.json`);
      return object && (JSON.parse(object.body) as TaskIndex);
    },
    cleanup: async () => undefined,
  };
}

/** A SQL sink on a throwaway database of its own per test, on the machine's server. */
export function sqlCase(kind: SqlKind): SinkCase {
  const db = SQL_SERVERS[kind];
  let url = '';
  return {
    name: kind,
    unavailable: () => db.unavailable(),
    async prepare() {
      url = await db.createDatabase();
      return { SINK: kind, [kind === 'mysql' ? 'SINK_MYSQL_URL' : 'SINK_POSTGRES_URL']: url };
    },
    records: () => readEventRecords(db, url),
    parked: () => readParked(db, url),
    task: (taskId) => readTask(db, url, taskId),
    async cleanup() {
      // The warm sink holds pooled connections to the database about to be dropped.
      await closeWarmParts();
      await db.dropDatabase(url);
    },
  };
}

/** Every sink case; the production sinks add theirs here. */
export const SINK_CASES: (() => SinkCase)[] = [
  fsCase,
  cosCase,
  () => sqlCase('mysql'),
  () => sqlCase('postgres'),
];
