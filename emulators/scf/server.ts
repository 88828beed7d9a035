// A local stand-in for the SCF API 3.0 (version 2018-04-16) on 127.0.0.1: checks TC3 signatures,
// keeps functions and timer triggers, and is busy for a while after each change, like SCF.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyTc3, type KeyPair } from '../tc3';
import {
  functionKey,
  readCode,
  snapshot,
  statusOf,
  type Stats,
  type StoredFunction,
  type StoredTrigger,
} from './state';

export const SCF_VERSION = '2018-04-16';

export interface ScfEmulatorOptions {
  /** Accepted keys, by SecretId. */
  keys: Record<string, KeyPair>;
  /** How long a function stays Creating or Updating after a change. */
  busyMs?: number;
  /** Actions to refuse with UnauthorizedOperation.CAM, as a key without that permission. */
  refuse?: Iterable<string>;
  port?: number;
}

export interface ScfEmulator {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  state(): ReturnType<typeof snapshot>;
  /** Refuses `actions` from now on (replaces the earlier list). */
  refuse(actions: Iterable<string>): void;
  close(): Promise<void>;
}

/** The runtimes the stand-in accepts; SCF's newest Node.js runtime among them. */
const RUNTIMES = new Set(['Nodejs20.19', 'Nodejs18.15', 'Nodejs16.13']);
const RESERVED_PREFIXES = ['SCF_', 'QCLOUD_', 'TENCENTCLOUD_'];
const ENV_LIMIT_BYTES = 4096;
const FUNCTION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$/;

/** An API error, answered as HTTP 200 with Response.Error, the way API 3.0 does. */
class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Params = Record<string, unknown>;

