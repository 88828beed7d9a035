// What the MySQL and PostgreSQL sinks share: the batch write over one pooled connection, the
// migration at first use, the sorting of database errors, and the deadline on every wait.

import type { VodEvent } from '../../events/event';
import { SinkError, isAbort, toError } from '../../errors';
import { raceAbort } from '../../retry';
import type { Sink, WriteOutcome } from '../sink';
import { outputsProblem } from './rows';

/**
 * What a database error means for the write.
 *
 * - rejected: the database refuses this event's values (too long, invalid JSON, constraint);
 *   the same write would fail forever, so the event is parked with the reason.
 * - event: this statement failed (deadlock, lock wait); the event fails and comes back, its
 *   siblings go on.
 * - connection: the link or the server is gone, or time ran out; the rest of the batch fails
 *   at once and the connection is destroyed.
 * - schema: a table is missing although this process migrated (the database was dropped and
 *   created again, or the tables were dropped); the sink migrates again and retries the event.
 */
export type ErrorClass = 'rejected' | 'event' | 'connection' | 'schema';

/**
 * pending: the migrations not yet recorded. all: every statement again, in order (each is safe
 * to repeat), for tables that are gone while the record of their migration is still there.
 */
export type MigrateMode = 'pending' | 'all';

/** One pooled connection, checked out for one batch. */
export interface SqlConnection {
  /**
   * Applies the migrations under a lock; safe when another run does the same. Resolves with
   * the versions this call recorded (none when another run got there first).
   */
  migrate(mode: MigrateMode): Promise<number[]>;
  /** Upserts the event and, when new, its output rows, in one transaction. */
  storeEvent(event: VodEvent): Promise<'stored' | 'duplicate'>;
  /** Upserts the event into the parked table with the reason. */
  parkEvent(event: VodEvent, reason: string): Promise<void>;
  /** Back to the pool, healthy. */
  release(): void;
  /** Closed at once, mid-statement if need be; the pool opens a fresh one next time. */
  destroy(error: Error): void;
}

/** Idle connections outlive the minute between timer runs, so warm runs skip the handshake. */
export const IDLE_CONNECTION_MS = 120_000;

export interface SqlDriver {
  readonly kind: 'mysql' | 'postgres';
  connect(): Promise<SqlConnection>;
  classify(error: unknown): ErrorClass;
  end(): Promise<void>;
}

/**
 * A sink over a SQL driver.
 *
 * One transaction per event, not per batch: a row the database refuses then rolls back alone
 * while its siblings commit (PostgreSQL aborts a whole transaction on any error; savepoints
 * would cost the same round trips), and the upsert keyed by the event key makes a batch cut
 * half-way harmless: what committed comes back as a duplicate on redelivery.
 */
export class SqlSink implements Sink {
  readonly kind: string;
  /** Set once the schema is known current; a failed attempt is retried by the next batch. */
  private migrated: Promise<unknown> | undefined;
  /** A table was found missing: the next migration runs every statement again. */
  private stale = false;

  constructor(private readonly driver: SqlDriver) {
    this.kind = driver.kind;
  }

  /**
   * Writes a batch over one connection, event by event.
   *
   * Known shortcoming: a pooled connection the server closed while the instance was frozen is
   * found dead only by the first statement, which fails this batch (its events come back and
   * are stored by a later run). Retrying once on a fresh connection when nothing of the batch
   * was written yet would fix it; issue 4 is where it belongs.
   */
  async write(events: readonly VodEvent[], signal: AbortSignal): Promise<WriteOutcome[]> {
    let connection: SqlConnection;
    try {
      connection = await this.connect(signal);
      await raceAbort(this.migrateOnce(connection), signal).catch((thrown: unknown) => {
        connection.destroy(toError(thrown));
        throw thrown;
      });
    } catch (thrown) {
      const error = this.unavailable(thrown);
      return events.map((event) => this.failed(event, error));
    }

    const outcomes: WriteOutcome[] = [];
    const batch = { remigrated: false };
    let broken: SinkError | undefined;
    for (const event of events) {
      if (broken) {
        outcomes.push(this.failed(event, broken));
        continue;
      }
      try {
        outcomes.push(await this.writeOneRemigrating(connection, event, signal, batch));
      } catch (thrown) {
        broken = this.unavailable(thrown);
        outcomes.push(this.failed(event, broken));
      }
    }

    if (broken) connection.destroy(broken);
    else connection.release();
    return outcomes;
  }

  close(): Promise<void> {
    return this.driver.end();
  }

  /**
   * Migrations for `npm run migrate`: the statements a first write runs, all of them, so the
   * command also re-creates tables dropped after their migration was recorded.
   */
  async migrate(signal: AbortSignal): Promise<number[]> {
    const connection = await this.connect(signal);
    try {
      const applied = await raceAbort(connection.migrate('all'), signal);
      connection.release();
      return applied;
    } catch (thrown) {
      connection.destroy(toError(thrown));
      throw thrown;
    }
  }

