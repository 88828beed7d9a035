// API 3.0 wire events become domain events: pure translation, no network.

import { describe, expect, it } from 'vitest';
import type { VodEvent } from '../../lib/events/event';
import { translateEvent, translateReply } from '../../lib/vod/api3/translate';

const asEvent = (value: unknown) => value as VodEvent;

describe('API 3.0 translation', () => {
  it('turns a ConcatComplete into one output per file, keyed by task id', () => {
    const event = asEvent(
      translateEvent(
        {
          EventHandle: '9223372036854775808123',
          EventType: 'ConcatComplete',
          FileUploadEvent: null,
          ConcatCompleteEvent: {
            TaskId: '1400155958-ConcatFile-7d3f',
            FileInfoSet: [
              {
                ErrCode: 0,
                Message: '',
                FileId: '5285890798812345678',
                FileUrl: 'http://v/a.m3u8',
                FileType: 'm3u8',
              },
              {
                ErrCode: 10008,
                Message: 'transcode failed',
                FileId: '',
                FileUrl: '',
                FileType: 'mp4',
              },
            ],
          },
        },
        1500000001,
      ),
    );

    expect(event).toMatchObject({
      handle: '9223372036854775808123',
      subAppId: 1500000001,
      type: 'ConcatComplete',
      key: 'ConcatComplete/1400155958-ConcatFile-7d3f',
      taskId: '1400155958-ConcatFile-7d3f',
    });
    expect(event.outputs).toEqual([
      {
        fileId: '5285890798812345678',
        url: 'http://v/a.m3u8',
        fileType: 'm3u8',
        ok: true,
        message: null,
      },
      { fileId: null, url: null, fileType: 'mp4', ok: false, message: 'transcode failed' },
    ]);
    expect(event.problem).toBeUndefined();
    expect(event.content).not.toHaveProperty('EventHandle');
    expect(event.content).not.toHaveProperty('FileUploadEvent');
  });

  it('keys an EditMediaComplete by task id and reports its output file', () => {
    const event = asEvent(
      translateEvent(
        {
          EventHandle: 'h1',
          EventType: 'EditMediaComplete',
          EditMediaCompleteEvent: {
            TaskId: '1400-EditMedia-1',
            Status: 'FINISH',
            ErrCode: 0,
            Message: '',
            Output: { FileId: '5285890798899999999', FileUrl: 'http://v/e.mp4', FileType: 'mp4' },
          },
        },
        undefined,
      ),
    );

    expect(event.key).toBe('EditMediaComplete/1400-EditMedia-1');
    expect(event.fileId).toBe('5285890798899999999');
    expect(event.outputs).toEqual([
      {
        fileId: '5285890798899999999',
        url: 'http://v/e.mp4',
        fileType: 'mp4',
        ok: true,
        message: null,
      },
    ]);
  });

  it('finds the irregularly named field of NewFileUpload and keys by file id', () => {
    const event = asEvent(
      translateEvent(
        {
          EventHandle: 'h2',
          EventType: 'NewFileUpload',
          FileUploadEvent: { FileId: '5285890798800000001' },
        },
        undefined,
      ),
    );

    expect(event.key).toBe('NewFileUpload/5285890798800000001');
  });

  it('passes an unknown type through with a content digest key that ignores the handle', () => {
    const wire = (handle: string) => ({
      EventHandle: handle,
      EventType: 'SomethingNewComplete',
      SomethingNewCompleteEvent: { Score: 3 },
    });

    const first = asEvent(translateEvent(wire('h-first'), undefined));
    const again = asEvent(translateEvent(wire('h-second'), undefined));

    expect(first.type).toBe('SomethingNewComplete');
    expect(first.key).toMatch(/^SomethingNewComplete\/sha256-[0-9a-f]{32}$/);
    expect(again.key).toBe(first.key);
    expect(first.content).toEqual({
      EventType: 'SomethingNewComplete',
      SomethingNewCompleteEvent: { Score: 3 },
    });
  });

  it('marks an id sent as a number as a problem instead of storing a corrupted id', () => {
    const event = asEvent(
      translateEvent(
        {
          EventHandle: 'h3',
          EventType: 'NewFileUpload',
          FileUploadEvent: { FileId: 5285890798800000001 },
        },
        undefined,
      ),
    );

    expect(event.problem).toMatch(/FileId must be a string/);
  });

  it('isolates a malformed event: its siblings are translated, it is marked or reported', () => {
    const batch = translateReply(
      {
        RequestId: 'r1',
        EventSet: [
          {
            EventHandle: 'a',
            EventType: 'ConcatComplete',
            ConcatCompleteEvent: { TaskId: 't1', FileInfoSet: [] },
          },
          { EventHandle: 'b', EventType: 'ConcatComplete', ConcatCompleteEvent: { TaskId: 't2' } },
          { EventType: 'ConcatComplete' },
          'not an object',
        ],
      },
      undefined,
    );

    expect(batch.events.map((e) => [e.handle, e.problem === undefined])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    expect(batch.events[1]?.problem).toMatch(/ConcatCompleteEvent\.FileInfoSet/);
    expect(batch.unconfirmable).toHaveLength(2);
  });

  it.each([undefined, null, []])('reads an EventSet of %j as empty', (eventSet) => {
    const batch = translateReply({ EventSet: eventSet as [] | null | undefined }, undefined);

    expect(batch.events).toEqual([]);
    expect(batch.unconfirmable).toEqual([]);
  });

  it('parks an event whose content holds an id that lost its digits as a number', () => {
    const event = asEvent(
      translateEvent(
        {
          EventHandle: 'h4',
          EventType: 'FileDeleted',
          FileDeleteEvent: { FileIdSet: ['5285890798915328011', 5285890798915328013] },
        },
        undefined,
      ),
    );

    expect(event.problem).toMatch(
      /content\.FileDeleteEvent\.FileIdSet\[1\] is a number beyond 2\^53/,
    );
  });

  it('stores ordinary numbers in content untouched', () => {
    const event = asEvent(
      translateEvent(
        { EventHandle: 'h5', EventType: 'Whatever', WhateverEvent: { Score: 9007199254740991 } },
        undefined,
      ),
    );

    expect(event.problem).toBeUndefined();
  });

  it('names the field as sent when a type with an irregular field name is malformed', () => {
    const event = asEvent(
      translateEvent(
        { EventHandle: 'h6', EventType: 'NewFileUpload', FileUploadEvent: { FileId: 52858907 } },
        undefined,
      ),
    );

    expect(event.problem).toMatch(/^FileUploadEvent\.FileId must be a string/);
  });

  it('keeps the task id of a malformed concatenation in its parked key', () => {
    const event = asEvent(
      translateEvent(
        { EventHandle: 'h7', EventType: 'ConcatComplete', ConcatCompleteEvent: { TaskId: 't-9' } },
        undefined,
      ),
    );

    expect(event).toMatchObject({ key: 'ConcatComplete/t-9', taskId: 't-9' });
    expect(event.problem).toMatch(/ConcatCompleteEvent\.FileInfoSet/);
  });
});
