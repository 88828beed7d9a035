// Runs the VOD emulator as its own process: `npm run emulator -- --port 9100 --seed seed.json`.
// Prints one JSON line with its URL and key id, then serves until interrupted.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { EMULATOR_CREDENTIALS, VodEmulator } from './server';
import type { SeedEvent } from './queue';

const SeedFile = z.object({ events: z.array(z.record(z.string(), z.unknown())) });

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      seed: { type: 'string' },
      'hold-ms': { type: 'string', default: '5000' },
      'window-ms': { type: 'string', default: '30000' },
    },
  });

  const emulator = await VodEmulator.start({
    port: Number(values.port),
    holdMs: Number(values['hold-ms']),
    windowMs: Number(values['window-ms']),
  });
  if (values.seed) {
    const file = SeedFile.parse(JSON.parse(readFileSync(values.seed, 'utf8')));
    emulator.seed(file.events as SeedEvent[]);
  }

  console.log(JSON.stringify({
    event: 'emulator_listening',
    url: emulator.url,
    // The emulator's own local key pair, not a credential of any account: printed whole so a
    // hand run can be aimed at it (README, "Running it locally").
    secretId: EMULATOR_CREDENTIALS.secretId,
    secretKey: EMULATOR_CREDENTIALS.secretKey,
    seeded: emulator.state().waiting,
  }));
  const stop = () => void emulator.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(JSON.stringify({ event: 'emulator_failed', message: (error as Error).message }));
  process.exit(1);
});
