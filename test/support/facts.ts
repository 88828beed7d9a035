// Test events described once, as facts, then encoded into each wire dialect the emulator speaks.
// Expected domain records come from the same facts, so a suite can run unchanged per dialect.

import type { OutputFile } from '../../lib/events/event';
import type { SeedEvent } from '../../emulators/vod/queue';

export type EventFact =
  | { kind: 'concat'; taskId: string; files: OutputFile[] }
  | { kind: 'editMedia'; taskId: string; file: OutputFile }
  | { kind: 'upload'; fileId: string }
  | { kind: 'procedure'; taskId: string; fileId: string; status?: string }
  | { kind: 'unknown'; type: string; body: Record<string, unknown> };

export interface Expected {
  /** The key, or `<type>/sha256-*` where it is a content digest. */
  key: string;
  type: string;
  taskId: string | null;
  fileId: string | null;
  outputs: OutputFile[];
}

/** Ids are long digit strings past 2^53, as VOD's are: any number parsing would corrupt them. */
export function vodId(n: number): string {
  return `52858907988${String(n).padStart(8, '0')}`;
}

export function concatFact(n: number, options: { failedOutput?: boolean } = {}): EventFact {
  const taskId = `1400${String(n).padStart(6, '0')}-ConcatFile-${n.toString(16)}`;
  const m3u8: OutputFile = {
    fileId: vodId(n * 2),
    url: `http://1400000000.vod2.myqcloud.com/concat/${n}/out.m3u8`,
    fileType: 'm3u8',
    ok: true,
    message: null,
  };
  const mp4: OutputFile = options.failedOutput
    ? { fileId: null, url: null, fileType: 'mp4', ok: false, message: 'source has no audio track' }
    : {
        ...m3u8,
        fileId: vodId(n * 2 + 1),
        url: m3u8.url?.replace('m3u8', 'mp4') ?? null,
        fileType: 'mp4',
      };
  return { kind: 'concat', taskId, files: [m3u8, mp4] };
}

export function editMediaFact(n: number): EventFact {
  return {
    kind: 'editMedia',
    taskId: `1400${String(n).padStart(6, '0')}-EditMedia-${n.toString(16)}`,
    file: {
      fileId: vodId(500_000 + n),
      url: `http://1400000000.vod2.myqcloud.com/edit/${n}.mp4`,
      fileType: 'mp4',
      ok: true,
      message: null,
    },
  };
}

/** A realistic mix of `count` events: mostly concatenations, every kind represented. */
export function mixedFacts(count: number, offset = 0): EventFact[] {
  return Array.from({ length: count }, (_, i) => {
    const n = offset + i;
    switch (i % 6) {
      case 0:
      case 1:
        return concatFact(n, { failedOutput: i % 12 === 1 });
      case 2:
        return editMediaFact(n);
      case 3:
        return { kind: 'upload', fileId: vodId(700_000 + n) };
      case 4:
        return {
          kind: 'procedure',
          taskId: `1400000000-procedurev2-${n}`,
          fileId: vodId(800_000 + n),
        };
      default:
        return {
          kind: 'unknown',
          type: 'AigcVideoTaskComplete',
          body: { JobNo: `job-${n}`, Score: n },
        };
    }
  });
}

export function expected(fact: EventFact): Expected {
  switch (fact.kind) {
    case 'concat':
      return {
        key: `ConcatComplete/${fact.taskId}`,
        type: 'ConcatComplete',
        taskId: fact.taskId,
        fileId: null,
        outputs: fact.files,
      };
    case 'editMedia':
      return {
        key: `EditMediaComplete/${fact.taskId}`,
        type: 'EditMediaComplete',
        taskId: fact.taskId,
        fileId: fact.file.fileId,
        outputs: [fact.file],
      };
    case 'upload':
      return {
        key: `NewFileUpload/${fact.fileId}`,
        type: 'NewFileUpload',
        taskId: null,
        fileId: fact.fileId,
        outputs: [],
      };
    case 'procedure':
      return {
        key: `ProcedureStateChanged/${fact.taskId}.*`,
        type: 'ProcedureStateChanged',
        taskId: fact.taskId,
        fileId: fact.fileId,
        outputs: [],
      };
    case 'unknown':
      // No id to key on: the key is a digest of the content, the same on every delivery.
      return {
        key: `${fact.type}/sha256-*`,
        type: fact.type,
        taskId: null,
        fileId: null,
        outputs: [],
      };
  }
}

