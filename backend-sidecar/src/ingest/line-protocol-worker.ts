import { parentPort } from 'node:worker_threads';
import { TwinError } from '../core/errors.ts';
import type { Precision } from './line-protocol-parser.ts';
import { linesToColumnar } from './line-protocol-batches.ts';
import { decodeAgentFrame, FrameError } from '../core/agent-frame.ts';
import { ResentBodies } from './resent-bodies.ts';

// One parsing thread: line-protocol bodies and agent frames in, columns out (their buffers transferred).

parentPort!.on(
  'message',
  (job: { id: number; kind: 'lines' | 'frame'; body: Uint8Array; precision: Precision; receivedAt: number }) => {
    try {
      // Buffer, not TextDecoder: the body may be in shared memory, which TextDecoder refuses.
      const body = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength);
      const batches =
        job.kind === 'frame'
          ? [decodeAgentFrame(body)]
          : linesToColumnar(body.toString('utf8'), job.precision, job.receivedAt);
      // The digest here too: hashing every body on the main thread cost 18 % of line-protocol ingest.
      const digest = job.kind === 'lines' ? ResentBodies.digest(job.precision, body) : undefined;
      parentPort!.postMessage(
        { id: job.id, batches, digest },
        batches.flatMap((b) => [b.ts.buffer as ArrayBuffer, b.values.buffer as ArrayBuffer])
      );
    } catch (err) {
      const e = err as Error;
      parentPort!.postMessage({
        id: job.id,
        error:
          e instanceof TwinError
            ? { message: e.message, code: e.code, statusCode: e.statusCode, where: e.where }
            : { message: e.message, frame: e instanceof FrameError ? e.status : undefined },
      });
    }
  }
);
