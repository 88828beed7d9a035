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

/** A run of this many characters of a secret counts as the secret (a truncated echo). */
const PREFIX_MATCH = 8;

/**
 * Replaces each secret wherever it appears: whole or cut short (a server quoting the first
 * characters of a token), and as it reads escaped in JSON, HTML, a URL or a form body.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const form of encodings(secret)) out = scrub(out, form);
  }
  return out;
}

function encodings(secret: string): Set<string> {
  const html = secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return new Set([
    secret,
    JSON.stringify(secret).slice(1, -1),
    html.replace(/"/g, '&quot;'),
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
  ]);
}

/** Replaces every place where `form`, or a prefix of it PREFIX_MATCH long or longer, stands. */
function scrub(text: string, form: string): string {
  const probe = form.slice(0, Math.min(PREFIX_MATCH, form.length));
  let out = '';
  let from = 0;
  for (let at = text.indexOf(probe); at >= 0; at = text.indexOf(probe, from)) {
    let length = probe.length;
    while (length < form.length && text[at + length] === form[length]) length += 1;
    out += `${text.slice(from, at)}***`;
    from = at + length;
  }
  return out + text.slice(from);
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
