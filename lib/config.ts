// Every setting comes from environment variables, parsed once at the start of a run into one typed
// object. Each variable is declared once below; the README's reference is generated from it.

import { z } from 'zod';
import { ConfigError, type ConfigProblem } from './errors';
import { isSafeSegment } from './events/key';
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

/** Digits only: `1e4` or `0x2710` would coerce to a number but are not what a person meant. */
const wholeNumber = (min: number, max: number, what = 'a whole number') =>
  z
    .string()
    .regex(/^\d+$/, { error: `must be ${what}, written in digits` })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, { error: `must be at least ${min}` })
        .max(max, { error: `must be at most ${max}` }),
    );

const wholeMs = (min: number, max: number) =>
  wholeNumber(min, max, 'a whole number of milliseconds');

const flag = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1');

const subAppIds = z
  .string()
  .transform((text) =>
    text
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .pipe(
    z
      .array(
        z
          .string()
          .regex(/^[1-9][0-9]{0,9}$/, { error: 'each SubAppId must be a positive whole number' })
          .transform(Number),
      )
      .min(1, { error: 'must list at least one SubAppId' })
      .refine((ids) => new Set(ids).size === ids.length, {
        error: 'lists a SubAppId twice: each sub-application is drained once',
      }),
  );

const endpointUrl = z
  .url({ error: 'must be an absolute http:// or https:// URL' })
  .refine((u) => /^https?:\/\//.test(u), { error: 'must start with http:// or https://' })
  .transform((u) => new URL(u));

/** A JSON text that must parse and then match `schema`. */
const jsonOf = <T>(schema: z.ZodType<T>) =>
  z
    .string()
    .transform((raw, ctx) => {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

/** A COS key prefix: safe segments, each followed by a slash (or empty: the bucket root). */
const cosPrefix = z
  .string()
  .transform((text) => (text === '' || text.endsWith('/') ? text : `${text}/`))
  .refine((text) => text === '' || text.slice(0, -1).split('/').every(isSafeSegment), {
    error: 'must be path segments of letters, digits, _ . - joined by /, without ".."',
  });

/**
 * A database URL; its password is a secret, so no problem message repeats the text. A password
 * must be percent-encoded; one that is not breaks the URL in ways that name the wrong culprit
 * (a bare % throws URIError on decoding, an @ or / makes a host of the password), so those are
 * recognised and told as what they are.
 */
const dbUrl = (protocols: string[]) =>
  z.string().superRefine((text, ctx) => {
    const found = dbUrlProblem(text, protocols);
    if (found) ctx.addIssue({ code: 'custom', message: found.message, params: found });
  });

/** What is wrong with a database URL, with an example when it helps; never quoting the URL. */
function dbUrlProblem(
  text: string,
  protocols: string[],
): { message: string; example?: string } | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*:)\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined || !protocols.includes(scheme)) {
    const schemes = protocols.map((p) => `${p}//`).join(' or ');
    return { message: `must be a URL starting with ${schemes}` };
  }

  const encoding = {
    message: 'cannot be read as a URL: percent-encode the password: '
      + '@ : / # % ? & become %40 %3A %2F %23 %25 %3F %26 (the user name likewise)',
    example: `${scheme}//vod_drain:p%40ss%2Fw%3Ard@127.0.0.1:${
      scheme === 'mysql:' ? 3306 : 5432
    }/vod_drain`,
  };
  // An @ past a / # ? that ended the host early is the rest of an unencoded password.
  if (!URL.canParse(text)) {
    return text.includes('@') ? encoding : { message: 'cannot be read as a URL' };
  }
  const url = new URL(text);
  if (!decodes(url.username) || !decodes(url.password)) return encoding;
  const tail = url.pathname + url.hash + (url.pathname.length > 1 ? '' : url.search);
  if (url.username === '' && tail.includes('@')) return encoding;

  if (url.pathname.length <= 1) return { message: 'must name a database in its path' };
  return undefined;
}

/** Whether percent-escapes decode: a bare % or a broken UTF-8 sequence does not. */
function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

const SERVER_HOLD_MS = 5000;

/** The variables, by name. Adding a setting means adding it here and reading it below. */
export const VARIABLES = {
  VOD_API: variable(
    z.enum(['api3', 'v2'], { error: 'must be api3 or v2' }).default('api3'),
    'Which dialect of the VOD event API to speak: API 3.0 (PullEvents) or legacy v2 ' +
      '(PullVodEvent).',
    'api3',
  ),
  VOD_ENDPOINT: variable(
    endpointUrl.optional(),
    'Overrides the VOD endpoint, e.g. to aim the function at the local emulator. ' +
      'Default: https://vod.tencentcloudapi.com for api3. Required for v2, whose public ' +
      "endpoint (vod.api.qcloud.com/v2/index.php) is switched off: give your deployment's " +
      'URL; a URL without a path gets /v2/index.php.',
    'http://127.0.0.1:9100',
  ),
  VOD_REGION: variable(
    // v2 deployments name regions the old way (gz, sh), API 3.0 the new way (ap-guangzhou).
    z
      .string()
      .regex(/^[a-z]+(-[a-z]+)*$/, { error: 'must look like ap-guangzhou (or gz for v2)' })
      .optional(),
    'Region sent with each request. VOD does not need one; leave unset unless told otherwise.',
    'ap-guangzhou',
  ),
  VOD_V2_ACTIONS: variable(
    z
      .enum(['PullVodEvent', 'PullEvent'], { error: 'must be PullVodEvent or PullEvent' })
      .default('PullVodEvent'),
    'v2 only: the pair of action names to call, named by its pull action. PullVodEvent: ' +
      'PullVodEvent/ConfirmVodEvent, as the original specification spells them; PullEvent: ' +
      'PullEvent/ConfirmEvent, as later documents do.',
    'PullVodEvent',
  ),
  VOD_V2_SIGNATURE_METHOD: variable(
    z
      .enum(['HmacSHA1', 'HmacSHA256'], { error: 'must be HmacSHA1 or HmacSHA256' })
      .default('HmacSHA1'),
    "v2 only: the hash of the v1 request signature. HmacSHA1 is the protocol's default.",
    'HmacSHA256',
  ),
  VOD_SUB_APP_IDS: variable(
    subAppIds.optional(),
    'Comma-separated VOD sub-application ids to drain, each pulled and confirmed on its own. ' +
      'Required for accounts that opened VOD on or after 2023-12-25, even for the primary one.',
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
        error:
          `must be more than ${SERVER_HOLD_MS}: the service holds an empty pull for up to ` +
          '5 s, so a shorter timeout turns every empty pull into an error',
      })
      .default(10_000),
    'Client timeout of one long-poll pull. The service holds an empty pull up to 5 s; ' +
      'Tencent recommends 10 s.',
    '10000',
  ),
  VOD_CONFIRM_TIMEOUT_MS: variable(
    wholeMs(500, 15_000).default(3000),
    'Time allowed for confirming one batch, retries included.',
    '3000',
  ),
  VOD_HANDLE_WINDOW_MS: variable(
    wholeMs(1000, 30_000).default(30_000),
    'How long a pulled handle stays valid. The service fixes it at 30 s; ' +
      'lower it only to match a test emulator.',
    '30000',
  ),
  DRAIN_STOP_WHEN: variable(
    z.enum(['empty', 'deadline'], { error: 'must be empty or deadline' }).default('empty'),
    'empty: stop after the first empty pull (cheap idle runs). deadline: keep pulling while ' +
      'a whole cycle fits before the time limit (lower latency, billed for the whole run).',
    'empty',
  ),
  DRAIN_PULLERS: variable(
    wholeNumber(1, 16).default(1),
    'How many pull-write-confirm cycles run at once.',
    '1',
  ),
  DRAIN_WRITE_TIMEOUT_MS: variable(
    wholeMs(500, 20_000).default(8000),
    'Time allowed for writing one pulled batch (up to 16 events) to the sink.',
    '8000',
  ),
  DRAIN_MARGIN_MS: variable(
    wholeMs(250, 60_000).default(2000),
    'Safety margin kept free before the invocation deadline for the summary and shutdown.',
    '2000',
  ),
  DRAIN_TIME_LIMIT_MS: variable(
    wholeMs(1000, 900_000).default(50_000),
    'Run time limit when the caller gives none (SCF passes time_limit_in_ms in the context).',
    '50000',
  ),
  SINK: variable(
    z
      .enum(['fs', 'cos', 'mysql', 'postgres'], { error: 'must be fs, cos, mysql or postgres' })
      .default('fs'),
    'Where events are stored: a local directory (trials), a COS bucket, or a MySQL or ' +
      'PostgreSQL database (TencentDB).',
    'cos',
  ),
  SINK_FS_DIR: variable(
    z.string().min(1).default('./vod-events'),
    'Directory of the fs sink.',
    '/var/lib/vod-events',
  ),
  SINK_FS_ALLOW_ON_SCF: variable(
    flag.default(false),
    'Allows the fs sink on SCF, whose disk does not outlive the instance: confirmed events ' +
      'written there are lost with it. Only for trials.',
    'false',
  ),
  SINK_COS_BUCKET: variable(
    z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*-[0-9]+$/, {
        error: 'must look like name-APPID, e.g. vod-events-1250000000',
      })
      .optional(),
    'COS bucket of the cos sink, with the APPID suffix.',
    'vod-events-1250000000',
  ),
  SINK_COS_REGION: variable(
    z
      .string()
      .regex(/^[a-z]+(-[a-z]+)+$/, { error: 'must look like ap-guangzhou' })
      .optional(),
    'Region of the COS bucket.',
    'ap-guangzhou',
  ),
  SINK_COS_PREFIX: variable(
    cosPrefix.default('vod-events/'),
    'Key prefix every object of the cos sink is written under; empty segments, "..", and ' +
      'characters other than letters, digits, _ . - are refused.',
    'vod-events/',
  ),
  SINK_COS_ENDPOINT: variable(
    endpointUrl.optional(),
    'Overrides the COS endpoint (tests aim it at the local stand-in). Default: ' +
      'https://<bucket>.cos.<region>.myqcloud.com.',
    'http://127.0.0.1:9200',
  ),
  SINK_COS_SECRET_ID: variable(
    z.string().min(1).optional(),
    'Key id for COS. Default: the run role keys (TENCENTCLOUD_SECRETID), else VOD_SECRET_ID.',
    'AKID...',
  ),
  SINK_COS_SECRET_KEY: variable(
    z.string().min(1).optional(),
    'Key secret paired with SINK_COS_SECRET_ID.',
    '(your secret key)',
    true,
  ),
  SINK_COS_SESSION_TOKEN: variable(
    z.string().min(1).optional(),
    'Session token when SINK_COS_SECRET_ID and SINK_COS_SECRET_KEY are temporary keys.',
    '(your session token)',
    true,
  ),
  SINK_COS_TIMEOUT_MS: variable(
    wholeMs(100, 20_000).default(3000),
    'Time allowed for one COS request; a batch write also ends at its own deadline.',
    '3000',
  ),
  SINK_MYSQL_URL: variable(
    dbUrl(['mysql:']).optional(),
    'Connection URL of the mysql sink (MySQL or MariaDB, e.g. TencentDB for MySQL).',
    'mysql://vod_drain:PASSWORD@127.0.0.1:3306/vod_drain',
    true,
  ),
  SINK_POSTGRES_URL: variable(
    dbUrl(['postgres:', 'postgresql:']).optional(),
    'Connection URL of the postgres sink (e.g. TencentDB for PostgreSQL).',
    'postgres://vod_drain:PASSWORD@127.0.0.1:5432/vod_drain',
    true,
  ),
  SINK_SQL_POOL_SIZE: variable(
    wholeNumber(1, 2, '1 or 2').default(2),
    'Connections the SQL sinks keep open across warm invocations of one instance.',
    '2',
  ),
  SINK_SQL_CONNECT_TIMEOUT_MS: variable(
    wholeMs(100, 20_000).default(2000),
    'Time allowed for opening a database connection. Must be below DRAIN_WRITE_TIMEOUT_MS.',
    '2000',
  ),
  SINK_SQL_QUERY_TIMEOUT_MS: variable(
    wholeMs(100, 20_000).default(2000),
    'Time allowed for one statement, migrations included. Must be below DRAIN_WRITE_TIMEOUT_MS.',
    '2000',
  ),
  SINK_FAULTS: variable(
    jsonOf(SinkFaultList).optional(),
    'Test only: JSON list of faults to inject into sink writes (see lib/sinks/faults.ts). ' +
      'Refused on SCF.',
    '[{"fault":"fail_write","key":"ConcatComplete/1400000001"}]',
  ),
  LOG_LEVEL: variable(
    z
      .string()
      .transform((level) => level.toLowerCase())
      .pipe(
        z.enum(['debug', 'info', 'warn', 'error'], { error: 'must be debug, info, warn or error' }),
      )
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

export interface CosSinkConfig {
  kind: 'cos';
  bucket: string;
  region: string;
  /** Empty or ending with '/'. */
  prefix: string;
  /** Where requests go; the virtual-hosted bucket URL unless overridden. */
  endpoint: URL;
  credentials: Credentials;
  requestTimeoutMs: number;
}

export interface SqlSinkConfig {
  kind: 'mysql' | 'postgres';
  url: string;
  poolSize: number;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
}

export type SinkConfig = ({ kind: 'fs'; dir: string } | CosSinkConfig | SqlSinkConfig) & {
  faults?: SinkFault[];
};

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

  checkTiming(values, problems);
  const credentials = chooseCredentials(env, values, problems);
  const sink = sinkConfig(env, values, problems);
  const endpoint = vodEndpoint(values, problems);
  if (problems.length > 0 || !credentials || !sink || !endpoint) throw new ConfigError(problems);

  const secrets = [credentials.secretKey, credentials.token, ...sinkSecrets(sink)].filter(isString);
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

/**
 * Only the sink's settings, for tools that touch storage alone (`npm run migrate`): problems of
 * variables that do not shape the sink are ignored.
 */
export function loadSinkConfig(env: Env): { sink: SinkConfig; secrets: string[] } {
  const { values, problems } = readVariables(env);
  const relevant = problems.filter((p) => /^(SINK|DRAIN_)/.test(p.variable));
  if (relevant.length > 0) throw new ConfigError(relevant);

  const sink = sinkConfig(env, values, relevant);
  if (!sink || relevant.length > 0) throw new ConfigError(relevant);
  return { sink, secrets: sinkSecrets(sink).filter(isString) };
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
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `at ${issue.path.join('.')}: ` : '';
    const problem = `${where}${issue?.message ?? 'is not valid'}`;
    // A schema may bring an example fitting the problem, made up, so safe even for a secret.
    const own = issue?.code === 'custom' ? issue.params?.example : undefined;
    const example = typeof own === 'string' ? own : spec.secret ? undefined : spec.example;
    problems.push({ variable: name, problem, example });
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
      problem:
        'is required with VOD_API=v2: the public v2 endpoint is switched off, so name ' +
        "your deployment's /v2/index.php",
      example: `https://vod.example.internal${V2_PATH}`,
    });
    return undefined;
  }
  const url = new URL(given);
  if (url.pathname === '/') url.pathname = V2_PATH;
  return url;
}

