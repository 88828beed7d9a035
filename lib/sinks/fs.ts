// The embedded default sink: one JSON document per event key in a local directory, in the
// layout the COS sink uses. Each document is written atomically (temporary file, fsync, rename),
// so a reader or a crash never sees half a record.

import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { VodEvent } from '../events/event';
import { SinkError, toError } from '../errors';
import { eventRecord, layout, parkedRecord, taskIndex } from './record';
import type { Sink, WriteOutcome } from './sink';

export class FsSink implements Sink {
  readonly kind = 'fs';

  constructor(readonly dir: string) {}

  write(events: readonly VodEvent[], signal: AbortSignal): Promise<WriteOutcome[]> {
    return Promise.all(events.map((event) => this.writeOne(event, signal)));
  }

  async close(): Promise<void> {}

  private async writeOne(event: VodEvent, signal: AbortSignal): Promise<WriteOutcome> {
    try {
      signal.throwIfAborted();
      if (event.problem !== undefined) {
        await this.writeDocument(layout.parked(event.key), parkedRecord(event));
        return { status: 'parked' };
      }

      const path = layout.event(event.key);
      if (await this.exists(path)) return { status: 'duplicate' };

      // The task index goes first: the event document is the mark that the write finished,
      // so a crash between the two leaves no document and the redelivery writes both again.
      const index = taskIndex(event);
      if (index) await this.writeDocument(layout.task(index.taskId), index);
      await this.writeDocument(path, eventRecord(event));
      return { status: 'stored' };
    } catch (thrown) {
      const error = toError(thrown);
      const message = `fs write of ${event.key} failed: ${error.message}`;
      return {
        status: 'failed',
        error: new SinkError('fs', message, { key: event.key, retryable: true, cause: error }),
      };
    }
  }

  private async exists(relative: string): Promise<boolean> {
    try {
      return (await stat(join(this.dir, relative))).isFile();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  private async writeDocument(relative: string, document: unknown): Promise<void> {
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
