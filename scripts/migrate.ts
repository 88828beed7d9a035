// Applies the configured SQL sink's migrations, the same ones a first write applies:
// `SINK=postgres SINK_POSTGRES_URL=postgres://... npm run migrate`. Safe to run while the
// function runs: migrations take a lock and skip what is already applied.

import { loadSinkConfig } from '../lib/config';
import { toError } from '../lib/errors';
import { createLogger } from '../lib/log';
import { MysqlSink } from '../lib/sinks/mysql';
import { PostgresSink } from '../lib/sinks/postgres';

const TIME_LIMIT_MS = 60_000;

async function main(): Promise<number> {
  let log = createLogger();
  try {
    const { sink: config, secrets } = loadSinkConfig(process.env);
    log = createLogger({ secrets });
    if (config.kind !== 'mysql' && config.kind !== 'postgres') {
      const reason = 'SINK must be mysql or postgres';
      log.error('migrate_refused', { sink: config.kind, reason });
      return 2;
    }

    const sink = config.kind === 'mysql' ? new MysqlSink(config) : new PostgresSink(config);
    try {
      const applied = await sink.migrate(AbortSignal.timeout(TIME_LIMIT_MS));
      log.info('migrations_applied', { sink: config.kind, applied });
      return 0;
    } finally {
      await sink.close();
    }
  } catch (thrown) {
    log.error('migrate_failed', { error: toError(thrown) });
    return 1;
  }
}

main().then((code) => process.exit(code));
