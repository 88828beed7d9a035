// Logs are events: one JSON object per stdout line (one CLS record each), a snake_case `event`
// name, the request id, counts and ids. Secret values registered here never leave the process.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger whose lines also carry `fields`. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Values that must never be printed (keys, tokens, passwords); replaced by `***`. */
  secrets?: readonly string[];
  /** Where lines go; stdout by default. */
  write?: (line: string) => void;
  fields?: LogFields;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 4);
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const base = options.fields ?? {};

  const emit = (level: LogLevel, event: string, fields: LogFields = {}) => {
    if (LEVELS[level] < threshold) return;
    const line = JSON.stringify({ level, event, ...base, ...fields }, errorReplacer);
    write(redact(line, secrets));
  };

  return {
    debug: (event, fields) => emit('debug', event, fields),
    info: (event, fields) => emit('info', event, fields),
    warn: (event, fields) => emit('warn', event, fields),
    error: (event, fields) => emit('error', event, fields),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/**
 * Replaces every occurrence of each secret, also as it reads escaped in JSON and encoded in a
 * URL or a form body (a server may echo a request back in its error).
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    const forms = new Set([
      secret,
      JSON.stringify(secret).slice(1, -1),
      encodeURIComponent(secret),
      new URLSearchParams({ s: secret }).toString().slice(2),
    ]);
    for (const form of forms) out = out.split(form).join('***');
  }
  return out;
}

/** Errors print as name, message, code and cause chain: never a stack at info level. */
function errorReplacer(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const { name, message } = value;
  const extra = value as unknown as Record<string, unknown>;
  return {
    name,
    message,
    ...(typeof extra.kind === 'string' ? { kind: extra.kind } : {}),
    ...(extra.code !== undefined ? { code: extra.code } : {}),
    ...(typeof extra.requestId === 'string' && extra.requestId
      ? { requestId: extra.requestId }
      : {}),
    ...(value.cause !== undefined ? { cause: value.cause } : {}),
  };
}