/**
 * A confirm must be able to start inside the handle window after a pull: with the window H, the
 * confirm time C and 1 s of slack, H - C - 1 s must leave room for the pull and the write, or
 * every confirm would be skipped and every event would come back forever.
 */
function checkTiming(values: Values, problems: ConfigProblem[]): void {
  const room = values.VOD_HANDLE_WINDOW_MS - values.VOD_CONFIRM_TIMEOUT_MS - 1000;
  if (room < 1000) {
    problems.push({
      variable: 'VOD_CONFIRM_TIMEOUT_MS',
      problem:
        `leaves only ${room} ms of the ${values.VOD_HANDLE_WINDOW_MS} ms handle window for ` +
        'pulling and writing; it must leave at least 1000 ms',
      example: String(Math.max(500, values.VOD_HANDLE_WINDOW_MS - 2000 - 1000)),
    });
  }
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
    problem:
      'no credentials: bind a run role to the function (SCF then sets ' +
      'TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY) or set VOD_SECRET_ID and VOD_SECRET_KEY',
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

  const faults = values.SINK_FAULTS;
  switch (values.SINK) {
    case 'fs':
      return fsSinkConfig(onScf, values, problems);
    case 'cos': {
      const cos = cosSinkConfig(env, values, problems);
      return cos && { ...cos, faults };
    }
    case 'mysql':
    case 'postgres': {
      const sql = sqlSinkConfig(values.SINK, values, problems);
      return sql && { ...sql, faults };
    }
  }
}

