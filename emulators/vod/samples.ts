// Sample events for the demo and the tests: the original specification's `concat_file`
// concatenation result, seeded in both dialects so either can be demonstrated.

import type { SeedEvent } from './queue';

/** The files of the specification's example: one concatenation, two output containers. */
export const SPEC_CONCAT_FILES = [
  {
    fileId: '5285890799710173650',
    fileUrl: 'http://1251000000.vod2.myqcloud.com/vodtransgzp1251000000/concat/f0.m3u8',
    fileType: 'm3u8',
  },
  {
    fileId: '5285890799710173651',
    fileUrl: 'http://1251000000.vod2.myqcloud.com/vodtransgzp1251000000/concat/f0.mp4',
    fileType: 'mp4',
  },
] as const;

/**
 * The specification's `eventContent` exactly as its shape reads: status, message, eventType
 * `concat_file` and `data.fileInfo`, and no task id (v2 stores it under a content digest key).
 * The API 3.0 twin names a task id, which that dialect always has.
 */
export function specConcatSample(subAppId?: number): SeedEvent {
  return {
    ...(subAppId === undefined ? {} : { subAppId }),
    v2: {
      status: 0,
      message: '',
      eventType: 'concat_file',
      data: { fileInfo: SPEC_CONCAT_FILES.map((file) => ({ ...file })) },
    },
    api3: {
      EventType: 'ConcatComplete',
      ConcatCompleteEvent: {
        TaskId: '1251000000-ConcatFile-spec',
        FileInfoSet: SPEC_CONCAT_FILES.map((file) => ({
          ErrCode: 0,
          Message: '',
          FileId: file.fileId,
          FileUrl: file.fileUrl,
          FileType: file.fileType,
        })),
      },
    },
  };
}
