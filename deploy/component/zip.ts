// Packs the built bundle the way SCF loads it: one file named after the handler's module,
// at the root of the zip (handler index.main_handler -> index.js), sent base64-encoded.

import { readFileSync, statSync } from 'node:fs';
import { zipSync, type Zippable } from 'fflate';
import { DeployError } from './errors';

/** A fixed date, so the same bundle always makes the same zip. */
const ENTRY_TIME = new Date(2000, 0, 1);

export interface CodePackage {
  zip: Buffer;
  /** The name of the one entry, e.g. index.js. */
  entry: string;
}

export function packageCode(bundlePath: string, handler: string): CodePackage {
  if (!statSync(bundlePath, { throwIfNoEntry: false })?.isFile()) {
    throw new DeployError(
      'missing_code',
      `the bundle ${bundlePath} does not exist: run npm run build before s deploy`,
    );
  }

  const entry = `${handler.split('.')[0]}.js`;
  const files: Zippable = { [entry]: [readFileSync(bundlePath), { mtime: ENTRY_TIME }] };
  const zip = zipSync(files, { level: 9 });
  return { zip: Buffer.from(zip), entry };
}
