// Starting the COS stand-in as its own process for a test, and reading back what it holds
// through its admin routes.

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { STANDIN_CREDENTIALS } from '../../emulators/cos/server';

const ROOT = resolve(__dirname, '../..');
const TSX = resolve(ROOT, 'node_modules/.bin/tsx');

export interface StandInProcess {
  url: string;
  bucket: string;
  secretId: string;
  secretKey: string;
  token?: string;
  /** Keys under `prefix`, sorted. */
  keys(prefix?: string): Promise<string[]>;
  /** One object's body (text) and metadata, or undefined. */
  object(key: string): Promise<{ body: string; metadata: Record<string, string> } | undefined>;
  requests(): Promise<{ method: string; key: string; status: number }[]>;
  stop(): Promise<void>;
}

export async function startCosStandIn(options: { token?: string } = {}): Promise<StandInProcess> {
  const args = ['emulators/cos/cli.ts', '--port', '0', '--exit-with-stdin'];
  if (options.token) args.push('--token', options.token);
  const child = spawn(TSX, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const ready = await firstLine(child);
  const { url, bucket } = JSON.parse(ready) as { url: string; bucket: string };

  const admin = async (path: string) => fetch(`${url}/_standin/${path}`);
  return {
    url,
    bucket,
    ...STANDIN_CREDENTIALS,
    token: options.token,
    async keys(prefix = '') {
      const reply = await admin(`objects?prefix=${encodeURIComponent(prefix)}`);
      return ((await reply.json()) as { keys: string[] }).keys;
    },
    async object(key) {
      const reply = await admin(`object?key=${encodeURIComponent(key)}`);
      if (reply.status === 404) return undefined;
      return (await reply.json()) as { body: string; metadata: Record<string, string> };
    },
    async requests() {
      const reply = await admin('requests');
      type Requests = Awaited<ReturnType<StandInProcess['requests']>>;
      return ((await reply.json()) as { requests: Requests }).requests;
    },
    stop: () => stop(child),
  };
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolveLine, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const fail = () => reject(new Error('COS stand-in did not start in 15 s'));
    const timer = setTimeout(fail, 15_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolveLine(line);
    });
    child.once('exit', (code) => reject(new Error(`COS stand-in exited with ${code}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    child.once('exit', () => resolveStop());
    child.kill('SIGTERM');
  });
}