export async function startScfEmulator(options: ScfEmulatorOptions): Promise<ScfEmulator> {
  const busyMs = options.busyMs ?? 200;
  let refused = new Set(options.refuse ?? []);
  const functions = new Map<string, StoredFunction>();
  const stats: Stats = {
    calls: {},
    busyPolls: 0,
    refusedWhileBusy: 0,
    refusedPermission: 0,
    authFailures: 0,
  };

  const handlers: Record<string, (region: string, p: Params) => Params> = {
    GetFunction: (region, p) => describe(existing(region, p)),
    CreateFunction: (region, p) => createFunction(region, p),
    UpdateFunctionConfiguration: (region, p) => updateConfiguration(region, p),
    UpdateFunctionCode: (region, p) => updateCode(region, p),
    ListTriggers: (region, p) => listTriggers(existing(region, p), p),
    CreateTrigger: (region, p) => createTrigger(region, p),
    DeleteTrigger: (region, p) => deleteTrigger(region, p),
  };

  function existing(region: string, p: Params): StoredFunction {
    const name = text(p, 'FunctionName');
    const fn = functions.get(functionKey(region, namespaceOf(p), name));
    if (!fn) throw new ApiError('ResourceNotFound.Function', `function ${name} does not exist`);
    return fn;
  }

  /** The function, provided it is Active; SCF refuses changes while one is under way. */
  function changeable(region: string, p: Params, action: string): StoredFunction {
    const fn = existing(region, p);
    const status = statusOf(fn);
    if (status !== 'Active') {
      stats.refusedWhileBusy += 1;
      throw new ApiError(
        `FailedOperation.${action}`,
        `the function is ${status}; try again when it is Active`,
      );
    }
    return fn;
  }

  function describe(fn: StoredFunction): Params {
    const status = statusOf(fn);
    if (status !== 'Active') stats.busyPolls += 1;
    return {
      FunctionName: fn.name,
      Namespace: fn.namespace,
      Status: status,
      StatusDesc: '',
      StatusReasons: [],
      Runtime: fn.runtime,
      Handler: fn.handler,
      Timeout: fn.timeout,
      MemorySize: fn.memorySize,
      Role: fn.role,
      Description: fn.description,
      CodeSize: fn.code.zipBytes,
      Environment: {
        Variables: Object.entries(fn.environment).map(([Key, Value]) => ({ Key, Value })),
      },
      Triggers: fn.triggers.map(triggerInfo),
    };
  }

  function createFunction(region: string, p: Params): Params {
    const name = text(p, 'FunctionName');
    if (!FUNCTION_NAME.test(name)) {
      throw new ApiError('InvalidParameterValue.FunctionName', `bad function name ${name}`);
    }
    const key = functionKey(region, namespaceOf(p), name);
    if (functions.has(key)) {
      throw new ApiError('ResourceInUse.Function', `function ${name} exists already`);
    }

    const handler = text(p, 'Handler');
    const code = codeOf(objectOf(p.Code).ZipFile, handler);
    const fn: StoredFunction = {
      region,
      namespace: namespaceOf(p),
      name,
      runtime: 'Python2.7',
      handler,
      timeout: 3,
      memorySize: 128,
      role: '',
      description: '',
      environment: {},
      code,
      triggers: [],
      busyUntil: Date.now() + busyMs,
      busyStatus: 'Creating',
      codeUploads: 1,
      configurationUpdates: 0,
    };
    applyConfiguration(fn, p);
    functions.set(key, fn);
    return {};
  }

  function updateConfiguration(region: string, p: Params): Params {
    const fn = changeable(region, p, 'UpdateFunctionConfiguration');
    applyConfiguration(fn, p);
    fn.configurationUpdates += 1;
    markBusy(fn);
    return {};
  }

  function updateCode(region: string, p: Params): Params {
    const fn = changeable(region, p, 'UpdateFunctionCode');
    const handler = p.Handler === undefined ? fn.handler : text(p, 'Handler');
    fn.code = codeOf(p.ZipFile ?? objectOf(p.Code).ZipFile, handler);
    fn.handler = handler;
    fn.codeUploads += 1;
    markBusy(fn);
    return {};
  }

  function listTriggers(fn: StoredFunction, p: Params): Params {
    const offset = Number(p.Offset ?? 0);
    const limit = Number(p.Limit ?? 20);
    return {
      TotalCount: fn.triggers.length,
      Triggers: fn.triggers.slice(offset, offset + limit).map(triggerInfo),
    };
  }

  function createTrigger(region: string, p: Params): Params {
    const fn = changeable(region, p, 'CreateTrigger');
    const name = text(p, 'TriggerName');
    const type = text(p, 'Type');
    if (type !== 'timer') {
      throw new ApiError('InvalidParameterValue.Type', 'this stand-in keeps timer triggers only');
    }
    const cron = text(p, 'TriggerDesc').trim();
    if (cron.split(/\s+/).length !== 7) {
      throw new ApiError('InvalidParameterValue.TriggerDesc', 'a timer cron has seven fields');
    }
    if (fn.triggers.some((t) => t.name === name && t.type === type)) {
      throw new ApiError('ResourceInUse.Trigger', `trigger ${name} exists already`);
    }

    const enable = p.Enable === undefined ? 'OPEN' : text(p, 'Enable');
    const trigger: StoredTrigger = {
      name,
      type,
      cron,
      enabled: enable === 'OPEN',
      addedAt: new Date().toISOString(),
    };
    fn.triggers.push(trigger);
    return { TriggerInfo: triggerInfo(trigger) };
  }

  function deleteTrigger(region: string, p: Params): Params {
    const fn = changeable(region, p, 'DeleteTrigger');
    const name = text(p, 'TriggerName');
    const type = text(p, 'Type');
    const index = fn.triggers.findIndex((t) => t.name === name && t.type === type);
    if (index < 0) throw new ApiError('ResourceNotFound.Trigger', `no ${type} trigger ${name}`);
    fn.triggers.splice(index, 1);
    return {};
  }

  function markBusy(fn: StoredFunction): void {
    fn.busyUntil = Date.now() + busyMs;
    fn.busyStatus = 'Updating';
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const requestId = randomUUID();
    try {
      const result = answer(request, body);
      reply(response, { ...result, RequestId: requestId });
    } catch (thrown) {
      const error = thrown instanceof ApiError
        ? thrown
        : new ApiError('InternalError', String(thrown instanceof Error ? thrown.message : thrown));
      const failure = { Code: error.code, Message: error.message };
      reply(response, { Error: failure, RequestId: requestId });
    }
  }

  function answer(request: IncomingMessage, body: Buffer): Params {
    const verdict = verifyTc3(
      {
        method: request.method ?? 'POST',
        url: request.url ?? '/',
        headers: request.headers,
        body,
      },
      (secretId) => options.keys[secretId],
    );
    if (!verdict.ok) {
      stats.authFailures += 1;
      throw new ApiError(verdict.code, verdict.message);
    }

    const action = verdict.action ?? '';
    const version = header(request, 'x-tc-version');
    if (version !== SCF_VERSION) {
      throw new ApiError('InvalidParameterValue', `version ${version} is not ${SCF_VERSION}`);
    }
    const region = header(request, 'x-tc-region');
    if (!region) throw new ApiError('MissingParameter', 'the Region parameter is required');

    const handler = handlers[action];
    if (!handler) throw new ApiError('InvalidAction', `action ${action} is not supported here`);
    if (refused.has(action)) {
      stats.refusedPermission += 1;
      throw new ApiError(
        'UnauthorizedOperation.CAM',
        `CAM authentication failed: not authorized to perform operation (scf:${action})`,
      );
    }

    stats.calls[action] = (stats.calls[action] ?? 0) + 1;
    return handler(region, parseParams(body));
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    state: () => snapshot(functions, stats),
    refuse: (actions) => {
      refused = new Set(actions);
    },
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** Checks and applies the settings UpdateFunctionConfiguration and CreateFunction share. */
function applyConfiguration(fn: StoredFunction, p: Params): void {
  if (p.Runtime !== undefined) {
    const runtime = text(p, 'Runtime');
    if (!RUNTIMES.has(runtime)) {
      throw new ApiError('InvalidParameterValue.Runtime', `runtime ${runtime} is not offered`);
    }
    fn.runtime = runtime;
  }
  if (p.Timeout !== undefined) {
    const timeout = Number(p.Timeout);
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 900) {
      throw new ApiError('InvalidParameterValue.Timeout', 'timeout is 1 to 900 seconds');
    }
    fn.timeout = timeout;
  }
  if (p.MemorySize !== undefined) {
    const mb = Number(p.MemorySize);
    if (!(mb === 64 || (mb >= 128 && mb <= 3072 && mb % 128 === 0))) {
      throw new ApiError('InvalidParameterValue.MemorySize', 'memory is 64, or 128-3072 by 128');
    }
    fn.memorySize = mb;
  }
  if (p.Role !== undefined) fn.role = text(p, 'Role');
  if (p.Description !== undefined) fn.description = text(p, 'Description');
  if (p.Environment !== undefined) fn.environment = environmentOf(p.Environment);
}

function environmentOf(raw: unknown): Record<string, string> {
  const list = objectOf(raw).Variables ?? [];
  if (!Array.isArray(list)) {
    throw new ApiError('InvalidParameterValue.Environment', 'Variables must be a list');
  }

  const vars: Record<string, string> = {};
  let bytes = 0;
  for (const item of list as Params[]) {
    const key = String(item.Key ?? '');
    const value = String(item.Value ?? '');
    if (RESERVED_PREFIXES.some((prefix) => key.toUpperCase().startsWith(prefix))) {
      throw new ApiError('InvalidParameterValue.Environment', `key ${key} is reserved`);
    }
    bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
    vars[key] = value;
  }
  if (bytes > ENV_LIMIT_BYTES) {
    throw new ApiError('InvalidParameterValue.Environment', 'environment exceeds 4 KB');
  }
  return vars;
}

/** The uploaded code, which must hold the handler's file at the root of the zip. */
function codeOf(zipFile: unknown, handler: string): StoredFunction['code'] {
  if (typeof zipFile !== 'string' || zipFile === '') {
    throw new ApiError('InvalidParameterValue.Code', 'ZipFile (base64) is required');
  }
  let code: StoredFunction['code'];
  try {
    code = readCode(zipFile);
  } catch (error) {
    throw new ApiError('InvalidParameterValue.Code', (error as Error).message);
  }

  const entry = `${handler.split('.')[0]}.js`;
  if (!code.entries.includes(entry)) {
    throw new ApiError(
      'InvalidParameterValue.Handler',
      `handler ${handler} needs ${entry} at the zip's root; it holds ${code.entries.join(', ')}`,
    );
  }
  return code;
}

/** Timer descriptions are answered as JSON {"cron": ...}, as SCF has been seen to do. */
function triggerInfo(t: StoredTrigger): Params {
  return {
    TriggerName: t.name,
    Type: t.type,
    TriggerDesc: JSON.stringify({ cron: t.cron }),
    Enable: t.enabled ? 1 : 0,
    AddTime: t.addedAt,
    ModTime: t.addedAt,
  };
}

function parseParams(body: Buffer): Params {
  try {
    const parsed = JSON.parse(body.toString('utf8') || '{}') as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Params;
  } catch {
    // Answered below.
  }
  throw new ApiError('InvalidParameter', 'the body must be a JSON object');
}

function text(p: Params, name: string): string {
  const value = p[name];
  if (typeof value !== 'string') throw new ApiError('MissingParameter', `${name} is required`);
  return value;
}

function objectOf(value: unknown): Params {
  return value && typeof value === 'object' ? (value as Params) : {};
}

function namespaceOf(p: Params): string {
  return typeof p.Namespace === 'string' && p.Namespace ? p.Namespace : 'default';
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function reply(response: ServerResponse, body: Params): void {
  const json = JSON.stringify({ Response: body });
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(json);
}
