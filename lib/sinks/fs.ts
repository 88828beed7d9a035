// The embedded default sink: one JSON document per event key in a local directory, in the
// layout the COS sink uses (lib/sinks/documents.ts). Each document is written atomically
// (temporary file, fsync, rename), so a reader or a crash never sees half a record.

import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { VodEvent } from '../events/event';
import { SinkError, toError } from '../errors';
import { writeDocuments, type DocumentStore } from './documents';
import type { Sink, WriteOutcome } from './sink';

export class FsSink implements Sink, DocumentStore {
  readonly kind = 'fs';

  constructor(readonly dir: string) {}

  write(events: readonly VodEvent[], signal: AbortSignal): Promise<WriteOutcome[]> {
    return writeDocuments(this, events, signal);
  }

  async close(): Promise<void> {}

  failure(thrown: unknown, key: string): SinkError {
    const error = toError(thrown);
    const message = `fs write of ${key} failed: ${error.message}`;
    return new SinkError('fs', message, { key, retryable: true, cause: error });
  }

  async exists(relative: string): Promise<boolean> {
    try {
      return (await stat(join(this.dir, relative))).isFile();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  async put(relative: string, document: unknown): Promise<void> {
    const target = join(this.dir, relative);
    const temporary = `${target}.${randomUUID()}.tmp`;
    await mkdir(dirname(target), { recursive: true });

    const file = await open(temporary, 'wx');
    try {
      await file.writeFile(`${JSON.stringify(document, null, 2)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }

    try {
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}
