// The local VOD emulator: a real HTTP server on loopback that speaks the event queue's API the
// way the service does (signatures, long poll, 16 per pull, handle window, redelivery), plus an
// admin API under /_emulator/ for seeding, inspecting and arming faults.

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import type { KeyPair } from '../tc3';
import { handleApi3 } from './api3';
import { v2Dialect } from './v2';
import { FaultBook, VodFault } from './faults';
import {
  MAX_EVENTS_PER_PULL,
  json,
  type Dialect,
  type DialectContext,
  type EmptyEventSet,
  type Reply,
} from './dialect';
import { EventQueue, type Delivery, type QueueState, type SeedEvent } from './queue';

export interface EmulatorCredentials extends KeyPair {
  secretId: string;
}

export interface VodEmulatorOptions {
  port?: number;
  /** Longest an empty pull is held open; the service holds 5 s. */
  holdMs?: number;
  /** How long a handle stays valid; the service's is 30 s. */
  windowMs?: number;
  /** Key pairs the emulator accepts. */
  credentials?: EmulatorCredentials[];
  emptyEventSet?: EmptyEventSet;
}

/** The key pair the demo and tests use unless they bring their own. Not a real credential. */
export const EMULATOR_CREDENTIALS: EmulatorCredentials = {
  secretId: 'AKIDemulatorLOCALONLY',
  secretKey: 'emulator-local-secret-key',
};

