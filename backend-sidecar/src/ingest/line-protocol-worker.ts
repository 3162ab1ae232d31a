import { parentPort } from 'node:worker_threads';
import { TwinError } from '../core/errors.ts';
import type { Precision } from './line-protocol-parser.ts';
import { linesToColumnar } from './line-protocol-batches.ts';

// One line-protocol parsing thread: bodies in, columns out (their buffers transferred).
const decoder = new TextDecoder('utf-8');

parentPort!.on('message', (job: { id: number; body: Uint8Array; precision: Precision; receivedAt: number }) => {
  try {
    const batches = linesToColumnar(decoder.decode(job.body), job.precision, job.receivedAt);
    parentPort!.postMessage(
      { id: job.id, batches },
      batches.flatMap((b) => [b.ts.buffer as ArrayBuffer, b.values.buffer as ArrayBuffer])
    );
  } catch (err) {
    const e = err as Error;
    parentPort!.postMessage({
      id: job.id,
      error:
        e instanceof TwinError
          ? { message: e.message, code: e.code, statusCode: e.statusCode, where: e.where }
          : { message: e.message },
    });
  }
});
