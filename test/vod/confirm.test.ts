// Confirm chunking and splitting: pure logic over a recording stand-in for one request.

import { describe, expect, it } from 'vitest';
import { VodError } from '../../lib/errors';
import { confirmHandles } from '../../lib/vod/confirm';

const handles = (n: number) => Array.from({ length: n }, (_, i) => `h${i}`);

/** A service that refuses any request naming one of `stale`, as ConfirmEvents does. */
function service(stale: Set<string>, failures: VodError[] = []) {
  const requests: string[][] = [];
  const send = async (chunk: readonly string[]) => {
    requests.push([...chunk]);
    const failure = failures.shift();
    if (failure) throw failure;
    if (chunk.some((h) => stale.has(h))) {
      throw new VodError('expired_handle', 'late', { action: 'ConfirmEvents', handles: chunk });
    }
  };
  return { send, requests };
}

describe('confirming handles', () => {
  it('sends at most 16 handles per request', async () => {
    const { send, requests } = service(new Set());

    const result = await confirmHandles(handles(40), send);

    expect(requests.map((r) => r.length)).toEqual([16, 16, 8]);
    expect(result.confirmed).toHaveLength(40);
  });

  it('splits a refused chunk so one stale handle does not block its siblings', async () => {
    const { send } = service(new Set(['h5']));

    const result = await confirmHandles(handles(16), send);

    expect(result.rejected).toEqual(['h5']);
    expect(result.confirmed.sort()).toEqual(handles(16).filter((h) => h !== 'h5').sort());
    expect(result.failed).toEqual([]);
  });

  it('retries a transient failure and then confirms', async () => {
    const transient = new VodError('transient', 'InternalError', { action: 'ConfirmEvents' });
    const { send, requests } = service(new Set(), [transient]);

    const result = await confirmHandles(handles(3), send);

    expect(requests).toHaveLength(2);
    expect(result.confirmed).toHaveLength(3);
  });

  it('reports handles as failed when retries run out', async () => {
    const fail = () => new VodError('transient', 'down', { action: 'ConfirmEvents' });
    const { send } = service(new Set(), [fail(), fail(), fail(), fail()]);

    const result = await confirmHandles(handles(2), send);

    expect(result.failed).toEqual(['h0', 'h1']);
    expect(result.confirmed).toEqual([]);
  });
});
