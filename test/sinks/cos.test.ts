// The COS sink against the COS stand-in, a separate process on loopback that verifies every
// signature (with the official SDK's signer) and the session token of temporary keys.

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CosSinkConfig } from '../../lib/config';
import { buildEvent } from '../../lib/events/build';
import type { VodEvent } from '../../lib/events/event';
import { CosSink } from '../../lib/sinks/cos';
import { eventRecord, taskIndex } from '../../lib/sinks/record';
import { startCosStandIn, type StandInProcess } from '../support/cos';
import { TcpProxy } from '../support/tcp-proxy';

const TOKEN = 'stand-in-session-token';

describe('cos sink', () => {
  let standIn: StandInProcess;
  let prefix: string;

  const sinkWith = (overrides: Partial<CosSinkConfig> = {}): CosSink => new CosSink({
    kind: 'cos',
    bucket: standIn.bucket,
    region: 'ap-guangzhou',
    prefix,
    endpoint: new URL(standIn.url),
    credentials: {
      secretId: standIn.secretId,
      secretKey: standIn.secretKey,
      token: TOKEN,
      source: 'configured',
    },
    requestTimeoutMs: 2000,
    ...overrides,
  });
  const signal = () => AbortSignal.timeout(5000);

  beforeAll(async () => {
    standIn = await startCosStandIn({ token: TOKEN });
  });

  beforeEach(() => {
    prefix = `t-${randomBytes(4).toString('hex')}/`;
  });

  afterAll(() => standIn.stop());

  it('stores one object per event equal to its record, indexing outputs by task', async () => {
    const event = concat(1);

    const [outcome] = await sinkWith().write([event], signal());

    expect(outcome).toEqual({ status: 'stored' });
    expect(await standIn.keys(prefix)).toEqual([
      `${prefix}events/${event.key}.json`,
      `${prefix}tasks/${event.taskId}.json`,
    ]);
    const object = await standIn.object(`${prefix}events/${event.key}.json`);
    expect(JSON.parse(object?.body ?? '')).toEqual(eventRecord(event));
    expect(object?.metadata['x-cos-meta-stored-at']).toMatch(/^\d{4}-\d\d-\d\dT/);
    const task = await standIn.object(`${prefix}tasks/${event.taskId}.json`);
    expect(JSON.parse(task?.body ?? '')).toEqual(taskIndex(event));
  });

  it('writes a redelivered event once: duplicate, one object, the same bytes', async () => {
    const event = concat(2);
    const sink = sinkWith();
    await sink.write([event], signal());
    const before = await standIn.object(`${prefix}events/${event.key}.json`);

    const [again] = await sink.write([{ ...event, handle: 'another-handle' }], signal());

    expect(again).toEqual({ status: 'duplicate' });
    expect(await standIn.keys(`${prefix}events/`)).toHaveLength(1);
    expect((await standIn.object(`${prefix}events/${event.key}.json`))?.body).toBe(before?.body);
    const puts = (await standIn.requests())
      .filter((r) => r.method === 'PUT' && r.key === `${prefix}events/${event.key}.json`);
    expect(puts).toHaveLength(1);
  });

  it('is refused with 403 SignatureDoesNotMatch under a wrong key, storing nothing', async () => {
    const sink = sinkWith({
      credentials: {
        secretId: standIn.secretId,
        secretKey: 'wrong',
        token: TOKEN,
        source: 'configured',
      },
    });

    const outcomes = await sink.write([concat(3), parkable()], signal());

    // A HEAD error has no body, so only its status is known; a PUT error names its code.
    expect(outcomes).toMatchObject([
      { status: 'failed', error: { details: { code: 'HTTP_403', retryable: false } } },
      {
        status: 'failed',
        error: { details: { code: 'SignatureDoesNotMatch', retryable: false } },
      },
    ]);
    expect(await standIn.keys(prefix)).toEqual([]);
    const statuses = (await standIn.requests()).slice(-2).map((r) => `${r.method} ${r.status}`);
    expect(statuses.sort()).toEqual(['HEAD 403', 'PUT 403']);
  });

  it('explains a 403 as an access problem, with the full object key and what to check',
    async () => {
      const event = concat(7);
      const wrongKey = 'wrong-secret-key-LOCALONLY';
      const sink = sinkWith({
        credentials: {
          secretId: standIn.secretId,
          secretKey: wrongKey,
          token: TOKEN,
          source: 'configured',
        },
      });

      const [outcome] = await sink.write([event], signal());

      expect(outcome?.status).toBe('failed');
      const message = outcome?.status === 'failed' ? outcome.error.message : '';
      expect(message).toContain(`cos HEAD ${prefix}events/${event.key}.json answered 403`);
      expect(message).toContain('access denied');
      for (const hint of [
        'SINK_COS_SECRET_ID',
        'SINK_COS_SECRET_KEY',
        'SINK_COS_SESSION_TOKEN',
        `${standIn.bucket} under ${prefix}`,
        'clock',
      ]) {
        expect(message).toContain(hint);
      }
      expect(message).not.toContain(wrongKey);
      expect(message).not.toContain(TOKEN);
    });

  it("points a 403 under the run role's keys at the role's COS permission", async () => {
    const sink = sinkWith({
      credentials: {
        secretId: standIn.secretId,
        secretKey: standIn.secretKey,
        source: 'run_role',
      },
    });

    const [outcome] = await sink.write([concat(8)], signal());

    const message = outcome?.status === 'failed' ? outcome.error.message : '';
    expect(message).toMatch(/^cos HEAD .* answered 403 .*access denied/);
    expect(message).toContain(`run role`);
    expect(message).toContain(`${standIn.bucket} under ${prefix}`);
    expect(message).not.toContain(standIn.secretKey);
  });

  it('is refused with 403 when temporary keys come without their session token', async () => {
    const sink = sinkWith({
      credentials: {
        secretId: standIn.secretId,
        secretKey: standIn.secretKey,
        source: 'run_role',
      },
    });

    const [outcome] = await sink.write([parkable()], signal());

    expect(outcome).toMatchObject({
      status: 'failed',
      error: { details: { code: 'AccessDenied', retryable: false } },
    });
    expect(await standIn.keys(prefix)).toEqual([]);
  });

  it('parks events with unsafe ids under the prefix, never keying outside it', async () => {
    const unsafe = ['../../etc/passwd', 'a\nb', '..'].map((fileId, i) => buildEvent({
      handle: `h${i}`,
      subAppId: undefined,
      type: 'NewFileUpload',
      fileId,
      content: { FileUploadEvent: { FileId: fileId } },
    }));
    const forged: VodEvent = { ...concat(4), key: 'ConcatComplete/../../../escape' };

    const outcomes = await sinkWith().write([...unsafe, forged], signal());

    expect(outcomes.map((o) => o.status)).toEqual(['parked', 'parked', 'parked', 'failed']);
    const everything = await standIn.keys('');
    const ours = everything.filter((key) => key.startsWith(prefix));
    expect(ours).toHaveLength(3);
    for (const key of ours) {
      const parkedKey = `^${prefix}parked/NewFileUpload/sha256-[0-9a-f]{32}\\.json$`;
      expect(key).toMatch(new RegExp(parkedKey));
    }
    expect(everything.some((key) => key.includes('..') || key.includes('passwd'))).toBe(false);
  });

  it('gives up on a black-holed endpoint by the write deadline', async () => {
    const standInUrl = new URL(standIn.url);
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(standInUrl.port) });
    const sink = sinkWith({ endpoint: new URL(`http://127.0.0.1:${proxy.port}`) });
    await proxy.cut('blackhole');

    const startedAt = Date.now();
    const outcomes = await sink.write([concat(5), concat(6)], AbortSignal.timeout(500));
    const tookMs = Date.now() - startedAt;
    await proxy.close();

    expect(tookMs).toBeLessThan(1000);
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'failed']);
    const timedOut = { error: { details: { code: 'TIMEOUT', retryable: true } } };
    expect(outcomes[0]).toMatchObject(timedOut);
  });
});

function concat(n: number): VodEvent {
  const taskId = `1400${String(n).padStart(6, '0')}-ConcatFile-cos`;
  return buildEvent({
    handle: `handle-${n}`,
    subAppId: 1500000001,
    type: 'ConcatComplete',
    taskId,
    outputs: [
      {
        fileId: `5285890798${n}`,
        url: `http://x.vod2.myqcloud.com/${n}.m3u8`,
        fileType: 'm3u8',
        ok: true,
        message: null,
      },
    ],
    content: { TaskId: taskId, Note: `snowman \u2603 ${n}` },
  });
}

function parkable(): VodEvent {
  return buildEvent({
    handle: 'h-parkable',
    subAppId: undefined,
    type: 'ConcatComplete',
    content: { broken: true },
    problem: 'FileInfoSet is missing',
  });
}
