// The legacy v2 dialect: PullVodEvent and ConfirmVodEvent (or PullEvent and ConfirmEvent) against
// /v2/index.php, signed with the v1 algorithm, over ky.

import ky, { type KyInstance } from 'ky';
import { z } from 'zod';
import type { VodConfig } from '../../config';
import type { PulledBatch } from '../../events/event';
import { anySignal } from '../../retry';
import {
  pullTimedOut,
  type ConfirmRequest,
  type ConfirmResult,
  type PullRequest,
  type VodClient,
} from '../client';
import { confirmHandles } from '../confirm';
import { codeError, malformedError, transportError } from './errors';
import { signRequest, type Params } from './sign';
import { PullReply, translateReply } from './translate';

/**
 * HTTP-level retries, inside one pull or one confirm attempt's time. Only quick failures are
 * worth it (a 503 from a gateway, a dropped connection): a timeout has used the call's time.
 * POST is retried on purpose: a repeated pull hands out events that come back anyway, and a
 * repeated confirm of a handle already confirmed is refused as unknown, never double-applied.
 * A Retry-After longer than the cap is cut to it: the call's own deadline still bounds all.
 */
const RETRY = {
  limit: 2,
  methods: ['post'],
  statusCodes: [408, 429, 500, 502, 503, 504],
  afterStatusCodes: [429, 503],
  maxRetryAfter: 2000,
  backoffLimit: 1000,
  delay: (attempt: number) => 100 * 2 ** (attempt - 1),
  jitter: true,
  retryOnTimeout: false,
};

/** The part of every reply we rely on before reading the rest. */
const Status = z.object({
  code: z.union([
    z.number().int(),
    z
      .string()
      .regex(/^-?\d+$/)
      .transform(Number),
  ]),
  message: z.string().nullish(),
  codeDesc: z.string().nullish(),
});

type Step = 'pull' | 'confirm';

interface CallOptions {
  timeoutMs: number;
  signal: AbortSignal | undefined;
  handles?: readonly string[];
}

export class V2Client implements VodClient {
  readonly dialect = 'v2' as const;
  private readonly http: KyInstance;

  constructor(private readonly config: VodConfig) {
    // POST with a form body rather than GET: the signature, SecretId and Token then never sit
    // in a URL, where proxies, access logs and error messages (ky's among them) record them.
    // The v1 string signs "POST" + host + path, the host being the Host header sent.
    this.http = ky.create({ method: 'post', retry: RETRY, throwHttpErrors: true });
  }

  async pull({ subAppId, signal }: PullRequest): Promise<PulledBatch> {
    const action = this.config.v2.actions.pull;
    const { pullTimeoutMs } = this.config;
    const timeout = AbortSignal.timeout(pullTimeoutMs);
    const reply = await this.call(action, 'pull', withSubApp({}, subAppId), {
      timeoutMs: pullTimeoutMs,
      signal: anySignal(signal, timeout),
    }).catch((error: unknown) => {
      throw timeout.aborted ? pullTimedOut(action, pullTimeoutMs, error) : error;
    });
    if (reply === 'empty') return { events: [], unconfirmable: [], requestId: undefined };

    const parsed = PullReply.safeParse(reply);
    if (!parsed.success) {
      throw malformedError(action, 'eventList is not a list of events', { cause: parsed.error });
    }
    return translateReply(parsed.data.eventList ?? [], subAppId);
  }

  confirm({ subAppId, handles, signal }: ConfirmRequest): Promise<ConfirmResult> {
    const action = this.config.v2.actions.confirm;
    return confirmHandles(
      handles,
      async (chunk, chunkSignal) => {
        const params = withSubApp(handleParams(chunk), subAppId);
        await this.call(action, 'confirm', params, {
          timeoutMs: this.config.confirmTimeoutMs,
          signal: chunkSignal,
          handles: chunk,
        });
      },
      signal,
    );
  }

  /**
   * One action, retries included, within `timeoutMs` (each attempt and all of them together)
   * and the caller's signal. Resolves with the reply when its code is 0, with `empty` for a
   * pull answered "resource missing"; throws a classified VodError otherwise.
   */
  private async call(
    action: string,
    step: Step,
    params: Params,
    { timeoutMs, signal, handles }: CallOptions,
  ): Promise<Record<string, unknown> | 'empty'> {
    let response: Response;
    let body: string;
    try {
      response = await this.http(this.config.endpoint, {
        timeout: timeoutMs,
        signal: anySignal(signal, AbortSignal.timeout(timeoutMs)),
        hooks: { beforeRequest: [(request) => this.signed(request, action, params)] },
      });
      body = await response.text();
    } catch (error) {
      throw transportError(error, action, handles);
    }

    const reply = parseJson(body);
    const status = Status.safeParse(reply);
    if (!status.success) {
      const what = reply === undefined ? describeBody(response, body) : 'reply has no code';
      throw malformedError(action, what, { httpStatus: response.status, handles });
    }

    const { code, message, codeDesc } = status.data;
    if (code === 0) return reply as Record<string, unknown>;
    const text = [codeDesc, message].filter(Boolean).join(' ');
    const error = codeError({ action, step, code, message: text, handles });
    if (error === 'empty') return error;
    throw error;
  }

  /** Signs every attempt afresh: a retry with the first attempt's Nonce is a replay (4500). */
  private signed(request: Request, action: string, params: Params): Request {
    const { credentials, region, v2 } = this.config;
    const form = signRequest({
      method: request.method,
      url: new URL(request.url),
      action,
      params,
      key: credentials,
      signatureMethod: v2.signatureMethod,
      region,
    });
    return new Request(request, { body: new URLSearchParams(form) });
  }
}

/** `msgHandle.1=...&msgHandle.2=...`, counted from 1 as the specification's examples are. */
function handleParams(handles: readonly string[]): Params {
  return Object.fromEntries(handles.map((handle, i) => [`msgHandle.${i + 1}`, handle]));
}

function withSubApp(params: Params, subAppId: number | undefined): Params {
  return subAppId === undefined ? params : { ...params, SubAppId: String(subAppId) };
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** A short, safe description of a body that is not JSON: its type and an HTML page's title. */
function describeBody(response: Response, body: string): string {
  const type = response.headers.get('content-type')?.split(';')[0] ?? 'no content-type';
  const title = /<title>([^<]{0,80})/i.exec(body)?.[1]?.trim();
  const page = title ? `, page "${title}"` : '';
  return `reply is not JSON (HTTP ${response.status}, ${type}, ${body.length} bytes${page})`;
}
