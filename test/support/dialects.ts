// The wire dialects the end-to-end suite runs under: the same tests, only the variables differ.

import { V2_PATH } from '../../emulators/vod/v2';

export interface DialectCase {
  name: string;
  /** Variables that select the dialect, given the emulator's base URL. */
  env(emulatorUrl: string): Record<string, string>;
}

export const DIALECTS: DialectCase[] = [
  { name: 'api3', env: (url) => ({ VOD_API: 'api3', VOD_ENDPOINT: url }) },
  // The specification's defaults: PullVodEvent/ConfirmVodEvent, HmacSHA1.
  { name: 'v2', env: (url) => ({ VOD_API: 'v2', VOD_ENDPOINT: `${url}${V2_PATH}` }) },
];
