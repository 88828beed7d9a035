// Legacy v2 eventContent -> domain events, as pure functions: the three historical shapes,
// ClipComplete's single fileInfo object, unknown types, and ids that arrive as JSON numbers.

import { describe, expect, it } from 'vitest';
import { SPEC_CONCAT_FILES, specConcatSample } from '../../emulators/vod/samples';
import type { Unconfirmable, VodEvent } from '../../lib/events/event';
import { translateEvent as translateApi3 } from '../../lib/vod/api3/translate';
import { translateEvent, translateReply } from '../../lib/vod/v2/translate';
import { expected, keyMatches, mixedFacts, seedOf } from '../support/facts';

const SUB_APP = 1500000001;

function v2Event(eventContent: unknown, msgHandle: unknown = '9100000000000000001'): VodEvent {
  const result = translateEvent({ msgHandle, eventContent }, SUB_APP);
  if ('reason' in result) throw new Error(`unexpectedly unconfirmable: ${result.reason}`);
  return result;
}

describe('v2 translation', () => {
  it("reads the specification's concat_file as a ConcatComplete keyed by a content digest", () => {
    const content = specConcatSample().v2;

    const event = v2Event(content);
    const again = v2Event(content, '9100000000000000002');

    expect(event).toMatchObject({
      type: 'ConcatComplete',
      taskId: null,
      fileId: null,
      subAppId: SUB_APP,
      handle: '9100000000000000001',
      content,
      outputs: SPEC_CONCAT_FILES.map((file) => ({
        fileId: file.fileId,
        url: file.fileUrl,
        fileType: file.fileType,
        ok: true,
        message: null,
      })),
    });
    expect(event.problem).toBeUndefined();
    expect(event.key).toMatch(/^ConcatComplete\/sha256-[0-9a-f]{32}$/);
    expect(again.key).toBe(event.key);
  });

  it('marks every concat_file output failed when the status is not 0', () => {
    const event = v2Event({
      status: -1,
      message: 'source missing',
      eventType: 'concat_file',
      data: { fileInfo: [{ fileId: '', fileUrl: '', fileType: 'mp4' }] },
    });

    expect(event.outputs).toEqual([
      { fileId: null, url: null, fileType: 'mp4', ok: false, message: 'source missing' },
    ]);
  });

  it('reads a version 4.0 ConcatComplete with a status per file', () => {
    const event = v2Event({
      version: '4.0',
      eventType: 'ConcatComplete',
      data: {
        vodTaskId: '1400000123-ConcatFile-7b',
        status: 0,
        message: '',
        fileInfo: [
          { fileType: 'm3u8', status: 0, message: '', fileId: '52858907997100001', fileUrl: 'u' },
          { fileType: 'mp4', status: 4, message: 'no audio', fileId: '', fileUrl: '' },
        ],
      },
    });

    expect(event).toMatchObject({
      type: 'ConcatComplete',
      key: 'ConcatComplete/1400000123-ConcatFile-7b',
      taskId: '1400000123-ConcatFile-7b',
      fileId: null,
      outputs: [
        { fileId: '52858907997100001', url: 'u', fileType: 'm3u8', ok: true, message: null },
        { fileId: null, url: null, fileType: 'mp4', ok: false, message: 'no audio' },
      ],
    });
    expect(event.problem).toBeUndefined();
  });

  it('reads the oldest task "concatfile" shape as a ConcatComplete without files', () => {
    const event = v2Event({
      status: 0,
      message: '',
      task: 'concatfile',
      data: { vod_task_id: '1400000456-concatfile-1' },
    });

    expect(event).toMatchObject({
      type: 'ConcatComplete',
      key: 'ConcatComplete/1400000456-concatfile-1',
      taskId: '1400000456-concatfile-1',
      outputs: [],
    });
    expect(event.problem).toBeUndefined();
  });

  it("reads ClipComplete's single fileInfo object as its one output file", () => {
    const event = v2Event({
      version: '4.0',
      eventType: 'ClipComplete',
      data: {
        vodTaskId: '1400000789-Clip-1',
        status: 0,
        message: '',
        fileInfo: { fileId: '5285890799710000009', fileUrl: 'clip.mp4', fileType: 'mp4' },
      },
    });

    expect(event).toMatchObject({
      type: 'ClipComplete',
      taskId: '1400000789-Clip-1',
      fileId: '5285890799710000009',
      outputs: [
        {
          fileId: '5285890799710000009',
          url: 'clip.mp4',
          fileType: 'mp4',
          ok: true,
          message: null,
        },
      ],
    });
  });

  it('keeps an unknown type whole, keyed by its id or a digest, never as a problem', () => {
    const withId = v2Event({
      version: '4.0',
      eventType: 'AigcImageTaskComplete',
      data: { vodTaskId: '1400000000-aigc-1', fileInfo: 'not the file list of known types' },
    });
    const withoutId = v2Event({ version: '4.0', eventType: 'SomethingNew', data: { score: 3 } });

    expect(withId).toMatchObject({ type: 'AigcImageTaskComplete', outputs: [] });
    expect(withId.key).toMatch(/^AigcImageTaskComplete\/1400000000-aigc-1\.[0-9a-f]{16}$/);
    expect(withId.problem).toBeUndefined();
    expect(withoutId.key).toMatch(/^SomethingNew\/sha256-[0-9a-f]{32}$/);
    expect(withoutId.problem).toBeUndefined();
  });

  it('parks an event whose id arrived as a JSON number: its digits are already lost', () => {
    const event = v2Event({
      version: '4.0',
      eventType: 'NewFileUpload',
      // JSON.parse has already rounded 5285890799710173650 to this.
      data: { fileId: 5285890799710173000 },
    });

    expect(event.problem).toMatch(/fileId: must be a string \(VOD ids exceed 2\^53\)/);
    expect(event.key).toMatch(/^NewFileUpload\/sha256-/);
  });

  it('parks content without eventType or task, and content that is not an object', () => {
    expect(v2Event({ status: 0 }).problem).toBe('eventContent has neither eventType nor task');
    expect(v2Event('text').problem).toBe('eventContent is not an object');
  });

  it('reports an item whose msgHandle is a number or missing as unconfirmable', () => {
    const batch = translateReply(
      [{ msgHandle: 9100000000000000001, eventContent: {} }, { eventContent: {} }],
      undefined,
    );

    expect(batch.events).toHaveLength(0);
    expect(batch.unconfirmable.map((u: Unconfirmable) => u.reason)).toEqual([
      expect.stringContaining('JSON number'),
      expect.stringContaining('no msgHandle'),
    ]);
  });

  it('yields the same domain event as API 3.0 for the same facts', () => {
    for (const fact of mixedFacts(12)) {
      const seed = seedOf(fact);
      const fromApi3 = translateApi3({ EventHandle: 'h', ...seed.api3 }, SUB_APP) as VodEvent;
      const fromV2 = v2Event(seed.v2);
      const want = expected(fact);

      const domain = ({ type, taskId, fileId, outputs, problem }: VodEvent) =>
        ({ type, taskId, fileId, outputs, problem });
      expect(domain(fromV2), want.key).toEqual(domain(fromApi3));
      expect(keyMatches(want.key, fromV2.key), fromV2.key).toBe(true);
      if (!want.key.endsWith('*')) expect(fromV2.key).toBe(fromApi3.key);
    }
  });
});
