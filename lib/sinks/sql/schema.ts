// The SQL sinks' schema, as numbered migrations per dialect. A migration is applied once, in
// order, under a lock (lib/sinks/mysql.ts, postgres.ts); add new ones at the end, never edit one.
//
//   vod_events   one row per event key: the facts, first and last delivery, delivery count, and
//                the event content as received
//   vod_outputs  one row per output file of an event, found by task id through an index
//   vod_parked   events that failed validation or that the database refused, with the reason

export interface Migration {
  version: number;
  name: string;
  /** Statements run in order; each must be safe to run again (IF NOT EXISTS). */
  postgres: readonly string[];
  mysql: readonly string[];
}

/** The table that records which migrations ran; created before any migration. */
export const MIGRATIONS_TABLE = 'vod_drain_migrations';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events, outputs and parked events',
    postgres: [
      `CREATE TABLE IF NOT EXISTS vod_events (
        event_key varchar(300) PRIMARY KEY,
        type varchar(128) NOT NULL,
        sub_app_id bigint,
        task_id varchar(128),
        file_id varchar(128),
        content jsonb NOT NULL,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        deliveries integer NOT NULL DEFAULT 1
      )`,
      `CREATE TABLE IF NOT EXISTS vod_outputs (
        event_key varchar(300) NOT NULL,
        position smallint NOT NULL,
        task_id varchar(128),
        file_id text,
        url text,
        file_type text,
        ok boolean NOT NULL,
        message text,
        PRIMARY KEY (event_key, position)
      )`,
      'CREATE INDEX IF NOT EXISTS vod_outputs_by_task ON vod_outputs (task_id)',
      // content is text, not jsonb: a parked event may hold what jsonb refuses (a NUL escape).
      `CREATE TABLE IF NOT EXISTS vod_parked (
        event_key varchar(300) PRIMARY KEY,
        type text NOT NULL,
        sub_app_id bigint,
        reason text NOT NULL,
        content text NOT NULL,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        deliveries integer NOT NULL DEFAULT 1
      )`,
    ],
    mysql: [
      `CREATE TABLE IF NOT EXISTS vod_events (
        event_key VARCHAR(300) NOT NULL PRIMARY KEY,
        type VARCHAR(128) NOT NULL,
        sub_app_id BIGINT NULL,
        task_id VARCHAR(128) NULL,
        file_id VARCHAR(128) NULL,
        content JSON NOT NULL,
        first_seen_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        last_seen_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        deliveries INT NOT NULL DEFAULT 1
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      `CREATE TABLE IF NOT EXISTS vod_outputs (
        event_key VARCHAR(300) NOT NULL,
        position SMALLINT NOT NULL,
        task_id VARCHAR(128) NULL,
        file_id TEXT NULL,
        url TEXT NULL,
        file_type TEXT NULL,
        ok BOOLEAN NOT NULL,
        message TEXT NULL,
        PRIMARY KEY (event_key, position),
        KEY vod_outputs_by_task (task_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      `CREATE TABLE IF NOT EXISTS vod_parked (
        event_key VARCHAR(300) NOT NULL PRIMARY KEY,
        type TEXT NOT NULL,
        sub_app_id BIGINT NULL,
        reason TEXT NOT NULL,
        content LONGTEXT NOT NULL,
        first_seen_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        last_seen_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        deliveries INT NOT NULL DEFAULT 1
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    ],
  },
];

/**
 * The most outputs one event may have: vod_outputs.position is a SMALLINT, so positions run
 * 0..32,767. An event with more is parked with the count, never cut short. Widening position
 * to integer would lift the limit, but it rewrites vod_outputs under a table lock, longer than
 * a write's deadline allows on a large table; no real VOD task comes near the limit.
 */
export const MAX_OUTPUTS = 32_768;
