// `npm run demo`: the function's whole path on this machine. Starts the VOD emulator on a free
// loopback port, seeds it from emulators/vod/seeds/demo.json, builds the bundle, copies it alone
// into a fresh folder, and calls its main_handler twice as SCF's timer would.

import { randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EMULATOR_CREDENTIALS, VodEmulator } from '../emulators/vod/server';
import type { SeedEvent } from '../emulators/vod/queue';
import type { RunSummary } from '../lib/drain/summary';
import type { EventRecord } from '../lib/sinks/record';
import { buildBundle } from './build';

const ROOT = resolve(__dirname, '..');
const SEED_FILE = join(ROOT, 'emulators/vod/seeds/demo.json');
const OUTPUT = join(ROOT, '.demo/vod-events');

/** How each dialect is selected and where its requests go on the emulator. */
const DIALECT_ENV: Record<string, (url: string) => Record<string, string>> = {
  api3: (url) => ({ VOD_API: 'api3', VOD_ENDPOINT: url }),
  v2: (url) => ({ VOD_API: 'v2', VOD_ENDPOINT: `${url}/v2/index.php` }),
};

type Handler = (event: unknown, context: unknown) => Promise<RunSummary>;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { api: { type: 'string', default: 'api3' } } });
  const dialectEnv = DIALECT_ENV[values.api];
  if (!dialectEnv) throw new Error(`--api must be one of ${Object.keys(DIALECT_ENV).join(', ')}`);

  const seed = JSON.parse(await readFile(SEED_FILE, 'utf8')) as { events: SeedEvent[] };
  // A 1 s hold instead of the service's 5 s keeps the idle second run short.
  const emulator = await VodEmulator.start({ holdMs: 1000 });
  emulator.seed(seed.events);
  say(`VOD emulator on ${emulator.url} (${values.api}), seeded with ${seed.events.length} events`);

  const handler = await deployLocally();
  await rm(OUTPUT, { recursive: true, force: true });
  Object.assign(process.env, {
    ...dialectEnv(emulator.url),
    VOD_SECRET_ID: EMULATOR_CREDENTIALS.secretId,
    VOD_SECRET_KEY: EMULATOR_CREDENTIALS.secretKey,
    SINK: 'fs',
    SINK_FS_DIR: OUTPUT,
  });

  try {
    const first = await invoke(handler, 1);
    const second = await invoke(handler, 2);
    await show(first, second, emulator);
    const left = emulator.state();
    if (second.pulled !== 0 || left.waiting + left.inFlight > 0) process.exitCode = 1;
  } finally {
    await emulator.close();
  }
}

/** Builds the bundle and copies it alone into a fresh folder, as SCF unpacks the code zip. */
async function deployLocally(): Promise<Handler> {
  const { outfile, bytes } = await buildBundle();
  const codeDir = await mkdtemp(join(tmpdir(), 'vod-drain-code-'));
  await copyFile(outfile, join(codeDir, 'index.js'));
  say(
    `bundle ${relative(ROOT, outfile)} (${Math.round(bytes / 1024)} KB) copied alone to ${codeDir}`,
  );
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(join(codeDir, 'index.js')) as { main_handler: Handler }).main_handler;
}

function invoke(handler: Handler, n: number): Promise<RunSummary> {
  say(`\n--- timer invocation ${n}: log lines as CLS would record them ---`);
  const event = { Type: 'Timer', TriggerName: 'every-minute', Time: new Date().toISOString() };
  const context = {
    request_id: randomUUID(),
    time_limit_in_ms: 50_000,
    memory_limit_in_mb: 128,
    function_name: 'vod-drain',
    namespace: 'default',
  };
  return handler(event, context);
}

async function show(first: RunSummary, second: RunSummary, emulator: VodEmulator): Promise<void> {
  say('\n--- what happened ---');
  say(
    `run 1: pulled ${first.pulled}, stored ${first.stored}, parked ${first.parked}, ` +
      `failed ${first.failed}, confirmed ${first.confirmed} in ${first.durationMs} ms ` +
      `(stopped: ${first.stopReason})`,
  );
  say(`       by type: ${JSON.stringify(first.byType)}`);
  say(`run 2: pulled ${second.pulled}, stored ${second.stored} (stopped: ${second.stopReason})`);
  const state = emulator.state();
  say(`queue: ${state.confirmed} confirmed, ${state.waiting} waiting, ${state.inFlight} in flight`);

  say(`\nstored documents under ${relative(ROOT, OUTPUT)}/:`);
  const files = (await readdir(OUTPUT, { recursive: true })).filter((f) => f.endsWith('.json'));
  for (const file of files.sort()) say(`  ${file}`);

  say('\noutput files stored with each event (tasks/ indexes the same by task id):');
  for (const file of files.filter((f) => f.startsWith('events/'))) {
    const record = JSON.parse(await readFile(join(OUTPUT, file), 'utf8')) as EventRecord;
    if (record.outputs.length === 0) continue;
    say(`  ${record.key}${record.taskId ? '' : ' (no task id in this payload shape)'}`);
    for (const output of record.outputs) {
      const result = output.ok ? output.url : `FAILED: ${output.message}`;
      say(`    ${output.fileType ?? '?'} ${output.fileId ?? '-'} ${result}`);
    }
  }
}

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

main().catch((error: unknown) => {
  say(`demo failed: ${(error as Error).message}`);
  process.exit(1);
});
