// Starting the VOD emulator for a test, and the environment that aims a run at it.

import {
  EMULATOR_CREDENTIALS,
  VodEmulator,
  type VodEmulatorOptions,
} from '../../emulators/vod/server';

/** Short windows so tests never wait 30 s; the client is told the same window. */
export const TEST_WINDOW_MS = 3000;

export function startEmulator(options: VodEmulatorOptions = {}): Promise<VodEmulator> {
  return VodEmulator.start({ holdMs: 200, windowMs: TEST_WINDOW_MS, ...options });
}

/** Settings for a quick run against `emulator`: a 10.3 s cycle, a 3 s handle window. */
export function emulatorEnv(emulator: VodEmulator): Record<string, string> {
  return {
    VOD_ENDPOINT: emulator.url,
    VOD_SECRET_ID: EMULATOR_CREDENTIALS.secretId,
    VOD_SECRET_KEY: EMULATOR_CREDENTIALS.secretKey,
    VOD_PULL_TIMEOUT_MS: '6000',
    VOD_CONFIRM_TIMEOUT_MS: '800',
    VOD_HANDLE_WINDOW_MS: String(TEST_WINDOW_MS),
    DRAIN_WRITE_TIMEOUT_MS: '3000',
    DRAIN_MARGIN_MS: '500',
    LOG_LEVEL: 'warn',
  };
}

/** Waits until `check` holds, polling; fails after `ms`. */
export async function eventually(
  check: () => boolean,
  ms = 10_000,
  what = 'condition',
): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
