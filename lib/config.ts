// Every setting comes from environment variables, parsed once at the start of a run into one typed
// object. Each variable is declared once below; the README's reference is generated from it.

import { z } from 'zod';
import { ConfigError, type ConfigProblem } from './errors';
import type { LogLevel } from './log';
import { SinkFaultList, type SinkFault } from './sinks/faults';

/** One environment variable: how to read it, and what to tell a person who got it wrong. */
export interface Variable<T> {
  schema: z.ZodType<T>;
  description: string;
  example: string;
  /** Secret values are never echoed, not even in the error about them. */
  secret?: boolean;
}

const variable = <T>(
  schema: z.ZodType<T>,
  description: string,
  example: string,
  secret = false,
): Variable<T> => ({ schema, description, example, secret });

const wholeMs = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a whole number of milliseconds' })
    .int({ error: 'must be a whole number of milliseconds' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

const flag = z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1');

const subAppIds = z
  .string()
  .transform((text) => text.split(',').map((part) => part.trim()).filter(Boolean))
  .pipe(
    z.array(
      z.string()
        .regex(/^[1-9][0-9]{0,9}$/, { error: 'each SubAppId must be a positive whole number' })
        .transform(Number),
    ).min(1, { error: 'must list at least one SubAppId' }),
  );

const endpointUrl = z.url({ error: 'must be an absolute http:// or https:// URL' })
  .refine((u) => /^https?:\/\//.test(u), { error: 'must start with http:// or https://' })
  .transform((u) => new URL(u));

/** A JSON text that must parse and then match `schema`. */
const jsonOf = <T>(schema: z.ZodType<T>) =>
  z.string()
    .transform((raw, ctx) => {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

const SERVER_HOLD_MS = 5000;

/** The variables, by name. Adding a setting means adding it here and reading it below. */
export const VARIABLES = {
  VOD_API: variable(
    z.enum(['api3', 'v2'], { error: 'must be api3 or v2' }).default('api3'),
    'Which dialect of the VOD event API to speak: API 3.0 (PullEvents) or legacy v2 (PullVodEvent).',
    'api3',
  ),
  VOD_ENDPOINT: variable(
    endpointUrl.optional(),
    'Overrides the VOD endpoint, e.g. to aim the function at the local emulator. '
      + 'Default: https://vod.tencentcloudapi.com for api3. Required for v2, whose public '
      + 'endpoint (vod.api.qcloud.com/v2/index.php) is switched off: give your deployment\'s '
      + 'URL; a URL without a path gets /v2/index.php.',
    'http://127.0.0.1:9100',
  ),
  VOD_REGION: variable(
    // v2 deployments name regions the old way (gz, sh), API 3.0 the new way (ap-guangzhou).
    z.string().regex(/^[a-z]+(-[a-z]+)*$/, { error: 'must look like ap-guangzhou (or gz for v2)' })
      .optional(),
    'Region sent with each request. VOD does not need one; leave unset unless told otherwise.',
    'ap-guangzhou',
  ),
  VOD_V2_ACTIONS: variable(
    z.enum(['PullVodEvent', 'PullEvent'], { error: 'must be PullVodEvent or PullEvent' })
      .default('PullVodEvent'),
    'v2 only: the pair of action names to call, named by its pull action. PullVodEvent: '
      + 'PullVodEvent/ConfirmVodEvent, as the original specification spells them; PullEvent: '
      + 'PullEvent/ConfirmEvent, as later documents do.',
    'PullVodEvent',
  ),
  VOD_V2_SIGNATURE_METHOD: variable(
    z.enum(['HmacSHA1', 'HmacSHA256'], { error: 'must be HmacSHA1 or HmacSHA256' })
      .default('HmacSHA1'),
    'v2 only: the hash of the v1 request signature. HmacSHA1 is the protocol\'s default.',
    'HmacSHA256',
  ),
  VOD_SUB_APP_IDS: variable(
    subAppIds.optional(),
    'Comma-separated VOD sub-application ids to drain, each pulled and confirmed on its own. '
      + 'Required for accounts that opened VOD on or after 2023-12-25, even for the primary one.',
    '1500012345,1500012346',
  ),
  VOD_SECRET_ID: variable(
    z.string().min(1).optional(),
    'API key id, used only when the SCF run role keys (TENCENTCLOUD_SECRETID) are absent.',
    'AKID...',
  ),
  VOD_SECRET_KEY: variable(
    z.string().min(1).optional(),
    'API key secret paired with VOD_SECRET_ID.',
    '(your secret key)',
    true,
  ),
  VOD_SESSION_TOKEN: variable(
    z.string().min(1).optional(),
    'Session token for temporary keys given in VOD_SECRET_ID and VOD_SECRET_KEY.',
    '(your session token)',
    true,
  ),
  VOD_PULL_TIMEOUT_MS: variable(
    wholeMs(1, 60_000)
      .refine((ms) => ms > SERVER_HOLD_MS, {
        error: `must be more than ${SERVER_HOLD_MS}: the service holds an empty pull for up to `
          + '5 s, so a shorter timeout turns every empty pull into an error',
      })
      .default(10_000),
    'Client timeout of one long-poll pull. The service holds an empty pull up to 5 s; '
      + 'Tencent recommends 10 s.',
    '10000',
  ),
  VOD_CONFIRM_TIMEOUT_MS: variable(
    wholeMs(500, 15_000).default(3000),
    'Time allowed for confirming one batch, retries included.',
    '3000',
  ),
  VOD_HANDLE_WINDOW_MS: variable(
    wholeMs(1000, 30_000).default(30_000),
    'How long a pulled handle stays valid. The service fixes it at 30 s; '
      + 'lower it only to match a test emulator.',
    '30000',
  ),
  DRAIN_STOP_WHEN: variable(
    z.enum(['empty', 'deadline'], { error: 'must be empty or deadline' }).default('empty'),
    'empty: stop after the first empty pull (cheap idle runs). deadline: keep pulling until '
      + 'the time limit (lower latency, billed for the whole run).',
    'empty',
  ),
  DRAIN_PULLERS: variable(
    z.coerce.number({ error: 'must be a whole number' }).int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' }).max(16, { error: 'must be at most 16' }).default(1),
    'How many pull-write-confirm cycles run at once.',
    '1',
  ),
  DRAIN_WRITE_TIMEOUT_MS: variable(
    wholeMs(500, 20_000).default(8000),
    'Time allowed for writing one pulled batch (up to 16 events) to the sink.',
    '8000',
  ),
  DRAIN_MARGIN_MS: variable(
    wholeMs(0, 60_000).default(2000),
    'Safety margin kept free before the invocation deadline for the summary and shutdown.',
    '2000',
  ),
  DRAIN_TIME_LIMIT_MS: variable(
    wholeMs(1000, 900_000).default(50_000),
    'Run time limit when the caller gives none (SCF passes time_limit_in_ms in the context).',
    '50000',
  ),
  SINK: variable(
    z.enum(['fs'], { error: 'must be fs' }).default('fs'),
    'Where events are stored.',
    'fs',
  ),
  SINK_FS_DIR: variable(
    z.string().min(1).default('./vod-events'),
    'Directory of the fs sink.',
    '/var/lib/vod-events',
  ),
  SINK_FS_ALLOW_ON_SCF: variable(
    flag.default(false),
    'Allows the fs sink on SCF, whose disk does not outlive the instance: confirmed events '
      + 'written there are lost with it. Only for trials.',
    'false',
  ),
  SINK_FAULTS: variable(
    jsonOf(SinkFaultList).optional(),
    'Test only: JSON list of faults to inject into sink writes (see lib/sinks/faults.ts). '
      + 'Refused on SCF.',
    '[{"fault":"fail_write","key":"ConcatComplete/1400000001"}]',
  ),
  LOG_LEVEL: variable(
    z.enum(['debug', 'info', 'warn', 'error'], { error: 'must be debug, info, warn or error' })
      .default('info'),
    'Lowest level of log lines printed.',
    'info',
  ),
} satisfies Record<string, Variable<unknown>>;

type Variables = typeof VARIABLES;
type Values = { [K in keyof Variables]: z.output<Variables[K]['schema']> };

export interface Credentials {
  secretId: string;
  secretKey: string;
  token?: string;
  /** Where they came from, for the log: never the values. */
  source: 'run_role' | 'configured';
}

/** Settings only the legacy v2 dialect reads. */
export interface V2Config {
  /** The pull/confirm action pair, as the deployment names it. */
  actions: (typeof V2_ACTIONS)[keyof typeof V2_ACTIONS];
  signatureMethod: 'HmacSHA1' | 'HmacSHA256';
}

export interface VodConfig {
  api: 'api3' | 'v2';
  endpoint: URL;
  region?: string;
  /** One lane per sub-application; `undefined` pulls the account's default application. */
  subAppIds: readonly (number | undefined)[];
  credentials: Credentials;
  pullTimeoutMs: number;
  confirmTimeoutMs: number;
  handleWindowMs: number;
  v2: V2Config;
}

export interface DrainConfig {
  stopWhen: 'empty' | 'deadline';
  pullers: number;
  writeTimeoutMs: number;
  marginMs: number;
  defaultTimeLimitMs: number;
}

export type SinkConfig = { kind: 'fs'; dir: string; faults?: SinkFault[] };

export interface Config {
  vod: VodConfig;
  drain: DrainConfig;
  sink: SinkConfig;
  logLevel: LogLevel;
  /** Every secret value in force, so the logger can scrub them. */
  secrets: string[];
}

type Env = Record<string, string | undefined>;

/** Reads the configuration from `env`; throws one ConfigError listing every problem found. */
export function loadConfig(env: Env): Config {
  const { values, problems } = readVariables(env);
  if (problems.length > 0) throw new ConfigError(problems);

  const credentials = chooseCredentials(env, values, problems);
  const sink = sinkConfig(env, values, problems);
  const endpoint = vodEndpoint(values, problems);
  if (problems.length > 0 || !credentials || !sink || !endpoint) throw new ConfigError(problems);

  const secrets = [credentials.secretKey, credentials.token].filter(isString);
  return {
    vod: {
      api: values.VOD_API,
      endpoint,
      region: values.VOD_REGION,
      subAppIds: values.VOD_SUB_APP_IDS ?? [undefined],
      credentials,
      pullTimeoutMs: values.VOD_PULL_TIMEOUT_MS,
      confirmTimeoutMs: values.VOD_CONFIRM_TIMEOUT_MS,
      handleWindowMs: values.VOD_HANDLE_WINDOW_MS,
      v2: {
        actions: V2_ACTIONS[values.VOD_V2_ACTIONS],
        signatureMethod: values.VOD_V2_SIGNATURE_METHOD,
      },
    },
    drain: {
      stopWhen: values.DRAIN_STOP_WHEN,
      pullers: values.DRAIN_PULLERS,
      writeTimeoutMs: values.DRAIN_WRITE_TIMEOUT_MS,
      marginMs: values.DRAIN_MARGIN_MS,
      defaultTimeLimitMs: values.DRAIN_TIME_LIMIT_MS,
    },
    sink,
    logLevel: values.LOG_LEVEL,
    secrets,
  };
}

function readVariables(env: Env): { values: Values; problems: ConfigProblem[] } {
  const values: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];

  for (const [name, spec] of Object.entries(VARIABLES) as [string, Variable<unknown>][]) {
    const raw = env[name]?.trim();
    const result = spec.schema.safeParse(raw === '' ? undefined : raw);
    if (result.success) {
      values[name] = result.data;
      continue;
    }
    const problem = result.error.issues[0]?.message ?? 'is not valid';
    problems.push({ variable: name, problem, example: spec.secret ? undefined : spec.example });
  }

  return { values: values as Values, problems };
}

const DEFAULT_API3_ENDPOINT = 'https://vod.tencentcloudapi.com';

/** The path every v2 action is served under. */
export const V2_PATH = '/v2/index.php';

const V2_ACTIONS = {
  PullVodEvent: { pull: 'PullVodEvent', confirm: 'ConfirmVodEvent' },
  PullEvent: { pull: 'PullEvent', confirm: 'ConfirmEvent' },
} as const;

/**
 * The endpoint to call. v2 has no default on purpose: Tencent switched the public v2 API off
 * on 2022-11-30, so every v2 user runs against a deployment of their own, and a default could
 * only ever fail somewhere else than where the operator looks.
 */
function vodEndpoint(values: Values, problems: ConfigProblem[]): URL | undefined {
  if (values.VOD_API === 'api3') return values.VOD_ENDPOINT ?? new URL(DEFAULT_API3_ENDPOINT);

  const given = values.VOD_ENDPOINT;
  if (!given) {
    problems.push({
      variable: 'VOD_ENDPOINT',
      problem: 'is required with VOD_API=v2: the public v2 endpoint is switched off, so name '
        + 'your deployment\'s /v2/index.php',
      example: `https://vod.example.internal${V2_PATH}`,
    });
    return undefined;
  }
  const url = new URL(given);
  if (url.pathname === '/') url.pathname = V2_PATH;
  return url;
}

/** SCF's run-role keys win when present; else the explicitly configured pair. */
function chooseCredentials(
  env: Env,
  values: Values,
  problems: ConfigProblem[],
): Credentials | undefined {
  const roleId = env.TENCENTCLOUD_SECRETID?.trim();
  const roleKey = env.TENCENTCLOUD_SECRETKEY?.trim();
  if (roleId && roleKey) {
    const token = env.TENCENTCLOUD_SESSIONTOKEN?.trim() || undefined;
    return { secretId: roleId, secretKey: roleKey, token, source: 'run_role' };
  }

  if (values.VOD_SECRET_ID && values.VOD_SECRET_KEY) {
    return {
      secretId: values.VOD_SECRET_ID,
      secretKey: values.VOD_SECRET_KEY,
      token: values.VOD_SESSION_TOKEN,
      source: 'configured',
    };
  }

  const missing = values.VOD_SECRET_ID ? 'VOD_SECRET_KEY' : 'VOD_SECRET_ID';
  problems.push({
    variable: missing,
    problem: 'no credentials: bind a run role to the function (SCF then sets '
      + 'TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY) or set VOD_SECRET_ID and VOD_SECRET_KEY',
    example: missing === 'VOD_SECRET_ID' ? VARIABLES.VOD_SECRET_ID.example : undefined,
  });
  return undefined;
}

function sinkConfig(env: Env, values: Values, problems: ConfigProblem[]): SinkConfig | undefined {
  const onScf = env.TENCENTCLOUD_RUNENV?.toUpperCase() === 'SCF';
  if (onScf && values.SINK_FAULTS !== undefined) {
    problems.push({
      variable: 'SINK_FAULTS',
      problem: 'fault injection is for tests and is refused on SCF; unset it',
    });
  }

  if (onScf && !values.SINK_FS_ALLOW_ON_SCF) {
    problems.push({
      variable: 'SINK',
      problem: 'the fs sink is refused on SCF: the instance disk does not outlive it, so '
        + 'confirmed events would be lost. Choose a durable sink, or set '
        + 'SINK_FS_ALLOW_ON_SCF=true for a trial',
      example: 'cos',
    });
    return undefined;
  }

  return { kind: 'fs', dir: values.SINK_FS_DIR, faults: values.SINK_FAULTS };
}

function isString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
