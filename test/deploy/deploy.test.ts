// The deploy path end to end: `s deploy -t serverless.yml`, the real CLI on the real template,
// against the SCF stand-in, inside a loopback-only network namespace where the machine has one.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DeployRun, DriverReport } from './driver';

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const DRIVER = join(__dirname, 'driver.ts');

/** True when this machine lets an unprivileged user make a loopback-only network namespace. */
function namespaceAvailable(): boolean {
  const probe = spawnSync('unshare', ['--net', '--map-root-user', 'ip', 'link', 'set', 'lo', 'up'],
    { stdio: 'ignore' });
  return probe.status === 0;
}

async function runDriver(isolated: boolean): Promise<DriverReport> {
  const dir = mkdtempSync(join(tmpdir(), 'vod-drain-deploy-test-'));
  const out = join(dir, 'report.json');
  const [command, args] = isolated
    ? ['unshare', ['--net', '--map-root-user', 'bash', '-c',
      'ip link set lo up && exec "$0" "$1" "$2"', TSX, DRIVER, out]]
    : [TSX, [DRIVER, out]];

  // No proxy variables: the SDK would send even loopback calls through one.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/_proxy$/i.test(name)),
  );
  const child = spawn(command as string, args as string[], { cwd: ROOT, env, stdio: 'pipe' });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.on('close', done));

  try {
    if (code !== 0) throw new Error(`the deploy driver exited with ${code}:\n${output}`);
    return JSON.parse(readFileSync(out, 'utf8')) as DriverReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(report: DriverReport, name: string): DeployRun {
  const found = report.runs.find((r) => r.name === name);
  if (!found) throw new Error(`no run named ${name}`);
  return found;
}

/** The JSON log lines the component printed, by event name. */
function events(r: DeployRun): Map<string, Record<string, unknown>> {
  const lines = r.stdout.split('\n').filter((line) => line.startsWith('{"level"'));
  const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return new Map(parsed.map((line) => [String(line.event), line]));
}

describe('s deploy -t serverless.yml against the SCF stand-in', () => {
  const isolated = namespaceAvailable();
  let report: DriverReport;

  beforeAll(async () => {
    if (!isolated) {
      console.warn('deploy test: NO loopback-only network namespace on this machine '
        + '(unshare --net --map-root-user with ip link failed); running s on the host network');
    }
    const startedAt = Date.now();
    report = await runDriver(isolated);
    const runs = report.runs.map((r) => `${r.name} ${r.ms} ms`).join(', ');
    console.info(`deploy test: driver took ${Date.now() - startedAt} ms (${runs})`);
  }, 60_000);

  it('runs s where nothing but loopback can be reached', () => {
    if (!isolated) return;

    expect(report.otherInterfaces).toEqual([]);
  });

  it('creates the function with the settings of serverless.yml on the first deploy', () => {
    const first = run(report, 'first');

    expect(first.exitCode).toBe(0);
    expect(first.state.functions).toHaveLength(1);
    expect(first.state.functions[0]).toMatchObject({
      region: 'ap-guangzhou',
      namespace: 'default',
      name: 'vod-drain',
      runtime: 'Nodejs20.19',
      handler: 'index.main_handler',
      timeout: 50,
      memorySize: 128,
      role: 'vod-drain-run',
      status: 'Active',
    });
    expect(events(first).get('deploy_finished')).toMatchObject({
      function: 'created',
      trigger: 'created',
    });
  });

  it('sets only the non-empty variables as the function environment', () => {
    const fn = run(report, 'first').state.functions[0];

    expect(fn?.environment).toEqual({
      VOD_API: 'api3',
      VOD_SUB_APP_IDS: '1500012345',
      DRAIN_STOP_WHEN: 'empty',
      SINK: 'fs',
      SINK_FS_DIR: '/tmp/vod-events',
      SINK_FS_ALLOW_ON_SCF: 'true',
      LOG_LEVEL: 'info',
    });
  });

  it('uploads the built bundle as index.js at the root of the zip', () => {
    const fn = run(report, 'first').state.functions[0];
    const bundle = createHash('sha256').update(readFileSync(report.bundlePath)).digest('hex');

    expect(fn?.code.entries).toEqual(['index.js']);
    expect(fn?.code.sha256['index.js']).toBe(bundle);
  });

  it('creates one timer trigger that fires every minute', () => {
    const fn = run(report, 'first').state.functions[0];

    expect(fn?.triggers).toHaveLength(1);
    expect(fn?.triggers[0]).toMatchObject({
      name: 'every-minute',
      type: 'timer',
      cron: '0 */1 * * * * *',
      enabled: true,
    });
  });

  it('waits for the function to become active before each next step', () => {
    const { stats } = run(report, 'changed_env').state;

    expect(stats.busyPolls).toBeGreaterThan(0);
    expect(stats.refusedWhileBusy).toBe(0);
    expect(stats.authFailures).toBe(0);
  });

  it('updates on a second deploy without duplicating the function or its trigger', () => {
    const first = run(report, 'first').state.functions[0];
    const again = run(report, 'again');
    const fn = again.state.functions[0];

    expect(again.exitCode).toBe(0);
    expect(again.state.functions).toHaveLength(1);
    expect(fn?.triggers).toEqual(first?.triggers);
    expect(fn?.codeUploads).toBe(2);
    expect(fn?.configurationUpdates).toBe(0);
    expect(again.state.stats.calls.CreateFunction).toBe(1);
    expect(again.state.stats.calls.CreateTrigger).toBe(1);
  });

  it('carries a changed environment variable into the function configuration', () => {
    const changed = run(report, 'changed_env');
    const fn = changed.state.functions[0];

    expect(changed.exitCode).toBe(0);
    expect(fn?.environment.LOG_LEVEL).toBe('debug');
    expect(fn?.configurationUpdates).toBe(1);
    expect(events(changed).get('configuration_updated')?.changed)
      .toEqual(['environment.LOG_LEVEL']);
    expect(fn?.triggers).toHaveLength(1);
  });

  it('exits 101 and names the missing permission when SCF refuses an action', () => {
    const refused = run(report, 'refused');
    const before = run(report, 'changed_env').state.functions[0];

    expect(refused.exitCode).toBe(101);
    expect(events(refused).get('deploy_failed')).toMatchObject({
      code: 'permission_denied',
      action: 'UpdateFunctionCode',
      apiCode: 'UnauthorizedOperation.CAM',
    });
    expect(refused.stdout + refused.stderr)
      .toContain('lacks the permission scf:UpdateFunctionCode');
    expect(refused.state.functions[0]?.codeUploads).toBe(before?.codeUploads);
  });

  it('never prints the deploying secret key', () => {
    for (const r of report.runs) {
      expect(r.stdout + r.stderr).not.toContain(report.secretKey);
    }
  });
});
