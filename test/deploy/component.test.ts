// The deploy component's decisions, called in-process against the SCF stand-in over HTTP:
// what it refuses before calling SCF, how it replaces a trigger, when it stops waiting.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deployFunction, type Deployment } from '../../deploy/component/deploy';
import { DeployError } from '../../deploy/component/errors';
import { VodDrainComponent } from '../../deploy/component/index';
import { Props } from '../../deploy/component/props';
import { ScfApi } from '../../deploy/component/scf';
import { packageCode } from '../../deploy/component/zip';
import { startScfEmulator, type ScfEmulator } from '../../emulators/scf/server';
import { createLogger } from '../../lib/log';

const SECRET_ID = 'AKIDcomponenttest000000000000000000';
const SECRET_KEY = 'component-test-secret-key-0123456789';

let dir: string;
let bundle: string;
let emulator: ScfEmulator | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vod-drain-component-'));
  bundle = join(dir, 'index.js');
  writeFileSync(bundle, 'exports.main_handler = async () => ({ ok: true });\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function standIn(busyMs = 50): Promise<ScfEmulator> {
  emulator = await startScfEmulator({ keys: { [SECRET_ID]: { secretKey: SECRET_KEY } }, busyMs });
  return emulator;
}

function props(overrides: Record<string, unknown> = {}) {
  return Props.parse({
    endpoint: emulator?.url ?? '',
    region: 'ap-guangzhou',
    functionName: 'vod-drain-test',
    runtime: 'Nodejs20.19',
    handler: 'index.main_handler',
    code: bundle,
    timeout: 50,
    memorySize: 128,
    environment: {
      LOG_LEVEL: 'info',
      SINK: 'cos',
      SINK_COS_BUCKET: 'vod-events-1250000000',
      SINK_COS_REGION: 'ap-guangzhou',
    },
    trigger: { name: 'every-minute', cron: '0 */1 * * * * *' },
    ...overrides,
  });
}

function deployment(overrides: Record<string, unknown> = {}, lines: string[] = []): Deployment {
  const p = props(overrides);
  const code = packageCode(bundle, p.handler);
  return {
    api: new ScfApi({ endpoint: p.endpoint, region: p.region }, {
      secretId: SECRET_ID,
      secretKey: SECRET_KEY,
    }),
    props: p,
    environment: p.environment,
    zipBase64: code.zip.toString('base64'),
    codeBytes: code.zip.length,
    log: createLogger({ write: (line) => lines.push(line) }),
    wait: { timeoutMs: 5000, pausesMs: [20, 40, 80] },
  };
}

function inputs(propsRaw: Record<string, unknown>, secretKey = SECRET_KEY) {
  return {
    props: propsRaw,
    getCredential: async () => ({ AccountID: '1', SecretID: SECRET_ID, SecretKey: secretKey }),
  };
}

async function rejection(promise: Promise<unknown>): Promise<DeployError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DeployError);
  return error as DeployError;
}

