// The sinks the end-to-end suite runs against. Each case prepares empty storage, selects itself
// through environment variables, and reads back what was stored from the backend itself.

import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventRecord, ParkedRecord, TaskIndex } from '../../lib/sinks/record';

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
      const text = await readFile(join(dir, 'tasks', `${taskId}.json`), 'utf8').catch(() => undefined);
      return text === undefined ? undefined : (JSON.parse(text) as TaskIndex);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

async function readTree<T>(root: string): Promise<T[]> {
  const names = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  const files = names.filter((name) => name.endsWith('.json')).sort();
  return Promise.all(files.map(async (name) => JSON.parse(await readFile(join(root, name), 'utf8')) as T));
}

/** Every sink case; the production sinks add theirs here. */
export const SINK_CASES: (() => SinkCase)[] = [fsCase];
