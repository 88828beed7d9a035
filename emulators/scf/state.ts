// What the SCF stand-in remembers: functions with their configuration, code and triggers, and
// counts of what clients did, so a test can ask afterwards how a deploy behaved.

import { createHash } from 'node:crypto';
import { unzipSync } from 'fflate';

export interface StoredTrigger {
  name: string;
  type: string;
  cron: string;
  enabled: boolean;
  addedAt: string;
}

export interface StoredCode {
  zipBytes: number;
  /** Entry names as in the zip, e.g. ["index.js"]. */
  entries: string[];
  /** sha256 of each entry's content, by name. */
  sha256: Record<string, string>;
}

export interface StoredFunction {
  region: string;
  namespace: string;
  name: string;
  runtime: string;
  handler: string;
  timeout: number;
  memorySize: number;
  role: string;
  description: string;
  environment: Record<string, string>;
  code: StoredCode;
  triggers: StoredTrigger[];
  /** Until then the function is Creating or Updating and refuses changes. */
  busyUntil: number;
  busyStatus: 'Creating' | 'Updating';
  /** How many times the code and the configuration were set. */
  codeUploads: number;
  configurationUpdates: number;
}

export interface Stats {
  /** Calls that passed the signature check, by action. */
  calls: Record<string, number>;
  /** GetFunction answers that reported Creating or Updating: the client waited. */
  busyPolls: number;
  /** Changes refused because the function was not Active: the client did not wait. */
  refusedWhileBusy: number;
  /** Calls refused with UnauthorizedOperation because a test said so. */
  refusedPermission: number;
  /** Requests whose TC3 signature, key or timestamp did not pass. */
  authFailures: number;
}

export type FunctionStatus = 'Creating' | 'Updating' | 'Active';

export function statusOf(fn: StoredFunction, now = Date.now()): FunctionStatus {
  return now < fn.busyUntil ? fn.busyStatus : 'Active';
}

export function functionKey(region: string, namespace: string, name: string): string {
  return `${region}/${namespace}/${name}`;
}

/** Reads an uploaded zip; throws with a message fit for an InvalidParameterValue.Code. */
export function readCode(base64: string): StoredCode {
  const zip = Buffer.from(base64, 'base64');
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch (cause) {
    throw new Error('ZipFile is not a readable zip archive', { cause });
  }

  const entries = Object.keys(files).sort();
  const sha256 = Object.fromEntries(entries.map((name) => [
    name,
    createHash('sha256').update(files[name] ?? new Uint8Array()).digest('hex'),
  ]));
  return { zipBytes: zip.length, entries, sha256 };
}

/** The state as plain JSON, with the status as a client would see it now. */
export function snapshot(
  functions: Map<string, StoredFunction>,
  stats: Stats,
  now = Date.now(),
): { functions: (StoredFunction & { status: FunctionStatus })[]; stats: Stats } {
  return {
    functions: [...functions.values()]
      .map((fn) => structuredClone({ ...fn, status: statusOf(fn, now) })),
    stats: structuredClone(stats),
  };
}
