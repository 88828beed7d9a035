// The SCF API 3.0 as the deploy needs it: the few actions it calls, their replies checked, and
// every refusal turned into a DeployError that says which permission or setting is wrong.

import http from 'node:http';
import https from 'node:https';
import { CommonClient } from 'tencentcloud-sdk-nodejs-common';
import { z } from 'zod';
import { DeployError } from './errors';

export const SCF_HOST = 'scf.tencentcloudapi.com';
const API_VERSION = '2018-04-16';

/** Seconds one API call may take; a code upload of a few hundred KB fits easily. */
const REQUEST_TIMEOUT_S = 60;

export interface ScfTarget {
  /** Empty: the public endpoint. Else an http(s) URL; plain http only on loopback. */
  endpoint: string;
  region: string;
}

export interface DeployCredentials {
  secretId: string;
  secretKey: string;
  token?: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Where the calls go. Plain http would carry signed requests in clear: loopback only. */
export function endpointOf(target: ScfTarget): URL {
  if (target.endpoint === '') return new URL(`https://${SCF_HOST}`);

  let url: URL;
  try {
    url = new URL(target.endpoint);
  } catch (cause) {
    throw new DeployError('invalid_props', 'endpoint: must be an absolute URL', { cause });
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return url;
  throw new DeployError('invalid_props', 'endpoint: must be https://, or http:// on loopback');
}

export class ScfApi {
  private readonly sdk: CommonClient;

  constructor(target: ScfTarget, credentials: DeployCredentials) {
    const url = endpointOf(target);
    // Our own agent, so the SDK's reading of http_proxy (which ignores NO_PROXY) never applies.
    const agent = url.protocol === 'http:' ? new http.Agent() : new https.Agent();

    this.sdk = new CommonClient(url.host, API_VERSION, {
      credential: {
        secretId: credentials.secretId,
        secretKey: credentials.secretKey,
        token: credentials.token,
      },
      region: target.region,
      profile: {
        language: 'en-US',
        httpProfile: {
          endpoint: url.host,
          protocol: `${url.protocol}//`,
          reqTimeout: REQUEST_TIMEOUT_S,
          agent,
        },
      },
    });
  }

  /** Calls `action`; resolves to the reply checked against `reply`, throws a DeployError. */
  async call<T>(action: string, params: object, reply: z.ZodType<T>): Promise<T> {
    let raw: unknown;
    try {
      raw = await this.sdk.request(action, params);
    } catch (thrown) {
      throw toDeployError(action, thrown);
    }

    const parsed = reply.safeParse(raw);
    if (parsed.success) return parsed.data;
    const problem = parsed.error.issues[0];
    throw new DeployError(
      'api_error',
      `${action}: unexpected reply (${problem?.path.join('.') || 'body'}: ${problem?.message})`,
      { action, requestId: requestIdOf(raw) },
    );
  }
}

/** The error codes of a missing function, across API generations. */
export const FUNCTION_NOT_FOUND = ['ResourceNotFound.Function', 'ResourceNotFound.FunctionName'];
/** The error codes of a function that already exists. */
export const FUNCTION_EXISTS = ['ResourceInUse.Function', 'ResourceInUse.FunctionName'];

function toDeployError(action: string, thrown: unknown): DeployError {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  const fields = error as Error & { code?: unknown; requestId?: unknown };
  const apiCode = typeof fields.code === 'string' ? fields.code : undefined;
  const requestId = typeof fields.requestId === 'string' && fields.requestId
    ? fields.requestId
    : undefined;
  const details = { action, apiCode, requestId, cause: error };
  const quote = requestId ? ` (RequestId ${requestId})` : '';

  const denied = apiCode?.startsWith('UnauthorizedOperation')
    || apiCode === 'AuthFailure.UnauthorizedOperation';
  if (denied) {
    return new DeployError(
      'permission_denied',
      `SCF refused ${action} with ${apiCode}: the deploying key lacks the permission `
        + `scf:${action}. Grant it (policies/deployer.json) and deploy again${quote}.`,
      details,
    );
  }
  if (apiCode?.startsWith('AuthFailure')) {
    return new DeployError(
      'auth_failed',
      `SCF refused the deploying key on ${action} with ${apiCode}: check the SecretId and `
        + `SecretKey in vod_drain_serverless_devs_key, and this machine's clock${quote}.`,
      details,
    );
  }
  const what = apiCode ?? (error.name === 'TypeError' ? 'network error' : error.name);
  const message = `${action} failed (${what}): ${error.message}${quote}`;
  return new DeployError('api_error', message, details);
}

function requestIdOf(raw: unknown): string | undefined {
  const id = (raw as { RequestId?: unknown } | null)?.RequestId;
  return typeof id === 'string' ? id : undefined;
}
