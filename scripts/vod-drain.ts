// The operator command: one drain run against a real account, from a .env file, through the same
// runOnce() as the SCF handler. For checking credentials and draining a backlog by hand.

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { RunSummary } from '../lib/drain/summary';
import { ConfigError, toError } from '../lib/errors';
import { RunStoppedError, closeWarmParts, runOnce } from '../lib/run';

const USAGE = `usage: npm run vod-drain -- run [--dry-run] [--settings PATH] [--time-limit-ms MS]

  run               pull, store and confirm, like one timer invocation of the function
  --dry-run         pull and print the events; store nothing, confirm nothing
  --settings PATH   settings to load (default: .env here, when present); variables
                    already set in the environment win over the file
  --time-limit-ms   how long the run may take (default: DRAIN_TIME_LIMIT_MS, 50 s)

exit: 0 done, 1 not run or stopped (configuration, credentials, VOD or sink unavailable,
      time limit too short), 2 some events were not stored or not confirmed`;

/** Exit codes, so a script or a person can tell "fix the setup" from "look at the sink". */
const EXIT = { done: 0, stopped: 1, writesFailed: 2, usage: 64 } as const;

interface Options {
  dryRun: boolean;
  settingsFile: string | undefined;
  timeLimitMs: number | undefined;
}

function readOptions(argv: string[]): Options | string {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'dry-run': { type: 'boolean', default: false },
        settings: { type: 'string' },
        'time-limit-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return toError(error).message;
  }

  const { values, positionals } = parsed;
  if (values.help) return '';
  if (positionals.length !== 1 || positionals[0] !== 'run') return 'the only command is run';

  const limit = values['time-limit-ms'];
  const timeLimitMs = limit === undefined ? undefined : Number(limit);
  if (timeLimitMs !== undefined && !(Number.isInteger(timeLimitMs) && timeLimitMs > 0)) {
    return '--time-limit-ms must be a whole number of milliseconds';
  }
  return { dryRun: values['dry-run'], settingsFile: values.settings, timeLimitMs };
}

/**
 * Loads the settings file into process.env with Node's own reader (Node 20.12 and later).
 * Variables already set win: a one-off `VOD_SUB_APP_IDS=... npm run vod-drain` overrides .env.
 */
function loadSettings(settingsFile: string | undefined): string | undefined {
  const path = resolve(settingsFile ?? '.env');
  if (!existsSync(path)) {
    if (settingsFile !== undefined) throw new Error(`--settings ${settingsFile}: no such file`);
    return undefined;
  }
  if (typeof process.loadEnvFile !== 'function') {
    throw new Error('reading a .env file needs Node 20.12 or later');
  }
  process.loadEnvFile(path);
  return path;
}

async function main(argv: string[]): Promise<number> {
  const options = readOptions(argv);
  if (typeof options === 'string') {
    if (options) console.error(`vod-drain: ${options}`);
    console.error(USAGE);
    return options ? EXIT.usage : EXIT.done;
  }

  const settings = loadSettings(options.settingsFile);
  const context = {
    request_id: `manual-${randomUUID()}`,
    ...(options.timeLimitMs === undefined ? {} : { time_limit_in_ms: options.timeLimitMs }),
  };
  console.error(
    `vod-drain: ${options.dryRun ? 'dry run' : 'run'} ${context.request_id}` +
      `${settings ? ` with settings from ${settings}` : ''}`,
  );

  let summary: RunSummary;
  try {
    summary = await runOnce(process.env, context, { dryRun: options.dryRun });
  } catch (error) {
    return stopped(error);
  } finally {
    await closeWarmParts();
  }

  console.log(JSON.stringify(summary, null, 2));
  return exitCodeOf(summary);
}

/** Runs that gave up or could not start a cycle count as stopped: a person must look. */
const GAVE_UP: readonly RunSummary['stopReason'][] = [
  'vod_unavailable',
  'sink_unavailable',
  'too_short',
];

function exitCodeOf(summary: RunSummary): number {
  if (GAVE_UP.includes(summary.stopReason)) return EXIT.stopped;
  const unfinished = summary.failed + summary.skipped + summary.confirmFailed;
  return unfinished > 0 ? EXIT.writesFailed : EXIT.done;
}

/** Says why the run did not happen or stopped; the details are in the log lines above. */
function stopped(thrown: unknown): number {
  const error = toError(thrown);
  if (error instanceof RunStoppedError) {
    console.log(JSON.stringify(error.summary, null, 2));
    console.error(`vod-drain: ${error.message}`);
  } else if (error instanceof ConfigError) {
    console.error(`vod-drain: the settings are not valid:\n${error.message}`);
  } else {
    console.error(`vod-drain: ${error.message}`);
  }
  return EXIT.stopped;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`vod-drain: ${toError(error).message}`);
      process.exit(EXIT.stopped);
    },
  );
}
