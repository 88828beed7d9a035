// The MySQL sink (TencentDB for MySQL, MariaDB): mysql2 with a pool of one or two connections
// kept across warm invocations, parameterised upserts keyed by the event key.

import type mysql from 'mysql2/promise';
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

// With ON DUPLICATE KEY UPDATE, MySQL reports 1 affected row for an insert and 2 for an update
// that changed the row; the delivery count always changes, so 1 means a new event.
const UPSERT_EVENT = `
  INSERT INTO vod_events (event_key, type, sub_app_id, task_id, file_id, content)
  VALUES (?, ?, ?, ?, ?, ?)
  ON DUPLICATE KEY UPDATE last_seen_at = CURRENT_TIMESTAMP(3), deliveries = deliveries + 1`;

const UPSERT_PARKED = `
  INSERT INTO vod_parked (event_key, type, sub_app_id, reason, content)
  VALUES (?, ?, ?, ?, ?)
  ON DUPLICATE KEY UPDATE
    last_seen_at = CURRENT_TIMESTAMP(3), deliveries = deliveries + 1, reason = VALUES(reason)`;

/** SQLSTATE classes of refused values: 22 data exception, 23 integrity (CHECK of JSON_VALID). */
const REJECTED_STATE = /^(22|23)/;
/** Deadlocks and lock waits: the statement failed, the connection is fine. */
const EVENT_ERRNOS = new Set([1205, 1213]);
/** ER_NO_SUCH_TABLE: our own tables gone since this process migrated. */
const TABLE_MISSING_ERRNO = 1146;

export class MysqlSink extends SqlSink {
  constructor(config: SqlSinkConfig) {
    super(new MysqlDriver(config));
  }
}

/** What mysql2 puts on its errors: server errors carry a SQLSTATE, link failures `fatal`. */
interface MysqlErrorFields {
  sqlState?: string;
  errno?: number;
  fatal?: boolean;
}

class MysqlDriver implements SqlDriver {
  readonly kind = 'mysql';
  readonly queryTimeoutMs: number;
  readonly lockName: string;
  private pool: Promise<mysql.Pool> | undefined;

  constructor(private readonly config: SqlSinkConfig) {
    this.queryTimeoutMs = config.queryTimeoutMs;
    // GET_LOCK is server-wide: the database name keeps two databases' migrations apart.
    const database = decodeURIComponent(new URL(config.url).pathname.slice(1));
    this.lockName = `vod_drain_migrate.${database}`.slice(0, 64);
  }

  async connect(): Promise<SqlConnection> {
    this.pool ??= this.createPool();
    const pool = await this.pool;
    return new MysqlConnection(await pool.getConnection(), this);
  }

  /**
   * The driver is loaded at first use, not at start: it is the largest part of the bundle, and
   * a function that writes elsewhere should not evaluate it on every cold start.
   */
  private async createPool(): Promise<mysql.Pool> {
    const { default: driver } = await import('mysql2/promise');
    const { config } = this;
    const pool = driver.createPool({
      uri: config.url,
      connectionLimit: config.poolSize,
      maxIdle: config.poolSize,
      idleTimeout: IDLE_CONNECTION_MS,
      connectTimeout: config.connectTimeoutMs,
      enableKeepAlive: true,
      waitForConnections: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      charset: 'utf8mb4',
    });
    // Timestamps in UTC whatever the server's zone; strict mode so a too-long value is an
    // error (and the event parked), never silently cut.
    pool.on('connection', (connection) => {
      connection.query(
        "SET SESSION time_zone = '+00:00', "
          + "sql_mode = CONCAT_WS(',', @@SESSION.sql_mode, 'STRICT_ALL_TABLES')",
      );
    });
    return pool;
  }

  classify(error: unknown): ErrorClass {
    const { sqlState, errno, fatal } = error as MysqlErrorFields;
    if (fatal || typeof sqlState !== 'string') return 'connection';
    if (errno === TABLE_MISSING_ERRNO) return 'schema';
    if (errno !== undefined && EVENT_ERRNOS.has(errno)) return 'event';
    if (REJECTED_STATE.test(sqlState)) return 'rejected';
    return 'event';
  }

  async end(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await (await pool).end();
  }
}