function fsSinkConfig(
  onScf: boolean,
  values: Values,
  problems: ConfigProblem[],
): SinkConfig | undefined {
  if (onScf && !values.SINK_FS_ALLOW_ON_SCF) {
    problems.push({
      variable: 'SINK',
      problem:
        'the fs sink is refused on SCF: the instance disk does not outlive it, so ' +
        'confirmed events would be lost. Choose a durable sink, or set ' +
        'SINK_FS_ALLOW_ON_SCF=true for a trial',
      example: 'cos',
    });
    return undefined;
  }
  return { kind: 'fs', dir: values.SINK_FS_DIR, faults: values.SINK_FAULTS };
}

function cosSinkConfig(
  env: Env,
  values: Values,
  problems: ConfigProblem[],
): CosSinkConfig | undefined {
  const bucket = required(values, 'SINK_COS_BUCKET', 'SINK=cos', problems);
  const region = required(values, 'SINK_COS_REGION', 'SINK=cos', problems);
  const credentials = cosCredentials(env, values, problems);
  if (!bucket || !region || !credentials) return undefined;

  // Production signs the virtual-hosted name; an override is used as given, never resolved
  // through a made-up bucket host name.
  const endpoint =
    values.SINK_COS_ENDPOINT ?? new URL(`https://${bucket}.cos.${region}.myqcloud.com`);
  return {
    kind: 'cos',
    bucket,
    region,
    prefix: values.SINK_COS_PREFIX,
    endpoint,
    credentials,
    requestTimeoutMs: values.SINK_COS_TIMEOUT_MS,
  };
}

