// A COS stand-in for tests: a real HTTP server on loopback holding one bucket in memory. It
// checks every request's signature with the official SDK's own signer (an implementation
// independent of ours), the session token when configured for temporary keys, and the body's
// MD5; it answers errors as COS does, in XML. Admin routes under /_standin/ list and read objects.

import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import COS from 'cos-nodejs-sdk-v5';

export interface CosStandInOptions {
  port?: number;
  bucket?: string;
  secretId?: string;
  secretKey?: string;
  /** When set, the keys are temporary: every request must carry this x-cos-security-token. */
  token?: string;
}

/** The key pair the stand-in accepts unless told otherwise. Not a real credential. */
export const STANDIN_CREDENTIALS = {
  secretId: 'AKIDcosstandinLOCALONLY',
  secretKey: 'cos-standin-local-secret-key',
};

export interface StoredObject {
  body: Buffer;
  contentType: string;
  metadata: Record<string, string>;
  etag: string;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export class CosStandIn {
  readonly objects = new Map<string, StoredObject>();
  /** Requests answered, by method and status: lets tests see what the sink actually did. */
  readonly requests: { method: string; key: string; status: number }[] = [];
  private readonly options: Required<Omit<CosStandInOptions, 'token' | 'port'>> & {
    token?: string;
  };

  private constructor(
    private readonly server: http.Server,
    options: CosStandInOptions,
  ) {
    this.options = {
      bucket: options.bucket ?? 'vod-events-1250000000',
      secretId: options.secretId ?? STANDIN_CREDENTIALS.secretId,
      secretKey: options.secretKey ?? STANDIN_CREDENTIALS.secretKey,
      token: options.token,
    };
  }

  static async start(options: CosStandInOptions = {}): Promise<CosStandIn> {
    const server = http.createServer();
    const standIn = new CosStandIn(server, options);
    server.on('request', (req, res) => void standIn.serve(req, res));
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
    return standIn;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  get bucket(): string {
    return this.options.bucket;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const isAdmin = url.pathname.startsWith('/_standin/');
    let answer: Answer;
    try {
      const body = await readBody(req);
      answer = isAdmin ? this.admin(url) : this.cos(req, url, body, requestId);
    } catch (error) {
      answer = xmlError(500, 'InternalError', (error as Error).message, requestId);
    }

    if (!isAdmin) {
      const key = safeDecode(url.pathname).slice(1);
      this.requests.push({ method: req.method ?? '', key, status: answer.status });
    }
    res.writeHead(answer.status, { 'x-cos-request-id': requestId, ...answer.headers });
    res.end(req.method === 'HEAD' ? undefined : answer.body);
  }

  /** The COS API proper: authenticate, then PUT, GET or HEAD one object. */
  private cos(req: http.IncomingMessage, url: URL, body: Buffer, requestId: string): Answer {
    const denied = this.authenticate(req, url, requestId);
    if (denied) return denied;

    const key = safeDecode(url.pathname).slice(1);
    switch (req.method) {
      case 'PUT':
        return this.putObject(req, key, body, requestId);
      case 'GET':
      case 'HEAD': {
        const object = this.objects.get(key);
        if (!object) return xmlError(404, 'NoSuchKey', 'The key does not exist.', requestId);
        return { status: 200, headers: objectHeaders(object), body: object.body };
      }
      default:
        return xmlError(405, 'MethodNotAllowed', `${req.method} is not served here`, requestId);
    }
  }

  private putObject(req: http.IncomingMessage, key: string, body: Buffer, requestId: string) {
    const md5 = header(req, 'content-md5');
    if (md5 !== undefined && md5 !== createHash('md5').update(body).digest('base64')) {
      return xmlError(400, 'InvalidDigest', 'The Content-MD5 does not match the body.', requestId);
    }

    const metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name.startsWith('x-cos-meta-') && typeof value === 'string') metadata[name] = value;
    }
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    const contentType = header(req, 'content-type') ?? 'application/octet-stream';
    this.objects.set(key, { body, contentType, metadata, etag });
    return { status: 200, headers: { etag } };
  }