class MysqlConnection implements SqlConnection {
  constructor(
    private readonly connection: mysql.PoolConnection,
    private readonly driver: MysqlDriver,
  ) {}

  /**
   * Applies pending migrations under a named lock: a second run racing here waits for the
   * first, then finds nothing left to do. DDL commits implicitly in MySQL, so each statement
   * is written to be safe to run again should a run die half-way.
   */
  async migrate(mode: MigrateMode): Promise<number[]> {
    const waitS = Math.max(1, Math.floor(this.driver.queryTimeoutMs / 1000) - 1);
    const [locked] = await this.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS got', [
      this.driver.lockName,
      waitS,
    ]);
    if (locked[0]?.got !== 1) throw new Error(`migration lock busy for ${waitS} s`);

    try {
      await this.query(
        `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
          version INT NOT NULL PRIMARY KEY,
          name VARCHAR(200) NOT NULL,
          applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      );
      const [rows] = await this.query<mysql.RowDataPacket[]>(
        `SELECT version FROM ${MIGRATIONS_TABLE}`,
      );
      const applied = new Set(rows.map((row) => Number(row.version)));
      const now: number[] = [];

      for (const migration of MIGRATIONS) {
        const recorded = applied.has(migration.version);
        if (recorded && mode === 'pending') continue;
        for (const statement of migration.mysql) await this.query(statement);
        if (recorded) continue;
        await this.query(`INSERT INTO ${MIGRATIONS_TABLE} (version, name) VALUES (?, ?)`, [
          migration.version,
          migration.name,
        ]);
        now.push(migration.version);
      }
      return now;
    } finally {
      await this.query('SELECT RELEASE_LOCK(?)', [this.driver.lockName]).catch(() => undefined);
    }
  }

  storeEvent(event: VodEvent): Promise<'stored' | 'duplicate'> {
    const row = eventRow(event);
    return this.inTransaction(async () => {
      const [result] = await this.query<mysql.ResultSetHeader>(UPSERT_EVENT, [
        row.key,
        row.type,
        row.subAppId,
        row.taskId,
        row.fileId,
        row.content,
      ]);
      if (result.affectedRows !== 1) return 'duplicate';

      const outputs = outputRows(event);
      if (outputs.length > 0) await this.insertOutputs(outputs);
      return 'stored';
    });
  }

  async parkEvent(event: VodEvent, reason: string): Promise<void> {
    const row = parkedRow(event, reason);
    await this.query(UPSERT_PARKED, [row.key, row.type, row.subAppId, row.reason, row.content]);
  }

  release(): void {
    this.connection.release();
  }

  /** Cuts the socket at once; the pool forgets the connection and opens a new one later. */
  destroy(): void {
    this.connection.destroy();
  }

  /** Inserts the output rows in bounded statements, inside the caller's transaction. */
  private async insertOutputs(outputs: readonly OutputRow[]): Promise<void> {
    for (const chunk of inChunks(outputs, OUTPUT_ROWS_PER_STATEMENT)) {
      const values = chunk.map(outputValues);
      const slots = OUTPUT_COLUMNS.split(', ').map(() => '?');
      const tuples = values.map(() => `(${slots.join(', ')})`).join(', ');
      const sql = `INSERT INTO vod_outputs (${OUTPUT_COLUMNS}) VALUES ${tuples}`;
      await this.query(sql, values.flat());
    }
  }

  /** Every statement carries the client-side timeout; the sink's deadline bounds the rest. */
  private query<T extends mysql.QueryResult = mysql.ResultSetHeader>(
    sql: string,
    values?: unknown[],
  ) {
    return this.connection.query<T>({ sql, values, timeout: this.driver.queryTimeoutMs });
  }

  /** Runs `work` between BEGIN and COMMIT; rolls back unless the connection itself failed. */
  private async inTransaction<T>(work: () => Promise<T>): Promise<T> {
    await this.query('START TRANSACTION');
    try {
      const result = await work();
      await this.query('COMMIT');
      return result;
    } catch (error) {
      if (this.driver.classify(error) !== 'connection') {
        await this.query('ROLLBACK').catch(() => undefined);
      }
      throw error;
    }
  }
}
