// The operator command (npm run vod-drain -- run), run as a person would, with a .env file,
// against a small PullEvents/ConfirmEvents server on 127.0.0.1 that checks TC3 signatures.

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyTc3 } from '../../emulators/tc3';

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const COMMAND = join(ROOT, 'scripts/vod-drain.ts');

const SECRET_ID = 'AKIDoperatortest00000000000000000000';
const SECRET_KEY = 'operator-test-secret-key-0123456789';

/** A queue holding one ConcatComplete event until it is confirmed. */
interface Queue {
  url: string;
  pulls: number;
  /** The SubAppId of each pull. */
  subAppIds: unknown[];
  confirmed: string[];
  refusedSignatures: number;
  close(): Promise<void>;
}

async function startQueue(): Promise<Queue> {
  const handle = 'handle-0001';
  const event = {
    EventHandle: handle,
    EventType: 'ConcatComplete',
    ConcatCompleteEvent: {
      TaskId: '1400000001-Concat-0001',
      FileInfoSet: [{
        ErrCode: 0,
        Message: '',
        FileId: '387702292637583171',
        FileUrl: 'http://127.0.0.1/out.mp4',
        FileType: 'mp4',
      }],
    },
  };
  let delivered = false;

  const queue = {
    pulls: 0,
    subAppIds: [] as unknown[],
    confirmed: [] as string[],
    refusedSignatures: 0,
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const verdict = verifyTc3(
        {
          method: request.method ?? 'POST',
          url: request.url ?? '/',
          headers: request.headers,
          body,
        },
        (id) => (id === SECRET_ID ? { secretKey: SECRET_KEY } : undefined),
      );
      const reply = (payload: object) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ Response: { ...payload, RequestId: 'req-1' } }));
      };
      if (!verdict.ok) {
        queue.refusedSignatures += 1;
        return reply({ Error: { Code: verdict.code, Message: verdict.message } });
      }

      const params = JSON.parse(body.toString() || '{}') as Record<string, unknown>;
      if (verdict.action === 'PullEvents') {
        queue.pulls += 1;
        queue.subAppIds.push(params.SubAppId);
        const pending = !delivered;
        delivered = true;
        return reply({ EventSet: pending ? [event] : [] });
      }
      if (verdict.action === 'ConfirmEvents') {
        queue.confirmed.push(...(params.EventHandles as string[]));
        return reply({});
      }
      return reply({ Error: { Code: 'InvalidAction', Message: 'not here' } });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;

  return Object.assign(queue, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    }),
  });
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCommand(cwd: string, args: string[]): Promise<Outcome> {
  // Only PATH from this process: the settings must come from the .env file under test.
  const child = spawn(TSX, [COMMAND, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

/** The summary the command prints last: the JSON object after the log lines. */
function summaryOf(stdout: string): Record<string, unknown> {
  const start = stdout.lastIndexOf('\n{\n');
  return JSON.parse(stdout.slice(start < 0 ? 0 : start + 1)) as Record<string, unknown>;
}

describe('npm run vod-drain -- run', () => {
  let dir: string;
  let sinkDir: string;
  let queue: Queue;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vod-drain-operator-'));
    sinkDir = join(dir, 'events');
    queue = await startQueue();
    writeFileSync(join(dir, '.env'), [
      `VOD_ENDPOINT=${queue.url}`,
      `VOD_SECRET_ID=${SECRET_ID}`,
      `VOD_SECRET_KEY=${SECRET_KEY}`,
      'VOD_SUB_APP_IDS=1500012345',
      `SINK_FS_DIR=${sinkDir}`,
      '',
    ].join('\n'));
  });

  afterEach(async () => {
    await queue.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('drains with the settings of .env and prints the summary', async () => {
    const outcome = await runCommand(dir, ['run']);

    expect(outcome.code, outcome.stderr).toBe(0);
    expect(summaryOf(outcome.stdout)).toMatchObject({ pulled: 1, stored: 1, confirmed: 1 });
    expect(queue.confirmed).toEqual(['handle-0001']);
    expect(readdirSync(sinkDir, { recursive: true }).length).toBeGreaterThan(0);
    expect(queue.refusedSignatures).toBe(0);
  });

  it('pulls and prints with --dry-run, storing and confirming nothing', async () => {
    const outcome = await runCommand(dir, ['run', '--dry-run']);

    expect(outcome.code, outcome.stderr).toBe(0);
    expect(summaryOf(outcome.stdout)).toMatchObject({ pulled: 1, stored: 0, confirmed: 0 });
    expect(outcome.stdout).toContain('"event":"dry_run_event"');
    expect(queue.confirmed).toEqual([]);
    expect(readdirSync(dir)).not.toContain('events');
  });

  it('takes the settings from --settings instead of .env', async () => {
    writeFileSync(join(dir, 'account.env'), [
      `VOD_ENDPOINT=${queue.url}`,
      `VOD_SECRET_ID=${SECRET_ID}`,
      `VOD_SECRET_KEY=${SECRET_KEY}`,
      'VOD_SUB_APP_IDS=1500099999',
      `SINK_FS_DIR=${sinkDir}`,
    ].join('\n'));

    const outcome = await runCommand(dir, ['run', '--settings', 'account.env']);

    expect(outcome.code, outcome.stderr).toBe(0);
    expect(new Set(queue.subAppIds)).toEqual(new Set([1500099999]));
  });

  it('stops with exit 1, naming the variable, when no key is set', async () => {
    writeFileSync(join(dir, '.env'), `VOD_ENDPOINT=${queue.url}\nSINK_FS_DIR=${sinkDir}\n`);

    const outcome = await runCommand(dir, ['run']);

    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain('VOD_SECRET_ID');
    expect(queue.pulls).toBe(0);
  });

  it('stops with exit 1 and the summary when the key is refused, never echoing it', async () => {
    writeFileSync(join(dir, 'wrong.env'), [
      `VOD_ENDPOINT=${queue.url}`,
      `VOD_SECRET_ID=${SECRET_ID}`,
      'VOD_SECRET_KEY=wrong-secret-key-9876543210',
      `SINK_FS_DIR=${sinkDir}`,
    ].join('\n'));
    rmSync(join(dir, '.env'));

    const outcome = await runCommand(dir, ['run', '--settings', 'wrong.env']);

    expect(outcome.code).toBe(1);
    expect(summaryOf(outcome.stdout)).toMatchObject({ stopReason: 'auth_failed', confirmed: 0 });
    expect(outcome.stdout + outcome.stderr).not.toContain('wrong-secret-key-9876543210');
  });

  it('exits 1 when it gives up on an unreachable VOD, so a script can tell', async () => {
    const closed = await queue.close().then(() => queue.url);
    writeFileSync(join(dir, '.env'), [
      `VOD_ENDPOINT=${closed}`,
      `VOD_SECRET_ID=${SECRET_ID}`,
      `VOD_SECRET_KEY=${SECRET_KEY}`,
      `SINK_FS_DIR=${sinkDir}`,
    ].join('\n'));

    const outcome = await runCommand(dir, ['run']);

    expect(outcome.code).toBe(1);
    expect(summaryOf(outcome.stdout)).toMatchObject({
      stopReason: 'vod_unavailable',
      pullErrors: 5,
    });
  });

  it('refuses a missing --settings file instead of running without settings', async () => {
    const outcome = await runCommand(dir, ['run', '--settings', 'absent.env']);

    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain('--settings absent.env: no such file');
    expect(queue.pulls).toBe(0);
  });
});
