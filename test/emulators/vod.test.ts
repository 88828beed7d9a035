// The emulator refuses what the service refuses: checked over HTTP with the real SDK client.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CommonClient } from 'tencentcloud-sdk-nodejs-common';
import { EMULATOR_CREDENTIALS, type VodEmulator } from '../../emulators/vod/server';
import { startEmulator } from '../support/emulator';
import { concatFact, seedOf } from '../support/facts';

let emulator: VodEmulator;

function client(secretKey = EMULATOR_CREDENTIALS.secretKey) {
  const { host } = new URL(emulator.url);
  return new CommonClient(host, '2018-07-17', {
    credential: { secretId: EMULATOR_CREDENTIALS.secretId, secretKey },
    profile: { httpProfile: { endpoint: host, protocol: 'http://', reqTimeout: 10 } },
  });
}

type Pulled = { EventSet: { EventHandle: string }[] };

beforeAll(async () => {
  emulator = await startEmulator({ holdMs: 300, windowMs: 1000 });
});

beforeEach(() => emulator.reset());

afterAll(() => emulator.close());

describe('VOD emulator', () => {
  it('refuses a request signed with the wrong key', async () => {
    await expect(client('not-the-key').request('PullEvents', {})).rejects.toMatchObject({
      code: 'AuthFailure.SignatureFailure',
    });
  });

  it('holds an empty pull for its hold time, then answers empty', async () => {
    const started = Date.now();

    const reply = (await client().request('PullEvents', {})) as Pulled;

    expect(reply.EventSet).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });

  it('answers a waiting pull as soon as an event arrives', async () => {
    const pending = client().request('PullEvents', {}) as Promise<Pulled>;
    setTimeout(() => emulator.seed([seedOf(concatFact(1))]), 100);

    const reply = await pending;

    expect(reply.EventSet).toHaveLength(1);
  });

  it('returns at most 16 events per pull', async () => {
    emulator.seed(Array.from({ length: 20 }, (_, i) => seedOf(concatFact(i))));

    const first = (await client().request('PullEvents', {})) as Pulled;
    const second = (await client().request('PullEvents', {})) as Pulled;

    expect(first.EventSet).toHaveLength(16);
    expect(second.EventSet).toHaveLength(4);
  });

  it('redelivers after the window under a new handle and refuses the old one', async () => {
    emulator.seed([seedOf(concatFact(2))]);

    const first = (await client().request('PullEvents', {})) as Pulled;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = (await client().request('PullEvents', {})) as Pulled;
    const oldHandle = first.EventSet[0]?.EventHandle as string;
    const newHandle = second.EventSet[0]?.EventHandle as string;

    expect(newHandle).not.toBe(oldHandle);
    await expect(
      client().request('ConfirmEvents', { EventHandles: [oldHandle] }),
    ).rejects.toMatchObject({ code: 'InvalidParameterValue' });
    await expect(
      client().request('ConfirmEvents', { EventHandles: [newHandle] }),
    ).resolves.toBeDefined();
    expect(emulator.state()).toMatchObject({ confirmed: 1, deliveries: 2 });
  });

  it('refuses a confirm of more than 16 handles', async () => {
    const handles = Array.from({ length: 17 }, (_, i) => `h${i}`);

    await expect(
      client().request('ConfirmEvents', { EventHandles: handles }),
    ).rejects.toMatchObject({ code: 'InvalidParameterValue' });
  });

  it('counts the events waiting to be pulled', async () => {
    emulator.seed([seedOf(concatFact(3)), seedOf(concatFact(4))]);

    const reply = (await client().request('DescribeEventsState', {})) as {
      CountOfEventsToPull: number;
    };

    expect(reply.CountOfEventsToPull).toBe(2);
  });
});
