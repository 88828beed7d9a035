// The COS sink: one JSON object per event key in a bucket, in the shared layout under a
// configured prefix, written with ky and COS's own request signature (no SDK in the bundle).

import { createHash } from 'node:crypto';
import ky, { type KyInstance } from 'ky';
import type { CosSinkConfig } from '../config';
import type { VodEvent } from '../events/event';
import { SinkError, isAbort, toError } from '../errors';
import { cosAuthorization } from './cos-signature';
import { writeDocuments, type DocumentStore } from './documents';
import type { Sink, WriteOutcome } from './sink';

/** Signatures start a little in the past, so a clock slightly ahead of COS's still passes. */
const SIGN_FROM_PAST_S = 60;
const SIGN_VALID_S = 600;

export class CosSink implements Sink, DocumentStore {
  readonly kind = 'cos';
  private readonly http: KyInstance;

  constructor(private readonly config: CosSinkConfig) {
    this.http = ky.create({
      retry: 0,
      throwHttpErrors: false,
      timeout: config.requestTimeoutMs,
    });
  }

  /**
   * Stores each event unless its object already exists (lib/sinks/documents.ts).
   *
   * Idempotency is a HEAD before the PUT, not a conditional PUT: COS's overwrite guard is not
   * something every bucket mode honours, and the object's bytes are the same on every delivery.
   */
  write(events: readonly VodEvent[], signal: AbortSignal): Promise<WriteOutcome[]> {
    return writeDocuments(this, events, signal);
  }

  /** Nothing to end: requests share the runtime's keep-alive connections. */
  async close(): Promise<void> {}

  async exists(relative: string, signal: AbortSignal, key: string): Promise<boolean> {
    const response = await this.send('HEAD', relative, undefined, signal);
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw await this.error(response, 'HEAD', relative, key);
  }

  async put(relative: string, document: unknown, signal: AbortSignal, key: string) {
    const body = Buffer.from(`${JSON.stringify(document, null, 2)}\n`, 'utf8');
    const response = await this.send('PUT', relative, body, signal);
    if (response.status !== 200) throw await this.error(response, 'PUT', relative, key);
  }

  /**
   * A COS error reply as a SinkError: the full object key, the XML code (a HEAD reply has no
   * body, so only its status), and whether a retry may help. A 403 says what to check, since
   * its code alone (or none, for HEAD) leaves the operator guessing.
   */
  private async error(response: Response, method: string, relative: string, key: string) {
    const text = method === 'HEAD' ? '' : await response.text().catch(() => '');
    const code = /<Code>([^<]{1,100})<\/Code>/.exec(text)?.[1] ?? `HTTP_${response.status}`;
    const requestId = response.headers.get('x-cos-request-id') ?? undefined;
    const retryable = response.status >= 500 || response.status === 429;
    const message = `cos ${method} ${this.config.prefix}${relative} answered `
      + `${response.status} ${code}`
      + (requestId ? ` (request ${requestId})` : '')
      + (response.status === 403 ? `: ${this.accessHint()}` : '');
    return new SinkError('cos', message, { key, code, retryable });
  }

  /** What to check when COS refuses access: the keys in use, their permission, the clock. */
  private accessHint(): string {
    const { bucket, prefix, credentials } = this.config;
    const where = `${bucket} under ${prefix === '' ? 'the bucket root' : prefix}`;
    const clock = "and that this machine's clock is right (a signature holds for minutes)";
    if (credentials.source === 'run_role') {
      return `access denied. Check that the function's run role may read and write ${where} `
        + `on COS, ${clock}`;
    }
    return 'access denied. Check the keys in SINK_COS_SECRET_ID and SINK_COS_SECRET_KEY (else '
      + 'VOD_SECRET_ID and VOD_SECRET_KEY) and SINK_COS_SESSION_TOKEN for temporary keys, that '
      + `they may read and write ${where}, ${clock}`;
  }

  private send(
    method: 'HEAD' | 'PUT',
    relative: string,
    body: Buffer | undefined,
    signal: AbortSignal,
  ): Promise<Response> {
    const path = `/${this.config.prefix}${relative}`;
    const url = new URL(path, this.config.endpoint.origin);
    const headers: Record<string, string> = { host: url.host };
    if (body) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(body.length);
      headers['content-md5'] = createHash('md5').update(body).digest('base64');
      // Times live in metadata, never in the body: the body must be equal on every delivery.
      headers['x-cos-meta-stored-at'] = new Date().toISOString();
    }
    const { token } = this.config.credentials;
    if (token) headers['x-cos-security-token'] = token;

    const authorization = this.sign(method, path, headers);
    // fetch sets the host itself, from the URL: the signed value is that same host.
    const { host: _sentByFetch, ...sent } = headers;
    return this.http(url, { method, headers: { ...sent, authorization }, body, signal });
  }

  private sign(method: string, path: string, headers: Record<string, string>): string {
    const now = Math.floor(Date.now() / 1000);
    return cosAuthorization({
      secretId: this.config.credentials.secretId,
      secretKey: this.config.credentials.secretKey,
      method,
      path,
      headers,
      startTime: now - SIGN_FROM_PAST_S,
      endTime: now + SIGN_VALID_S,
    });
  }

  failure(thrown: unknown, key: string): SinkError {
    if (thrown instanceof SinkError) return thrown;
    const error = toError(thrown);
    const code = isAbort(error) ? 'TIMEOUT' : 'NETWORK';
    return new SinkError('cos', `cos write of ${key} failed: ${error.message}`, {
      key,
      code,
      retryable: true,
      cause: error,
    });
  }
}
