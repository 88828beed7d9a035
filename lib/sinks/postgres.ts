// The PostgreSQL sink (TencentDB for PostgreSQL): pg with a pool of one or two connections kept
// across warm invocations, parameterised upserts keyed by the event key.

import type pg from 'pg';
import type { SqlSinkConfig } from '../config';
import type { VodEvent } from '../events/event';
import { MIGRATIONS, MIGRATIONS_TABLE } from './sql/schema';
import {
  OUTPUT_ROWS_PER_STATEMENT,
  eventRow,
  OUTPUT_COLUMNS,
  inChunks,
  outputRows,
  outputValues,
  parkedRow,
  type OutputRow,
} from './sql/rows';
import {
  IDLE_CONNECTION_MS,
  SqlSink,
  type ErrorClass,
  type MigrateMode,
  type SqlConnection,
  type SqlDriver,
} from './sql/sql-sink';

// `xmax = 0` holds only for a row version this statement inserted: it tells a new event from
// a redelivery in the same round trip as the upsert.
const UPSERT_EVENT = `
  INSERT INTO vod_events (event_key, type, sub_app_id, task_id, file_id, content)
  VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (event_key) DO UPDATE
    SET last_seen_at = now(), deliveries = vod_events.deliveries + 1
  RETURNING (xmax = 0) AS inserted`;

const UPSERT_PARKED = `
  INSERT INTO vod_parked (event_key, type, sub_app_id, reason, content)
  VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (event_key) DO UPDATE
    SET last_seen_at = now(), deliveries = vod_parked.deliveries + 1, reason = EXCLUDED.reason`;

export class PostgresSink extends SqlSink {
  constructor(config: SqlSinkConfig) {
    super(new PostgresDriver(config));
  }
}

class PostgresDriver implements SqlDriver {
  readonly kind = 'postgres';
  private pool: Promise<pg.Pool> | undefined;
  /** The driver module, once loaded; its error class is needed to sort errors. */
  private driver: typeof pg | undefined;

  constructor(private readonly config: SqlSinkConfig) {}

  async connect(): Promise<SqlConnection> {
    this.pool ??= this.createPool();
    const pool = await this.pool;
    return new PostgresConnection(await pool.connect(), this);
  }

  /**
   * The driver is loaded at first use, not at start: a function that writes elsewhere does not
   * pay for evaluating it on every cold start.
   */
  private async createPool(): Promise<pg.Pool> {
    const { default: driver } = await import('pg');
    this.driver = driver;
    const { config } = this;
    const pool = new driver.Pool({
      connectionString: config.url,
      max: config.poolSize,
      connectionTimeoutMillis: config.connectTimeoutMs,
      // Both ends bound a statement: the server cancels it, the client stops waiting.
      statement_timeout: config.queryTimeoutMs,
      query_timeout: config.queryTimeoutMs,
      idleTimeoutMillis: IDLE_CONNECTION_MS,
      keepAlive: true,
      application_name: 'vod-drain',
    });
    // An idle connection the server closed is expected (restart, failover); the pool drops it
    // and opens another. Without a listener, the error would end the process.
    pool.on('error', () => undefined);
    return pool;
  }

  classify(error: unknown): ErrorClass {
    if (!this.driver || !(error instanceof this.driver.DatabaseError)) return 'connection';
    const code = error.code ?? '';
    // 42P01: undefined table, our own tables gone since this process migrated.
    if (code === '42P01') return 'schema';
    // 22: data exception (too long, bad JSON text); 23: integrity (not null, check).
    if (code.startsWith('22') || code.startsWith('23')) return 'rejected';
    // 08: connection; 57: operator intervention (statement timeout, shutdown); 53: resources.
    if (/^(08|57|53)/.test(code)) return 'connection';
    return 'event';
  }

  async end(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await (await pool).end();
  }
}

class PostgresConnection implements SqlConnection {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly driver: PostgresDriver,
  ) {}

  /**
   * Applies pending migrations in one transaction under a transaction-scoped advisory lock:
   * a second run racing here waits for the first, then finds nothing left to do. (Without the
   * lock, two concurrent CREATE TABLE IF NOT EXISTS can both fail on the catalog's unique key.)
   */
  async migrate(mode: MigrateMode): Promise<number[]> {
    return this.inTransaction(async () => {
      await this.client.query("SELECT pg_advisory_xact_lock(hashtext('vod-drain-migrations'))");
      await this.client.query(
        `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
          version integer PRIMARY KEY,
          name text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`,
      );
      const { rows } = await this.client.query<{ version: number }>(
        `SELECT version FROM ${MIGRATIONS_TABLE}`,
      );
      const applied = new Set(rows.map((row) => row.version));
      const now: number[] = [];

      for (const migration of MIGRATIONS) {
        const recorded = applied.has(migration.version);
        if (recorded && mode === 'pending') continue;
        for (const statement of migration.postgres) await this.client.query(statement);
        if (recorded) continue;
        await this.client.query(
          `INSERT INTO ${MIGRATIONS_TABLE} (version, name) VALUES ($1, $2)`,
          [migration.version, migration.name],
        );
        now.push(migration.version);
      }
      return now;
    });
  }

  storeEvent(event: VodEvent): Promise<'stored' | 'duplicate'> {
    const row = eventRow(event);
    return this.inTransaction(async () => {
      const { rows } = await this.client.query<{ inserted: boolean }>(UPSERT_EVENT, [
        row.key,
        row.type,
        row.subAppId,
        row.taskId,
        row.fileId,
        row.content,
      ]);
      if (rows[0]?.inserted !== true) return 'duplicate';

      const outputs = outputRows(event);
      if (outputs.length > 0) await this.insertOutputs(outputs);
      return 'stored';
    });
  }

  async parkEvent(event: VodEvent, reason: string): Promise<void> {
    const row = parkedRow(event, reason);
    const values = [row.key, row.type, row.subAppId, row.reason, row.content];
    await this.client.query(UPSERT_PARKED, values);
  }

  release(): void {
    this.client.release();
  }

  /** Drops the connection from the pool and cuts its socket, so no reply is awaited. */
  destroy(error: Error): void {
    this.client.release(error);
    this.client.connection.stream.destroy();
  }

  /** Inserts the output rows in bounded statements, inside the caller's transaction. */
  private async insertOutputs(outputs: readonly OutputRow[]): Promise<void> {
    for (const chunk of inChunks(outputs, OUTPUT_ROWS_PER_STATEMENT)) {
      const values: unknown[] = [];
      const tuples = chunk.map((output) => {
        const first = values.length;
        values.push(...outputValues(output));
        const slots = values.slice(first).map((_, i) => `$${first + i + 1}`);
        return `(${slots.join(', ')})`;
      });
      await this.client.query(
        `INSERT INTO vod_outputs (${OUTPUT_COLUMNS}) VALUES ${tuples.join(', ')}`,
        values,
      );
    }
  }

  /** Runs `work` between BEGIN and COMMIT; rolls back unless the connection itself failed. */
  private async inTransaction<T>(work: () => Promise<T>): Promise<T> {
    await this.client.query('BEGIN');
    try {
      const result = await work();
      await this.client.query('COMMIT');
      return result;
    } catch (error) {
      if (this.driver.classify(error) !== 'connection') {
        await this.client.query('ROLLBACK').catch(() => undefined);
      }
      throw error;
    }
  }
}