/** COS keys: the explicit pair, else the run role's temporary keys, else the VOD pair. */
function cosCredentials(
  env: Env,
  values: Values,
  problems: ConfigProblem[],
): Credentials | undefined {
  if (values.SINK_COS_SECRET_ID || values.SINK_COS_SECRET_KEY) {
    if (values.SINK_COS_SECRET_ID && values.SINK_COS_SECRET_KEY) {
      return {
        secretId: values.SINK_COS_SECRET_ID,
        secretKey: values.SINK_COS_SECRET_KEY,
        token: values.SINK_COS_SESSION_TOKEN,
        source: 'configured',
      };
    }
    const missing = values.SINK_COS_SECRET_ID ? 'SINK_COS_SECRET_KEY' : 'SINK_COS_SECRET_ID';
    problems.push({
      variable: missing,
      problem: 'SINK_COS_SECRET_ID and SINK_COS_SECRET_KEY go together: set both or neither',
      example: missing === 'SINK_COS_SECRET_ID' ? VARIABLES.SINK_COS_SECRET_ID.example : undefined,
    });
    return undefined;
  }

  const roleId = env.TENCENTCLOUD_SECRETID?.trim();
  const roleKey = env.TENCENTCLOUD_SECRETKEY?.trim();
  if (roleId && roleKey) {
    const token = env.TENCENTCLOUD_SESSIONTOKEN?.trim() || undefined;
    return { secretId: roleId, secretKey: roleKey, token, source: 'run_role' };
  }

  if (values.VOD_SECRET_ID && values.VOD_SECRET_KEY) {
    const token = values.VOD_SESSION_TOKEN;
    const secretId = values.VOD_SECRET_ID;
    return { secretId, secretKey: values.VOD_SECRET_KEY, token, source: 'configured' };
  }

  problems.push({
    variable: 'SINK_COS_SECRET_ID',
    problem:
      'no COS credentials: bind a run role to the function, or set SINK_COS_SECRET_ID and ' +
      'SINK_COS_SECRET_KEY',
    example: VARIABLES.SINK_COS_SECRET_ID.example,
  });
  return undefined;
}