const SeedBody = z.object({
  events: z.array(
    z.object({
      subAppId: z.number().int().positive().optional(),
      api3: z.record(z.string(), z.unknown()).optional(),
      v2: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
});

export class VodEmulator {
  readonly queue: EventQueue;
  readonly faults = new FaultBook();
  /** Requests served per action, faults included. */
  readonly calls: Record<string, number> = {};
  /** When each request arrived, in order: lets tests check a run's timing from outside. */
  readonly history: { action: string; at: number }[] = [];
  private readonly changed = new EventEmitter();
  private readonly dialects: Dialect[] = [handleApi3, v2Dialect()];
  private readonly keyPairs: Map<string, KeyPair>;
  private readonly holdMs: number;
  emptyEventSet: EmptyEventSet;

  private constructor(
    private readonly server: http.Server,
    options: VodEmulatorOptions,
  ) {
    this.holdMs = options.holdMs ?? 5000;
    this.emptyEventSet = options.emptyEventSet ?? 'array';
    this.queue = new EventQueue(options.windowMs ?? 30_000);
    const pairs = options.credentials ?? [EMULATOR_CREDENTIALS];
    this.keyPairs = new Map(
      pairs.map((p) => [p.secretId, { secretKey: p.secretKey, token: p.token }]),
    );
    this.changed.setMaxListeners(0);
  }

  static async start(options: VodEmulatorOptions = {}): Promise<VodEmulator> {
    const server = http.createServer();
    const emulator = new VodEmulator(server, options);
    server.on('request', (req, res) => void emulator.serve(req, res));
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
    return emulator;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  seed(events: readonly SeedEvent[]): void {
    this.queue.add(events);
    this.changed.emit('change');
  }

  state(): QueueState & { calls: Record<string, number>; faultsLeft: number } {
    return { ...this.queue.state(), calls: { ...this.calls }, faultsLeft: this.faults.remaining() };
  }

  arm(faults: readonly z.input<typeof VodFault>[]): void {
    this.faults.arm(faults);
  }

  reset(): void {
    this.queue.clear();
    this.faults.clear();
    for (const action of Object.keys(this.calls)) delete this.calls[action];
    this.history.length = 0;
  }

  async close(): Promise<void> {
    this.changed.emit('change');
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const body = await readBody(req);
      if (req.url?.startsWith('/_emulator/')) return send(res, this.admin(req, body));

      const action = actionOf(req, body);
      if (action) {
        this.calls[action] = (this.calls[action] ?? 0) + 1;
        this.history.push({ action, at: Date.now() });
      }
      const fault = action ? this.faults.take(action) : undefined;
      if (fault && (await this.injected(fault, req, res))) return;

      const context = this.contextFor(res);
      for (const dialect of this.dialects) {
        const answer = await dialect(req, body, context);
        if (answer) return send(res, answer.reply);
      }
      send(res, { status: 404, body: 'no dialect of the VOD API answers this path' });
    } catch (error) {
      send(res, { status: 500, body: `emulator error: ${(error as Error).message}` });
    }
  }

  private contextFor(res: http.ServerResponse): DialectContext {
    const closed = closedSignal(res);
    return {
      queue: this.queue,
      keys: (id) => this.keyPairs.get(id),
      poll: (subAppId, signal) => this.poll(subAppId, AbortSignal.any([signal, closed])),
      requestId: randomUUID,
      emptyEventSet: this.emptyEventSet,
    };
  }

  /** Plays an armed fault; true when it replaced the reply, false when the request goes on. */
  private async injected(
    fault: VodFault,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<boolean> {
    switch (fault.fault) {
      case 'drop':
        req.socket.destroy();
        return true;
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
        return false;
      case 'http_status':
        if (fault.retryAfterS !== undefined) res.setHeader('retry-after', `${fault.retryAfterS}`);
        send(res, { status: fault.status, body: fault.body ?? '' });
        return true;
      case 'garbage':
        send(res, { status: 200, body: fault.body, contentType: fault.contentType ?? 'text/html' });
        return true;
      case 'api_error': {
        const error = { Code: fault.code, Message: fault.message ?? `injected ${fault.code}` };
        send(res, json({ Response: { Error: error, RequestId: randomUUID() } }));
        return true;
      }
      case 'v2_error':
        send(res, json({ code: fault.code, message: fault.message ?? `injected ${fault.code}` }));
        return true;
    }
  }

  private async poll(subAppId: number | undefined, closed: AbortSignal): Promise<Delivery[]> {
    const until = Date.now() + this.holdMs;
    for (;;) {
      if (closed.aborted) return [];
      const taken = this.queue.take(subAppId, MAX_EVENTS_PER_PULL);
      if (taken.length > 0 || Date.now() >= until) return taken;

      const wakeAt = Math.min(until, this.queue.nextVisibleAt(subAppId) ?? until);
      await this.waitForChange(Math.max(1, wakeAt - Date.now()), closed);
    }
  }

  /** Resolves when events are seeded, when `ms` pass, or when the client goes away. */
  private waitForChange(ms: number, closed: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.changed.off('change', done);
        closed.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.changed.on('change', done);
      closed.addEventListener('abort', done, { once: true });
    });
  }

  private admin(req: http.IncomingMessage, body: Buffer): Reply {
    const route = `${req.method} ${req.url?.split('?')[0]}`;
    switch (route) {
      case 'POST /_emulator/events': {
        this.seed(SeedBody.parse(JSON.parse(body.toString('utf8'))).events);
        return json({ ok: true });
      }
      case 'POST /_emulator/faults': {
        this.arm(
          z.object({ faults: z.array(VodFault) }).parse(JSON.parse(body.toString('utf8'))).faults,
        );
        return json({ ok: true });
      }
      case 'GET /_emulator/state':
        return json(this.state());
      case 'POST /_emulator/reset':
        this.reset();
        return json({ ok: true });
      default:
        return { status: 404, body: `unknown admin route ${route}` };
    }
  }
}

/** The action a request names, in either dialect, for fault matching and counting. */
function actionOf(req: http.IncomingMessage, body: Buffer): string | undefined {
  const header = req.headers['x-tc-action'];
  if (typeof header === 'string') return header;
  const query = new URL(req.url ?? '/', 'http://emulator').searchParams.get('Action');
  if (query) return query;
  return new URLSearchParams(body.toString('utf8')).get('Action') ?? undefined;
}

function send(res: http.ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'text/plain' });
  res.end(reply.body);
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Aborts when the client's connection closes before the reply was sent. A client that left
 * during a delay fault has closed already: without the first check its request would still
 * poll, and take events nobody will receive.
 */
function closedSignal(res: http.ServerResponse): AbortSignal {
  const controller = new AbortController();
  if (res.destroyed || !res.socket || res.socket.destroyed) controller.abort();
  else res.on('close', () => controller.abort());
  return controller.signal;
}