/** The fact as the emulator keeps it: its content in every dialect there is an encoder for. */
export function seedOf(fact: EventFact, subAppId?: number): SeedEvent {
  return {
    ...(subAppId === undefined ? {} : { subAppId }),
    api3: api3Content(fact),
    v2: v2Content(fact),
  };
}

function api3Content(fact: EventFact): Record<string, unknown> {
  switch (fact.kind) {
    case 'concat':
      return {
        EventType: 'ConcatComplete',
        ConcatCompleteEvent: {
          TaskId: fact.taskId,
          Status: 'FINISH',
          FileInfoSet: fact.files.map((file) => ({
            ErrCode: file.ok ? 0 : 70000,
            Message: file.message ?? '',
            FileId: file.fileId ?? '',
            FileUrl: file.url ?? '',
            FileType: file.fileType,
          })),
        },
      };
    case 'editMedia':
      return {
        EventType: 'EditMediaComplete',
        EditMediaCompleteEvent: {
          TaskId: fact.taskId,
          Status: 'FINISH',
          ErrCode: 0,
          Message: '',
          Input: { InputType: 'File' },
          Output: {
            FileId: fact.file.fileId,
            FileUrl: fact.file.url,
            FileType: fact.file.fileType,
            MediaName: 'edited',
          },
        },
      };
    case 'upload':
      return {
        EventType: 'NewFileUpload',
        FileUploadEvent: { FileId: fact.fileId, MediaBasicInfo: { Name: 'upload.mp4' } },
      };
    case 'procedure':
      return {
        EventType: 'ProcedureStateChanged',
        ProcedureStateChangeEvent: {
          TaskId: fact.taskId,
          Status: fact.status ?? 'FINISH',
          FileId: fact.fileId,
        },
      };
    case 'unknown':
      return { EventType: fact.type, [`${fact.type}Event`]: fact.body };
  }
}

/**
 * The fact as a v2 callback of version 4.0: the one v2 shape that names a task id for every
 * kind here, so `expected()` holds for both dialects unchanged. The specification's
 * `concat_file` and the oldest `task` shape carry no task id (or no files); they are covered by
 * the translation tests and by the demo's sample (emulators/vod/samples.ts).
 */
function v2Content(fact: EventFact): Record<string, unknown> {
  const envelope = (eventType: string, data: Record<string, unknown>) => ({
    version: '4.0',
    eventType,
    data,
  });
  switch (fact.kind) {
    case 'concat':
      return envelope('ConcatComplete', {
        vodTaskId: fact.taskId,
        status: 0,
        message: '',
        fileInfo: fact.files.map((file) => ({
          fileType: file.fileType,
          status: file.ok ? 0 : -1,
          message: file.message ?? '',
          fileId: file.fileId ?? '',
          fileUrl: file.url ?? '',
        })),
      });
    case 'editMedia':
      // Like ClipComplete, an edit's one output comes as a single fileInfo object.
      return envelope('EditMediaComplete', {
        vodTaskId: fact.taskId,
        status: 0,
        message: '',
        fileInfo: {
          fileId: fact.file.fileId,
          fileUrl: fact.file.url,
          fileType: fact.file.fileType,
        },
      });
    case 'upload':
      return envelope('NewFileUpload', { fileId: fact.fileId, mediaBasicInfo: { name: 'a.mp4' } });
    case 'procedure':
      return envelope('ProcedureStateChanged', {
        vodTaskId: fact.taskId,
        status: fact.status ?? 'FINISH',
        errCode: 0,
        fileId: fact.fileId,
      });
    case 'unknown':
      return envelope(fact.type, fact.body);
  }
}

/** Whether a stored key is the one expected (a `*` stands for a content digest). */
export function keyMatches(expectedKey: string, key: string): boolean {
  if (!expectedKey.endsWith('*')) return key === expectedKey;
  const prefix = expectedKey.slice(0, -1).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${prefix}([0-9a-f]{16}|[0-9a-f]{32})$`).test(key);
}