function sqlSinkConfig(
  kind: SqlSinkConfig['kind'],
  values: Values,
  problems: ConfigProblem[],
): SqlSinkConfig | undefined {
  const name = kind === 'mysql' ? 'SINK_MYSQL_URL' : 'SINK_POSTGRES_URL';
  const found: ConfigProblem[] = [];
  const url = required(values, name, `SINK=${kind}`, found);

  // Every wait of the sink must end inside a batch's write time, or a stuck database would
  // hold the batch past the point where the loop gives up on it.
  const writeMs = values.DRAIN_WRITE_TIMEOUT_MS;
  for (const timeout of ['SINK_SQL_CONNECT_TIMEOUT_MS', 'SINK_SQL_QUERY_TIMEOUT_MS'] as const) {
    if (values[timeout] >= writeMs) {
      found.push({
        variable: timeout,
        problem:
          `must be below DRAIN_WRITE_TIMEOUT_MS (${writeMs}), so a stuck database is ` +
          "given up on before the batch's write time ends",
        example: String(Math.max(100, Math.floor(writeMs / 3))),
      });
    }
  }
  problems.push(...found);
  if (!url || found.length > 0) return undefined;

  return {
    kind,
    url,
    poolSize: values.SINK_SQL_POOL_SIZE,
    connectTimeoutMs: values.SINK_SQL_CONNECT_TIMEOUT_MS,
    queryTimeoutMs: values.SINK_SQL_QUERY_TIMEOUT_MS,
  };
}

