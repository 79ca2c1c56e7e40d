/**
 * Worker thread of a file import: reads and validates the file and encodes its batches, so the main
 * thread (where PGlite runs) only writes them. At most a few batches run ahead of the writer, so a
 * file of any size is never held in memory. Messages are {@link WorkerMessage}s; the main thread
 * answers each batch with `ack`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Batcher, type BatcherOptions, type ImportCounters, type WriteBatch } from './batcher.js';
import type { ImportEntity } from './records.js';
import { fileRecords, ImportFileError, type ImportFormat } from './sources.js';

export interface ParseJob extends BatcherOptions {
  file: string;
  format: ImportFormat;
  entity: ImportEntity;
  /** Batches sent but not yet acknowledged before the reader pauses. */
  ahead: number;
}

export type WorkerMessage =
  | { t: 'progress'; rows: number; invalid: number; bytesRead: number }
  | { t: 'batch'; batch: WriteBatch; rows: number; invalid: number; bytesRead: number }
  | { t: 'done'; counters: ImportCounters; ignored: string[]; bytesRead: number }
  | { t: 'fail'; fileError: boolean; message: string; stack?: string | undefined };

async function run(job: ParseJob, port: NonNullable<typeof parentPort>): Promise<void> {
  const post = (m: WorkerMessage) => port.postMessage(m);
  let unacked = 0;
  let wake: (() => void) | null = null;
  port.on('message', (m: { t: string }) => {
    if (m.t !== 'ack') return;
    unacked--;
    wake?.();
    wake = null;
  });
  const ignored = new Set<string>();
  const { stream, records: source } = fileRecords(job.file, job.format, job.entity, ignored);
  const batcher = new Batcher(job.entity, job);
  const send = async (batch: WriteBatch) => {
    unacked++;
    post({
      t: 'batch',
      batch,
      rows: batcher.counters.rows,
      invalid: batcher.counters.invalid,
      bytesRead: stream.bytesRead,
    });
    while (unacked >= job.ahead) await new Promise<void>((r) => (wake = r));
  };
  try {
    for await (const src of source) {
      const batch = batcher.add(src);
      if (batch) await send(batch);
      else if (batcher.counters.rows % 1000 === 0) {
        const { rows, invalid } = batcher.counters;
        post({ t: 'progress', rows, invalid, bytesRead: stream.bytesRead });
      }
    }
    const last = batcher.finish();
    if (last) await send(last);
    post({ t: 'done', counters: batcher.counters, ignored: [...ignored], bytesRead: stream.bytesRead });
  } catch (err) {
    const e = err as Error;
    post({ t: 'fail', fileError: err instanceof ImportFileError, message: e.message, stack: e.stack });
  } finally {
    stream.destroy();
    port.close();
  }
}

if (parentPort) void run(workerData as ParseJob, parentPort);