  /**
   * Writes one event; when its tables are gone, migrates again and retries it, once a batch.
   *
   * Retrying at once, not leaving it to the next batch, stores the batch that found the tables
   * gone instead of sending all of it back for a 30 s redelivery. Once a batch bounds the cost
   * when migrating does not bring the table back (a role that cannot see it): the second miss
   * fails the rest of the batch, and the next batch tries again.
   */
  private async writeOneRemigrating(
    connection: SqlConnection,
    event: VodEvent,
    signal: AbortSignal,
    batch: { remigrated: boolean },
  ): Promise<WriteOutcome> {
    try {
      return await this.writeOne(connection, event, signal);
    } catch (thrown) {
      if (batch.remigrated || this.classify(thrown) !== 'schema') throw thrown;
      batch.remigrated = true;
      await raceAbort(this.migrateOnce(connection), signal);
      return this.writeOne(connection, event, signal);
    }
  }

  /**
   * Writes one event; resolves with its outcome, or throws when the connection is no longer
   * usable or the tables are gone (the caller then fails the rest of the batch).
   */
  private async writeOne(
    connection: SqlConnection,
    event: VodEvent,
    signal: AbortSignal,
  ): Promise<WriteOutcome> {
    try {
      const problem = event.problem ?? outputsProblem(event);
      if (problem !== undefined) {
        await raceAbort(connection.parkEvent(event, problem), signal);
        return { status: 'parked', reason: problem };
      }
      return { status: await raceAbort(connection.storeEvent(event), signal) };
    } catch (thrown) {
      const kind = this.classify(thrown);
      if (kind === 'connection') throw thrown;
      if (kind === 'schema') throw this.forgetMigrations(thrown);
      if (kind === 'rejected' && event.problem === undefined) {
        return this.parkRejected(connection, event, thrown, signal);
      }
      return this.failed(event, this.eventError(event, thrown));
    }
  }

  /** The database refused the values: keep the event aside with the database's reason. */
  private async parkRejected(
    connection: SqlConnection,
    event: VodEvent,
    thrown: unknown,
    signal: AbortSignal,
  ): Promise<WriteOutcome> {
    const reason = `rejected by ${this.kind} (${sqlErrorCode(thrown)}): `
      + toError(thrown).message.slice(0, 300);
    try {
      await raceAbort(connection.parkEvent(event, reason), signal);
      return { status: 'parked', reason };
    } catch (parkThrown) {
      const kind = this.classify(parkThrown);
      if (kind === 'connection') throw parkThrown;
      if (kind === 'schema') throw this.forgetMigrations(parkThrown);
      return this.failed(event, this.eventError(event, parkThrown));
    }
  }

  private connect(signal: AbortSignal): Promise<SqlConnection> {
    const pending = this.driver.connect();
    return raceAbort(pending, signal).catch((thrown: unknown) => {
      // A connection that arrives after we gave up must not leak out of the pool.
      pending.then((late) => late.destroy(toError(thrown)), () => undefined);
      throw thrown;
    });
  }

  private migrateOnce(connection: SqlConnection): Promise<unknown> {
    this.migrated ??= connection.migrate(this.stale ? 'all' : 'pending').then(
      () => {
        this.stale = false;
      },
      (thrown: unknown) => {
        this.migrated = undefined;
        throw thrown;
      },
    );
    return this.migrated;
  }

  /**
   * The schema this process migrated is gone: the next migration, by this batch or the next,
   * runs every statement again. A warm instance would otherwise trust its cached state and
   * fail every event until it is frozen for good. Returns what it was given, to be thrown.
   */
  private forgetMigrations(thrown: unknown): unknown {
    this.migrated = undefined;
    this.stale = true;
    return thrown;
  }

  private classify(thrown: unknown): ErrorClass {
    return isAbort(thrown) ? 'connection' : this.driver.classify(thrown);
  }

  private unavailable(thrown: unknown): SinkError {
    const error = toError(thrown);
    const code = isAbort(error) ? 'TIMEOUT' : sqlErrorCode(error);
    return new SinkError(this.kind, `${this.kind} unavailable (${code}): ${error.message}`, {
      code,
      retryable: true,
      cause: error,
    });
  }

  private eventError(event: VodEvent, thrown: unknown): SinkError {
    const error = toError(thrown);
    const code = sqlErrorCode(error);
    const message = `${this.kind} write of ${event.key} failed (${code}): ${error.message}`;
    const details = { key: event.key, code, retryable: true, cause: error };
    return new SinkError(this.kind, message, details);
  }

  private failed(event: VodEvent, error: SinkError): WriteOutcome {
    if (error.details.key === event.key) return { status: 'failed', error };
    const { code, retryable } = error.details;
    const perEvent = new SinkError(this.kind, error.message, {
      key: event.key,
      code,
      retryable,
      cause: error.cause,
    });
    return { status: 'failed', error: perEvent };
  }
}


/** A short code for a database error: the SQLSTATE (pg) or the driver's code name (mysql2). */
function sqlErrorCode(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'NO_CODE';
}
