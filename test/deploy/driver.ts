// Runs `s deploy -t serverless.yml` against the SCF stand-in, four times, and writes what
// happened as JSON. Meant to run inside a loopback-only network namespace, so the stand-in
// and `s` share the only network there is: `tsx test/deploy/driver.ts OUT.json`.

import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildComponent } from '../../deploy/build';
import { startScfEmulator, type ScfEmulator } from '../../emulators/scf/server';
import { buildBundle } from '../../scripts/build';

const ROOT = resolve(__dirname, '../..');
const S = join(ROOT, 'node_modules/.bin/s');

/** One `s deploy` and what the stand-in held afterwards. */
export interface DeployRun {
  name: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  state: ReturnType<ScfEmulator['state']>;
}

export interface DriverReport {
  /** Network interfaces other than loopback seen from inside: none in the namespace. */
  otherInterfaces: string[];
  secretId: string;
  secretKey: string;
  bundlePath: string;
  runs: DeployRun[];
}

/** Every variable serverless.yml reads, set here so that nothing comes from elsewhere. */
export const BASE_SETTINGS: Record<string, string> = {
  DEPLOY_REGION: 'ap-guangzhou',
  DEPLOY_NAMESPACE: 'default',
  DEPLOY_FUNCTION_NAME: 'vod-drain',
  DEPLOY_RUN_ROLE: 'vod-drain-run',
  VOD_API: 'api3',
  VOD_ENDPOINT: '',
  VOD_REGION: '',
  VOD_SUB_APP_IDS: '1500012345',
  VOD_PULL_TIMEOUT_MS: '',
  VOD_CONFIRM_TIMEOUT_MS: '',
  DRAIN_STOP_WHEN: 'empty',
  DRAIN_PULLERS: '',
  DRAIN_WRITE_TIMEOUT_MS: '',
  DRAIN_MARGIN_MS: '',
  SINK: 'fs',
  SINK_FS_DIR: '/tmp/vod-events',
  SINK_FS_ALLOW_ON_SCF: 'true',
  LOG_LEVEL: 'info',
};

async function main(outPath: string): Promise<void> {
  const { outfile: bundlePath } = await buildBundle();
  await buildComponent();

  // A copy of serverless.yml in a folder of its own: `s` reads a .env beside the template,
  // and a developer's .env must not leak into the test. dist/ is linked in, as it is built.
  const work = mkdtempSync(join(tmpdir(), 'vod-drain-deploy-'));
  copyFileSync(join(ROOT, 'serverless.yml'), join(work, 'serverless.yml'));
  symlinkSync(join(ROOT, 'dist'), join(work, 'dist'));
  const home = join(work, 'home');
  mkdirSync(join(home, '.s'), { recursive: true });
  // Usage reports would send the account id and command line: switched off.
  writeFileSync(join(home, '.s', 'set-config.yml'), 'analysis: disable\n');

  const secretId = 'AKIDdeploytest0000000000000000000000';
  const secretKey = randomBytes(24).toString('base64url');
  const emulator = await startScfEmulator({ keys: { [secretId]: { secretKey } }, busyMs: 200 });

  const deploy = async (name: string, settings: Record<string, string>): Promise<DeployRun> => {
    const startedAt = Date.now();
    const result = await runS(work, {
      ...BASE_SETTINGS,
      ...settings,
      DEPLOY_SCF_ENDPOINT: emulator.url,
      serverless_devs_config_home: home,
      SERVERLESS_DEVS_CICD: '1',
      vod_drain_serverless_devs_key: JSON.stringify({
        AccountID: '1250000000',
        SecretID: secretId,
        SecretKey: secretKey,
      }),
    });
    return { name, ...result, ms: Date.now() - startedAt, state: emulator.state() };
  };

  try {
    const runs: DeployRun[] = [];
    runs.push(await deploy('first', {}));
    runs.push(await deploy('again', {}));
    runs.push(await deploy('changed_env', { LOG_LEVEL: 'debug' }));
    emulator.refuse(['UpdateFunctionCode']);
    runs.push(await deploy('refused', { LOG_LEVEL: 'debug' }));

    const report: DriverReport = {
      otherInterfaces: Object.keys(networkInterfaces()).filter((name) => name !== 'lo'),
      secretId,
      secretKey,
      bundlePath,
      runs,
    };
    writeFileSync(outPath, JSON.stringify(report));
  } finally {
    await emulator.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Runs `s deploy` with exactly `env` (plus PATH): nothing else from this process leaks in. */
function runS(
  cwd: string,
  env: Record<string, string>,
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(S, ['deploy', '-t', 'serverless.yml'], {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => resolveRun({ exitCode, stdout, stderr }));
  });
}

if (require.main === module) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: tsx test/deploy/driver.ts OUT.json');
    process.exit(2);
  }
  main(out).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