  /**
   * Checks the Authorization header as COS does: known key id, signature time covering now,
   * host among the signed headers, the signature recomputed from what arrived, then the token.
   */
  private authenticate(
    req: http.IncomingMessage,
    url: URL,
    requestId: string,
  ): Answer | undefined {
    const deny = (code: string, message: string) => xmlError(403, code, message, requestId);
    const authorization = header(req, 'authorization');
    if (!authorization) return deny('AccessDenied', 'Authorization header is missing.');

    const fields = authorizationFields(authorization);
    const field = (name: string) => fields.get(name) ?? '';
    if (field('q-sign-algorithm') !== 'sha1') return deny('AccessDenied', 'Unknown algorithm.');
    if (field('q-ak') !== this.options.secretId) {
      return deny('InvalidAccessKeyId', 'The access key Id you provided does not exist.');
    }

    const [start, end] = field('q-sign-time').split(';').map(Number);
    const now = Date.now() / 1000;
    if (!(start !== undefined && end !== undefined && start <= now && now <= end)) {
      return deny('AccessDenied', 'Request has expired or is not yet valid.');
    }

    const signedHeaders = field('q-header-list').split(';').filter(Boolean);
    if (!signedHeaders.includes('host')) return deny('AccessDenied', 'Host must be signed.');
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) headers[name] = header(req, name) ?? '';
    const query: Record<string, string> = {};
    for (const name of field('q-url-param-list').split(';').filter(Boolean)) {
      query[name] = url.searchParams.get(name) ?? '';
    }

    const expected = COS.getAuthorization({
      SecretId: this.options.secretId,
      SecretKey: this.options.secretKey,
      Method: (req.method ?? 'GET').toLowerCase() as COS.Method,
      Pathname: safeDecode(url.pathname),
      Query: query,
      Headers: headers,
      KeyTime: field('q-key-time'),
    });
    const wanted = authorizationFields(expected).get('q-signature');
    if (field('q-signature') !== wanted || field('q-sign-time') !== field('q-key-time')) {
      return deny('SignatureDoesNotMatch', 'The calculated signature does not match.');
    }

    // Temporary keys are worthless without their token. Real COS's code for a missing token
    // is unconfirmed here; the status (403) is what callers may rely on.
    const token = header(req, 'x-cos-security-token');
    if (this.options.token !== undefined && token !== this.options.token) {
      return deny('AccessDenied', 'The security token is missing or wrong for these keys.');
    }
    return undefined;
  }

  /** Test-only routes: list keys under a prefix, read one object's bytes and metadata. */
  private admin(url: URL): Answer {
    if (url.pathname === '/_standin/objects') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const keys = [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
      return json(200, { bucket: this.bucket, keys });
    }
    if (url.pathname === '/_standin/object') {
      const key = url.searchParams.get('key') ?? '';
      const object = this.objects.get(key);
      if (!object) return json(404, { error: `no object ${key}` });
      return json(200, {
        key,
        body: object.body.toString('utf8'),
        contentType: object.contentType,
        metadata: object.metadata,
        etag: object.etag,
      });
    }
    if (url.pathname === '/_standin/requests') return json(200, { requests: this.requests });
    return json(404, { error: 'unknown admin route' });
  }
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function authorizationFields(text: string): Map<string, string> {
  const pairs = text.split('&').map((part) => {
    const at = part.indexOf('=');
    return [part.slice(0, at), part.slice(at + 1)] as const;
  });
  return new Map(pairs);
}

function objectHeaders(object: StoredObject): Record<string, string> {
  return {
    'content-type': object.contentType,
    'content-length': String(object.body.length),
    etag: object.etag,
    ...object.metadata,
  };
}

function xmlError(status: number, code: string, message: string, requestId: string): Answer {
  const body = "<?xml version='1.0' encoding='utf-8' ?>\n"
    + `<Error><Code>${code}</Code><Message>${message}</Message>`
    + `<RequestId>${requestId}</RequestId></Error>`;
  return { status, headers: { 'content-type': 'application/xml' }, body };
}

function json(status: number, value: unknown): Answer {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
