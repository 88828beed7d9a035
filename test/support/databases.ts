// The database servers SQL sink tests run against: throwaway databases created per test on the
// machine's MariaDB and PostgreSQL, and reading back what a sink stored, straight from the rows.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { EventRecord, ParkedRecord, TaskIndex } from '../../lib/sinks/record';

export type SqlKind = 'mysql' | 'postgres';

export interface SqlServer {
  kind: SqlKind;
  /** Undefined when reachable; else a one-line reason to skip. */
  unavailable(): Promise<string | undefined>;
  /** A fresh, empty database of our own, by URL. */
  createDatabase(): Promise<string>;
  /** Drops a database this helper created (refuses any other name). */
  dropDatabase(url: string): Promise<void>;
  /** Drops a database this helper created and creates it again, empty, under the same name. */
  resetDatabase(url: string): Promise<void>;
  query<T = Record<string, unknown>>(url: string, sql: string, values?: unknown[]): Promise<T[]>;
}

const OWN_DATABASE = /^vod_drain_t_[0-9a-f]{12}$/;

export const SQL_SERVERS: Record<SqlKind, SqlServer> = {
  postgres: server('postgres', process.env.VOD_DRAIN_TEST_POSTGRES_URL
    ?? 'postgres://postgres@127.0.0.1:5432/postgres'),
  mysql: server('mysql', process.env.VOD_DRAIN_TEST_MYSQL_URL
    ?? 'mysql://root@127.0.0.1:3306/test'),
};

function server(kind: SqlKind, adminUrl: string): SqlServer {
  const where = `${kind} at ${new URL(adminUrl).host}`;
  const run = kind === 'postgres' ? pgQuery : mysqlQuery;

  return {
    kind,
    async unavailable() {
      try {
        await run(adminUrl, 'SELECT 1');
        return undefined;
      } catch (error) {
        return `${where} unreachable (${(error as Error).message.split('\n')[0]})`;
      }
    },
    async createDatabase() {
      const name = `vod_drain_t_${randomBytes(6).toString('hex')}`;
      await run(adminUrl, `CREATE DATABASE ${name}`);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async dropDatabase(url) {
      const name = ownName(url);
      const force = kind === 'postgres' ? ' WITH (FORCE)' : '';
      await run(adminUrl, `DROP DATABASE IF EXISTS ${name}${force}`);
    },
    async resetDatabase(url) {
      await this.dropDatabase(url);
      await run(adminUrl, `CREATE DATABASE ${ownName(url)}`);
    },
    query: (url, sql, values) => run(url, sql, values) as never,
  };
}

/** The database name of a URL this helper made; throws for any other, so we never drop it. */
function ownName(url: string): string {
  const name = new URL(url).pathname.slice(1);
  if (!OWN_DATABASE.test(name)) throw new Error(`refusing to drop ${name}: not ours`);
  return name;
}

async function pgQuery(url: string, sql: string, values: unknown[] = []): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows;
  } finally {
    await client.end();
  }
}

async function mysqlQuery(url: string, sql: string, values: unknown[] = []): Promise<unknown[]> {
  const connection = await mysql.createConnection({
    uri: url,
    connectTimeout: 2000,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  try {
    const [rows] = await connection.query(sql, values);
    return Array.isArray(rows) ? rows : [];
  } finally {
    await connection.end();
  }
}

interface EventRowRead {
  event_key: string;
  type: string;
  sub_app_id: string | number | null;
  task_id: string | null;
  file_id: string | null;
  content: unknown;
}

interface OutputRowRead {
  event_key: string;
  task_id: string | null;
  file_id: string | null;
  url: string | null;
  file_type: string | null;
  ok: boolean | number;
  message: string | null;
}

/** Every stored event, rebuilt from its columns and its output rows. */
export async function readEventRecords(db: SqlServer, url: string): Promise<EventRecord[]> {
  const events = await db.query<EventRowRead>(url, 'SELECT * FROM vod_events ORDER BY event_key');
  const outputs = await db.query<OutputRowRead>(
    url,
    'SELECT * FROM vod_outputs ORDER BY event_key, position',
  );
  return events.map((row) => ({
    key: row.event_key,
    type: row.type,
    subAppId: row.sub_app_id === null ? null : Number(row.sub_app_id),
    taskId: row.task_id,
    fileId: row.file_id,
    outputs: outputs.filter((o) => o.event_key === row.event_key).map(outputFile),
    content: typeof row.content === 'string' ? JSON.parse(row.content) : row.content,
  }));
}

export async function readParked(db: SqlServer, url: string): Promise<ParkedRecord[]> {
  const rows = await db.query<EventRowRead & { reason: string; content: string }>(
    url,
    'SELECT * FROM vod_parked ORDER BY event_key',
  );
  return rows.map((row) => ({
    key: row.event_key,
    type: row.type,
    subAppId: row.sub_app_id === null ? null : Number(row.sub_app_id),
    reason: row.reason,
    content: JSON.parse(row.content),
  }));
}

/** A task's outputs, found through the task index alone. */
export async function readTask(
  db: SqlServer,
  url: string,
  taskId: string,
): Promise<TaskIndex | undefined> {
  const placeholder = db.kind === 'postgres' ? '$1' : '?';
  const rows = await db.query<OutputRowRead>(
    url,
    `SELECT * FROM vod_outputs WHERE task_id = ${placeholder} ORDER BY event_key, position`,
    [taskId],
  );
  const first = rows[0];
  if (!first) return undefined;
  return { taskId, eventKey: first.event_key, outputs: rows.map(outputFile) };
}

function outputFile(row: OutputRowRead) {
  return {
    fileId: row.file_id,
    url: row.url,
    fileType: row.file_type,
    ok: row.ok === true || row.ok === 1,
    message: row.message,
  };
}

/** Runs `npm run migrate`'s script in a child process with `env` added; its output and code. */
export function runMigrate(
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  const root = resolve(__dirname, '../..');
  return new Promise((done) => {
    const child = spawn(resolve(root, 'node_modules/.bin/tsx'), ['scripts/migrate.ts'], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => done({ code, out }));
  });
}