describe('the deploy component', () => {
  it('replaces the timer trigger when its schedule changed, keeping one', async () => {
    const scf = await standIn();
    const everyFive = { name: 'every-minute', cron: '0 */5 * * * * *' };
    await deployFunction(deployment({ trigger: everyFive }));

    const report = await deployFunction(deployment());

    const fn = scf.state().functions[0];
    expect(report.trigger).toBe('replaced');
    expect(fn?.triggers.map((t) => [t.name, t.cron])).toEqual([
      ['every-minute', '0 */1 * * * * *'],
    ]);
  });

  it('keeps a timer trigger of another name and says so in the log', async () => {
    const scf = await standIn();
    await deployFunction(deployment({ trigger: { name: 'hand-made', cron: '0 0 * * * * *' } }));
    const lines: string[] = [];

    await deployFunction(deployment({}, lines));

    expect(scf.state().functions[0]?.triggers.map((t) => t.name)).toEqual([
      'hand-made',
      'every-minute',
    ]);
    expect(lines.some((line) => line.includes('"event":"other_timer_kept"'))).toBe(true);
  });

  it('stops with wait_timeout when the function stays busy too long', async () => {
    await standIn(10_000);
    await deployFunction({ ...deployment(), wait: { timeoutMs: 200, pausesMs: [50] } })
      .then(() => expect.fail('the deploy should not finish'), (error: unknown) => {
        expect(error).toBeInstanceOf(DeployError);
        expect((error as DeployError).code).toBe('wait_timeout');
      });
  });

  it('refuses a reserved environment key before calling SCF', async () => {
    const scf = await standIn();
    const component = new VodDrainComponent({ writeLine: () => undefined });

    const error = await rejection(component.deploy(inputs({
      ...props(),
      environment: { TENCENTCLOUD_SECRETID: 'x', LOG_LEVEL: 'info' },
    })));

    expect(error.code).toBe('invalid_props');
    expect(error.message).toContain('environment.TENCENTCLOUD_SECRETID');
    expect(scf.state().stats.calls).toEqual({});
  });

  it.each([
    [{ LOG_LEVEL: 'info' }, 'environment.SINK: the fs sink is refused on SCF'],
    [{ VOD_PULL_TIMEOUT_MS: '4000' }, 'environment.VOD_PULL_TIMEOUT_MS: must be more than 5000'],
  ])('refuses settings the function itself would refuse on SCF: %j', async (environment, said) => {
    const scf = await standIn();
    const component = new VodDrainComponent({ writeLine: () => undefined });

    const error = await rejection(component.deploy(inputs({ ...props(), environment })));

    expect(error.code).toBe('invalid_props');
    expect(error.message).toContain(said);
    expect(scf.state().stats.calls).toEqual({});
  });

  it('refuses an environment over 4 KB before calling SCF', async () => {
    const scf = await standIn();
    const component = new VodDrainComponent({ writeLine: () => undefined });

    const error = await rejection(component.deploy(inputs({
      ...props(),
      environment: { BIG: 'x'.repeat(4094) },
    })));

    expect(error.code).toBe('invalid_props');
    expect(error.message).toMatch(/4097 bytes .* 4096/);
    expect(scf.state().stats.calls).toEqual({});
  });

  it('names the build step when the bundle is missing', async () => {
    await standIn();
    const component = new VodDrainComponent({ writeLine: () => undefined });

    const error = await rejection(component.deploy(inputs({
      ...props(),
      code: join(dir, 'absent.js'),
    })));

    expect(error.code).toBe('missing_code');
    expect(error.message).toContain('npm run build');
  });

  it('reports a wrong key as auth_failed without echoing it', async () => {
    const scf = await standIn();
    const component = new VodDrainComponent({ writeLine: () => undefined });
    const wrongKey = 'wrong-secret-key-9876543210';

    const error = await rejection(component.deploy(inputs(props(), wrongKey)));

    expect(error.code).toBe('auth_failed');
    expect(error.apiCode).toBe('AuthFailure.SignatureFailure');
    expect(error.message).not.toContain(wrongKey);
    expect(scf.state().stats.authFailures).toBe(1);
  });

  it('zips the bundle as index.js at the root, readable by the system unzip', (context) => {
    if (spawnSync('unzip', ['-v'], { stdio: 'ignore' }).status !== 0) {
      context.skip('no unzip on this machine');
    }
    const zipPath = join(dir, 'code.zip');
    writeFileSync(zipPath, packageCode(bundle, 'index.main_handler').zip);

    const listing = spawnSync('unzip', ['-Z1', zipPath], { encoding: 'utf8' });
    const content = spawnSync('unzip', ['-p', zipPath, 'index.js'], { encoding: 'utf8' });

    expect(listing.stdout.trim().split('\n')).toEqual(['index.js']);
    expect(content.stdout).toBe(readFileSync(bundle, 'utf8'));
  });

  it('is refused by the stand-in when the handler file is not at the zip root', async () => {
    await standIn();
    const d = deployment();
    const nested = zipSync({ 'dist/index.js': readFileSync(bundle) });

    const error = await rejection(d.api.call('CreateFunction', {
      FunctionName: 'vod-drain-test',
      Handler: 'index.main_handler',
      Code: { ZipFile: Buffer.from(nested).toString('base64') },
    }, z.unknown()));

    expect(error.apiCode).toBe('InvalidParameterValue.Handler');
  });

  it('publishes a JSON Schema of its props for s verify', () => {
    const schema = JSON.parse(new VodDrainComponent().getSchema()) as {
      required?: string[];
    };

    expect(schema.required).toEqual(expect.arrayContaining(['functionName', 'region', 'trigger']));
  });
});