/** Names of the variables that are optional strings. */
type OptionalString = {
  [K in keyof Values]: undefined extends Values[K]
    ? Values[K] extends string | undefined
      ? K
      : never
    : never;
}[keyof Values];

/** A variable the chosen sink cannot do without; a missing one is a problem naming it. */
function required(
  values: Values,
  name: OptionalString,
  because: string,
  problems: ConfigProblem[],
): string | undefined {
  const value = values[name];
  if (value !== undefined) return value;
  const spec = VARIABLES[name] as Variable<unknown>;
  problems.push({
    variable: name,
    problem: `is required with ${because}`,
    example: spec.secret ? undefined : spec.example,
  });
  return undefined;
}

/** The secret parts of a sink's settings: keys, tokens, database URLs and their passwords. */
function sinkSecrets(sink: SinkConfig): (string | undefined)[] {
  switch (sink.kind) {
    case 'fs':
      return [];
    case 'cos':
      return [sink.credentials.secretKey, sink.credentials.token];
    case 'mysql':
    case 'postgres':
      return urlPassword(sink.url);
  }
}

/**
 * The secret in a database URL is its password, as written in the URL and decoded. Not the
 * whole URL: the log scrubber also replaces a secret's first characters, and `postgres://`
 * would then take every mention of postgres with it.
 */
function urlPassword(url: string): string[] {
  const written = new URL(url).password;
  return written === '' ? [] : [written, decodeURIComponent(written)];
}

function isString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
