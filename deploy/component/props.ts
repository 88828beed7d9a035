// What serverless.yml may say about the function, checked before any API call: a typo or an
// oversized environment fails the deploy here, with the property named, not halfway through.

import { z } from 'zod';
import { loadConfig } from '../../lib/config';
import { ConfigError } from '../../lib/errors';

/** SCF keeps these prefixes for its own variables and refuses functions that use them. */
export const RESERVED_ENV_PREFIXES = ['SCF_', 'QCLOUD_', 'TENCENTCLOUD_'] as const;

/**
 * SCF allows 4 KB of environment in total. How SCF counts is not documented; we count the UTF-8
 * bytes of every key and value, which is the natural reading of the limit.
 */
export const ENV_LIMIT_BYTES = 4096;

const FUNCTION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$/;
const ENV_KEY = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Memory sizes SCF offers: 64 MB, or 128 MB to 3072 MB in steps of 128 MB. */
const memorySize = z.coerce.number().int().refine(
  (mb) => mb === 64 || (mb >= 128 && mb <= 3072 && mb % 128 === 0),
  { error: 'must be 64, or 128 to 3072 in steps of 128' },
);

/** A seven-field SCF cron: second minute hour day month week year. */
const cron = z.string().trim().refine((text) => text.split(/\s+/).length === 7, {
  error: 'must have seven fields (second minute hour day month week year), '
    + 'e.g. 0 */1 * * * * * for every minute',
});

const environment = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
  .default({})
  .transform((vars) => Object.fromEntries(
    Object.entries(vars).map(([key, value]) => [key, String(value)]),
  ));

export const Props = z.object({
  /** Overrides the SCF API endpoint, e.g. http://127.0.0.1:PORT for the local stand-in. */
  endpoint: z.string().trim().default(''),
  region: z.string().regex(/^[a-z]+(-[a-z0-9]+)+$/, { error: 'must look like ap-guangzhou' }),
  namespace: z.string().min(1).default('default'),
  functionName: z.string().regex(FUNCTION_NAME, {
    error: '2-60 letters, digits, - or _, starting with a letter, not ending with - or _',
  }),
  description: z.string().max(1000).default(''),
  runtime: z.string().min(1),
  handler: z.string().regex(/^[A-Za-z][\w-]*\.[A-Za-z_][\w]*$/, {
    error: 'must be file.function, e.g. index.main_handler',
  }),
  /** The built bundle; it goes into the zip as <handler file>.js at the root. */
  code: z.string().min(1),
  timeout: z.coerce.number().int().min(1).max(900),
  memorySize,
  role: z.string().trim().default(''),
  environment,
  trigger: z.object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, {
      error: 'up to 100 letters, digits, - or _',
    }),
    cron,
    enabled: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])
      .default(true),
  }),
});

export type DeployProps = z.output<typeof Props>;

export interface PropsProblem {
  property: string;
  problem: string;
}

/** The problems with an environment SCF would refuse, or would pass on to the function. */
export function environmentProblems(vars: Record<string, string>): PropsProblem[] {
  const problems: PropsProblem[] = [];

  for (const key of Object.keys(vars)) {
    const property = `environment.${key}`;
    if (!ENV_KEY.test(key)) {
      problems.push({ property, problem: 'use letters, digits and _, starting with a letter' });
    }
    const reserved = RESERVED_ENV_PREFIXES.find((p) => key.toUpperCase().startsWith(p));
    if (reserved) {
      problems.push({ property, problem: `keys starting with ${reserved} are reserved by SCF` });
    }
  }

  problems.push(...functionConfigProblems(vars));

  const bytes = environmentBytes(vars);
  if (bytes > ENV_LIMIT_BYTES) {
    problems.push({
      property: 'environment',
      problem: `${bytes} bytes of keys and values; SCF allows ${ENV_LIMIT_BYTES}`,
    });
  }
  return problems;
}

/**
 * The function reads its settings at every run and refuses bad ones: a deploy that SCF accepts
 * but the function cannot start under would fail every minute. So the settings are read here
 * exactly as the function will read them on SCF, with a run role's keys present.
 */
function functionConfigProblems(vars: Record<string, string>): PropsProblem[] {
  const onScf = { ...vars, TENCENTCLOUD_RUNENV: 'SCF' };
  const role = { TENCENTCLOUD_SECRETID: 'run-role', TENCENTCLOUD_SECRETKEY: 'run-role' };
  const withRole = { ...onScf, ...role };
  try {
    loadConfig(withRole);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map(({ variable, problem, example }) => ({
      property: `environment.${variable}`,
      problem: example === undefined ? problem : `${problem} (example: ${example})`,
    }));
  }
}

export function environmentBytes(vars: Record<string, string>): number {
  return Object.entries(vars)
    .reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), 0);
}

/**
 * Empty values are dropped: serverless.yml writes `${env('NAME', '')}` for optional settings,
 * and an unset variable must reach the function as unset, so its default applies.
 */
export function withoutEmpty(vars: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(vars).filter(([, value]) => value.trim() !== ''));
}
