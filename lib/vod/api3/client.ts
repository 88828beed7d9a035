// The API 3.0 dialect: PullEvents, ConfirmEvents and DescribeEventsState through the official
// common SDK, which signs with TC3-HMAC-SHA256.

import http from 'node:http';
import https from 'node:https';
import { CommonClient } from 'tencentcloud-sdk-nodejs-common';
import { z } from 'zod';
import type { VodConfig } from '../../config';
import type { PulledBatch } from '../../events/event';
import { VodError } from '../../errors';
import {
  pullTimedOut,
  type ConfirmRequest,
  type ConfirmResult,
  type PullRequest,
  type VodClient,
} from '../client';
import { anySignal } from '../../retry';
import { confirmHandles } from '../confirm';
import { classifyApi3Error } from './errors';
import { PullReply, translateReply } from './translate';

const API_VERSION = '2018-07-17';

const StateReply = z.object({ CountOfEventsToPull: z.number().int().nonnegative() });

export class Api3Client implements VodClient {
  readonly dialect = 'api3' as const;
  private readonly sdk: CommonClient;

  constructor(private readonly config: VodConfig) {
    const { endpoint, credentials } = config;
    // Our own keep-alive agent: connections are reused across pulls, and the SDK's reading of
    // the lower-case http_proxy variable (which ignores NO_PROXY) never applies.
    const agent =
      endpoint.protocol === 'http:'
        ? new http.Agent({ keepAlive: true })
        : new https.Agent({ keepAlive: true });

    this.sdk = new CommonClient(endpoint.host, API_VERSION, {
      credential: {
        secretId: credentials.secretId,
        secretKey: credentials.secretKey,
        token: credentials.token,
      },
      region: config.region ?? '',
      profile: {
        httpProfile: {
          endpoint: endpoint.host,
          protocol: `${endpoint.protocol}//`,
          // The SDK's own timeout, in whole seconds, only backs up the abort signals below.
          reqTimeout: Math.ceil(config.pullTimeoutMs / 1000) + 1,
          agent,
        },
      },
    });
  }

  async pull({ subAppId, signal }: PullRequest): Promise<PulledBatch> {
    const timeout = AbortSignal.timeout(this.config.pullTimeoutMs);
    const reply = await this.call(
      'PullEvents',
      withSubApp({}, subAppId),
      anySignal(signal, timeout),
    ).catch((error: VodError) => {
      // Some clients read ResourceNotFound on a pull as "no events"; so do we.
      if (error.code === 'ResourceNotFound') return { EventSet: [] };
      if (timeout.aborted) throw pullTimedOut('PullEvents', this.config.pullTimeoutMs, error);
      throw error;
    });

    const parsed = PullReply.safeParse(reply);
    if (!parsed.success) {
      throw new VodError('malformed', 'PullEvents reply is not an EventSet list', {
        action: 'PullEvents',
        cause: parsed.error,
      });
    }
    return translateReply(parsed.data, subAppId);
  }

  confirm({ subAppId, handles, signal }: ConfirmRequest): Promise<ConfirmResult> {
    return confirmHandles(
      handles,
      async (chunk, chunkSignal) => {
        const params = withSubApp({ EventHandles: [...chunk] }, subAppId);
        await this.call('ConfirmEvents', params, chunkSignal, chunk);
      },
      signal,
    );
  }

  async countWaiting(subAppId: number | undefined, signal?: AbortSignal): Promise<number> {
    const reply = await this.call('DescribeEventsState', withSubApp({}, subAppId), signal);
    const parsed = StateReply.safeParse(reply);
    if (!parsed.success) {
      throw new VodError('malformed', 'DescribeEventsState reply has no CountOfEventsToPull', {
        action: 'DescribeEventsState',
        cause: parsed.error,
      });
    }
    return parsed.data.CountOfEventsToPull;
  }

  private async call(
    action: string,
    params: Record<string, unknown>,
    signal?: AbortSignal,
    handles?: readonly string[],
  ): Promise<unknown> {
    try {
      return await this.sdk.request(action, params, { signal });
    } catch (error) {
      throw classifyApi3Error(error, action, handles);
    }
  }
}

function withSubApp(params: Record<string, unknown>, subAppId: number | undefined) {
  return subAppId === undefined ? params : { ...params, SubAppId: subAppId };
}
