// The deployed artefact obeys SCF's rules: one CommonJS file that needs no node_modules, loaded
// with require() by a separate Node.js process, whose handler drains the emulator.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VodEmulator } from '../emulators/vod/server';
import { OPTIONAL_REQUIRES, buildBundle } from '../scripts/build';
import { emulatorEnv, startEmulator } from './support/emulator';
import { mixedFacts, seedOf } from './support/facts';

const run = promisify(execFile);
let folder: string;
let bundle: string;
let emulator: VodEmulator;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'vod-drain-bundle-'));
  bundle = (await buildBundle(join(folder, 'code', 'index.js'))).outfile;
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator.close();
  await rm(folder, { recursive: true, force: true });
});

describe('the bundle', () => {
  it('requires nothing but Node.js built-in modules', async () => {
    const source = await readFile(bundle, 'utf8');

    // esbuild writes every require it leaves with double quotes; single-quoted ones are prose
    // inside error messages of the bundled libraries.
    const required = [...source.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1] as string);
    const external = required.filter(
      (name) => !isBuiltin(name) && !OPTIONAL_REQUIRES.includes(name),
    );

    expect(required.length).toBeGreaterThan(0);
    expect(external).toEqual([]);
  });

  it('drains the emulator when SCF-style require() calls its main_handler', async () => {
    emulator.seed(mixedFacts(20).map((fact) => seedOf(fact)));
    const script = `
      const { main_handler } = require(${JSON.stringify(bundle)});
      const event = { Type: 'Timer', TriggerName: 'every-minute', Time: new Date().toISOString() };
      main_handler(event, { request_id: 'bundle-test', time_limit_in_ms: 30000 })
        .then((summary) => process.stderr.write('SUMMARY ' + JSON.stringify(summary)));
    `;
    const env = {
      PATH: process.env.PATH,
      ...emulatorEnv(emulator),
      SINK_FS_DIR: join(folder, 'events'),
      LOG_LEVEL: 'info',
    };

    const { stderr, stdout } = await run(process.execPath, ['-e', script], { cwd: folder, env });

    const summary = JSON.parse(stderr.slice(stderr.indexOf('SUMMARY ') + 8));
    expect(summary).toMatchObject({ pulled: 20, stored: 20, confirmed: 20, stopReason: 'drained' });
    expect(emulator.state()).toMatchObject({ confirmed: 20, waiting: 0 });
    const events = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line).event);
    expect(events).toContain('run_summary');
  });
});

function isBuiltin(name: string): boolean {
  return name.startsWith('node:') || builtinModules.includes(name.split('/')[0] as string);
}
