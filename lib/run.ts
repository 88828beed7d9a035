// One run of the drain, from raw environment and invocation context to a summary: the path the
// SCF handler and the operator command share.

import { createHash } from 'node:crypto';
import { loadConfig, type Config } from './config';
import { drain } from './drain/loop';
import type { RunSummary } from './drain/summary';
import { ConfigError, VodError, toError } from './errors';
import { createLogger, redact, type Logger } from './log';
import { createSink } from './sinks';
import type { Sink } from './sinks/sink';
import type { VodClient } from './vod/client';
import { createVodClient } from './vod';

export interface InvocationContext {
  request_id?: string;
  /** SCF's time limit for this invocation; the deadline is taken from it at entry. */
  time_limit_in_ms?: number;
}

export interface RunOptions {
  /** Where log lines go; stdout by default. */
  write?: (line: string) => void;
  /** Pull and print without storing or confirming. */
  dryRun?: boolean;
}

/**
 * The run stopped on an error no retry inside it could fix. It carries the summary and what an
 * operator needs (kind, code, request id), with every configured secret scrubbed: SCF records
 * a thrown error outside our logger.
 */
export class RunStoppedError extends Error {
  override readonly name = 'RunStoppedError';
  readonly kind: string;
  readonly code: string | undefined;
  readonly requestId: string | undefined;

  constructor(
    readonly summary: RunSummary,
    cause: VodError,
    secrets: readonly string[],
  ) {
    super(redact(`run stopped (${summary.stopReason}): ${cause.message}`, secrets));
    this.kind = cause.kind;
    this.code = cause.code;
    this.requestId = cause.requestId;
  }
}

type Env = Record<string, string | undefined>;

export async function runOnce(
  env: Env,
  context: InvocationContext = {},
  options: RunOptions = {},
): Promise<RunSummary> {
  const startedAt = Date.now();
  const requestId = context.request_id;
  const config = readConfig(env, requestId, options);
  const logging = { secrets: config.secrets, write: options.write, fields: { requestId } };
  const log = createLogger({ ...logging, level: config.logLevel });
  // One summary line per run, whatever LOG_LEVEL says: it is what the alarms read.
  const summaryLog = createLogger({ ...logging, level: 'debug' });

  const deadline = startedAt + timeLimitMs(context, config, log);
  const { vod, sink } = partsFor(config, log);
  const { summary, fatal } = await drain(
    vod,
    sink,
    {
      stopWhen: config.drain.stopWhen,
      dryRun: options.dryRun,
      pullers: config.drain.pullers,
      subAppIds: config.vod.subAppIds,
      timing: {
        pullMs: config.vod.pullTimeoutMs,
        writeMs: config.drain.writeTimeoutMs,
        confirmMs: config.vod.confirmTimeoutMs,
        marginMs: config.drain.marginMs,
        windowMs: config.vod.handleWindowMs,
      },
    },
    { requestId, startedAt, deadline },
    log,
  );

  const scrubbed = scrubSummary(summary, config.secrets);
  summaryLog[summaryLevel(scrubbed)]('run_summary', { ...scrubbed });
  if (fatal) throw new RunStoppedError(scrubbed, fatal, config.secrets);
  return scrubbed;
}

/** The summary as returned and logged: its free text may quote a server's error. */
function scrubSummary(summary: RunSummary, secrets: readonly string[]): RunSummary {
  if (summary.stopDetail === undefined) return summary;
  return { ...summary, stopDetail: redact(summary.stopDetail, secrets) };
}

/** SCF's limit for this invocation; the configured default when the caller gives none. */
function timeLimitMs(context: InvocationContext, config: Config, log: Logger): number {
  const given: unknown = context.time_limit_in_ms;
  if (given === undefined) return config.drain.defaultTimeLimitMs;
  const ms = typeof given === 'string' && /^\d+$/.test(given) ? Number(given) : given;
  if (typeof ms === 'number' && Number.isFinite(ms) && ms > 0) return ms;

  log.warn('time_limit_invalid', {
    given: String(given),
    used: config.drain.defaultTimeLimitMs,
    note: 'context.time_limit_in_ms is not a positive number; DRAIN_TIME_LIMIT_MS applies',
  });
  return config.drain.defaultTimeLimitMs;
}

/**
 * The summary is logged at the level of its worst news, so that it survives LOG_LEVEL=warn
 * exactly when there is something to look at, and alarms can key on the level alone.
 */
function summaryLevel(summary: RunSummary): 'info' | 'warn' | 'error' {
  if (summary.stopReason === 'auth_failed' || summary.stopReason === 'rejected') return 'error';
  const troubled = summary.failed + summary.skipped + summary.confirmFailed + summary.unconfirmable;
  const cutShort = ['vod_unavailable', 'sink_unavailable', 'too_short'].includes(
    summary.stopReason,
  );
  return troubled > 0 || cutShort || summary.pullErrors > 0 ? 'warn' : 'info';
}

function readConfig(env: Env, requestId: string | undefined, options: RunOptions): Config {
  try {
    return loadConfig(env);
  } catch (thrown) {
    const error = toError(thrown);
    const log = createLogger({ write: options.write, fields: { requestId } });
    const problems = error instanceof ConfigError ? error.problems : undefined;
    log.error('config_invalid', { message: error.message, problems });
    throw error;
  }
}

/**
 * Clients and sink survive across warm invocations of one instance (connection reuse), and are
 * rebuilt when the configuration changes. The fingerprint is a hash: no secret is kept twice.
 */
let warm: { fingerprint: string; vod: VodClient; sink: Sink } | undefined;

function partsFor(config: Config, log: Logger): { vod: VodClient; sink: Sink } {
  const fingerprint = createHash('sha256').update(JSON.stringify(config)).digest('hex');
  if (warm?.fingerprint === fingerprint) return warm;

  if (warm) {
    const old = warm.sink;
    old.close().catch((error: unknown) => log.warn('sink_close_failed', { error: toError(error) }));
  }
  warm = { fingerprint, vod: createVodClient(config.vod), sink: createSink(config.sink) };
  log.info('parts_created', {
    dialect: config.vod.api,
    endpoint: config.vod.endpoint.origin,
    sink: config.sink.kind,
    credentials: config.vod.credentials.source,
  });
  return warm;
}

/** Closes the warm parts (tests and the operator command; SCF simply freezes the instance). */
export async function closeWarmParts(): Promise<void> {
  const parts = warm;
  warm = undefined;
  await parts?.sink.close();
}
