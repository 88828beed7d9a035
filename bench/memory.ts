// `npm run bench`: the memory a drain run needs, measured on the real bundle. A child Node.js
// process loads dist/index.js alone (as SCF does) and drains a seeded emulator; its peak RSS is
// set against a bare Node.js process measured in the same run, and against the memory size
// serverless.yml asks SCF for. Peaks, not timings: the machine is shared and noisy.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { EMULATOR_CREDENTIALS, VodEmulator } from '../emulators/vod/server';
import type { SeedEvent } from '../emulators/vod/queue';
import { buildBundle } from '../scripts/build';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');

/** SCF's memory sizes: 64 MB, then 128 MB steps. */
const SCF_SIZES_MB = [64, 128, 256, 384, 512];
/** Room kept above the measured peak for what a benchmark cannot foresee. */
const HEADROOM = 1.25;
const EVENTS = 2000;
const PULLERS = ['1', '4'];

interface Peak {
  label: string;
  maxRssMb: number;
}

/** What the child prints last: its peak resident set size, from the kernel's own count. */
const REPORT_PEAK = `process.stderr.write('PEAK ' + process.resourceUsage().maxRSS + '\\n')`;

async function main(): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'vod-drain-bench-'));
  const { outfile } = await buildBundle(join(folder, 'code', 'index.js'));
  const emulator = await VodEmulator.start({ holdMs: 200 });

  try {
    const peaks: Peak[] = [await baseline()];
    for (const pullers of PULLERS) {
      emulator.reset();
      emulator.seed(realisticEvents(EVENTS));
      peaks.push(await drainPeak(outfile, emulator, join(folder, `events-${pullers}`), pullers));
      const left = emulator.state();
      if (left.confirmed !== EVENTS) throw new Error(`only ${left.confirmed} events confirmed`);
    }
    await report(peaks);
  } finally {
    await emulator.close();
    await rm(folder, { recursive: true, force: true });
  }
}

/** A bare Node.js process: the floor every function pays before loading any code. */
async function baseline(): Promise<Peak> {
  const { stderr } = await run(process.execPath, ['-e', REPORT_PEAK]);
  return { label: 'bare node (baseline)', maxRssMb: peakOf(stderr) };
}

async function drainPeak(
  bundle: string,
  emulator: VodEmulator,
  sinkDir: string,
  pullers: string,
): Promise<Peak> {
  const script = `
    const { main_handler } = require(${JSON.stringify(bundle)});
    main_handler({ Type: 'Timer' }, { request_id: 'bench', time_limit_in_ms: 50000 })
      .then((summary) => {
        process.stderr.write('SUMMARY ' + JSON.stringify(summary) + '\\n');
        ${REPORT_PEAK};
      });
  `;
  const env = {
    PATH: process.env.PATH,
    VOD_ENDPOINT: emulator.url,
    VOD_SECRET_ID: EMULATOR_CREDENTIALS.secretId,
    VOD_SECRET_KEY: EMULATOR_CREDENTIALS.secretKey,
    SINK_FS_DIR: sinkDir,
    DRAIN_PULLERS: pullers,
    LOG_LEVEL: 'warn',
  };
  const { stderr } = await run(process.execPath, ['-e', script], { env, maxBuffer: 1 << 24 });
  const summary = JSON.parse(/SUMMARY (.*)/.exec(stderr)?.[1] ?? '{}') as { stored?: number };
  const label = `drain of ${summary.stored ?? '?'} events, ${pullers} puller(s)`;
  return { label, maxRssMb: peakOf(stderr) };
}

const BASE_URL = 'http://1400155958.vod2.myqcloud.com/d8a1c2f3vodtransgzp1400155958';

/** Events of the sizes the service sends: concatenations with two outputs and long URLs. */
function realisticEvents(count: number): SeedEvent[] {
  return Array.from({ length: count }, (_, n) => {
    const taskId = `1400155958-ConcatFile-${n.toString(16).padStart(12, '0')}`;
    const file = (type: string, i: number) => ({
      ErrCode: 0,
      Message: '',
      FileId: `52858907989${String(n * 2 + i).padStart(8, '0')}`,
      FileUrl: `${BASE_URL}/${taskId}/f${i}.${type}`,
      FileType: type,
    });
    return {
      api3: {
        EventType: 'ConcatComplete',
        ConcatCompleteEvent: {
          TaskId: taskId,
          Status: 'FINISH',
          FileInfoSet: [file('m3u8', 0), file('mp4', 1)],
          SessionContext: 'x'.repeat(512),
        },
      },
    };
  });
}

async function report(peaks: Peak[]): Promise<void> {
  const configured = await configuredMemoryMb();
  const [floor] = peaks;
  const worst = Math.max(...peaks.map((p) => p.maxRssMb));
  const needed = SCF_SIZES_MB.find((size) => size >= worst * HEADROOM);

  console.log('peak resident memory (MB), and as a multiple of the bare-node baseline:');
  for (const peak of peaks) {
    const ratio = floor ? (peak.maxRssMb / floor.maxRssMb).toFixed(2) : '-';
    console.log(`  ${peak.label.padEnd(36)} ${peak.maxRssMb.toFixed(1).padStart(7)}  x${ratio}`);
  }
  console.log(
    `smallest SCF size with ${HEADROOM}x headroom over ${worst.toFixed(1)} MB: ${needed} MB`,
  );
  console.log(`serverless.yml memorySize: ${configured} MB`);

  if (needed === undefined || configured < needed) {
    console.log('FAIL: serverless.yml gives the function less memory than a drain needs');
    process.exitCode = 1;
  } else if (configured > needed) {
    console.log(`note: ${needed} MB would do; serverless.yml asks for more`);
  }
}

async function configuredMemoryMb(): Promise<number> {
  const template = await readFile(join(ROOT, 'serverless.yml'), 'utf8');
  const size = /^\s*memorySize:\s*(\d+)/m.exec(template)?.[1];
  if (!size) throw new Error('serverless.yml has no memorySize');
  return Number(size);
}

function peakOf(stderr: string): number {
  const kb = Number(/PEAK (\d+)/.exec(stderr)?.[1]);
  if (!Number.isFinite(kb)) throw new Error(`child reported no peak: ${stderr.slice(-300)}`);
  return kb / 1024;
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${(error as Error).message}`);
  process.exit(1);
});
