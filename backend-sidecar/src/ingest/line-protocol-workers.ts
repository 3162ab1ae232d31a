import type { Worker } from 'node:worker_threads';
import { startWorker } from '../core/ts-worker.ts';
import { TwinError } from '../core/errors.ts';
import type { ColumnarBatch } from '../core/columnar.ts';
import { decodeAgentFrame, FrameError, type AgentFrame } from '../core/agent-frame.ts';
import { linesToColumnar } from './line-protocol-batches.ts';
import type { Precision } from './line-protocol-parser.ts';
import { ResentBodies } from './resent-bodies.ts';

/** A line-protocol body as columns, and the digest a resend of it is known by (see `ResentBodies`). */
export interface ParsedLines {
  batches: ColumnarBatch[];
  digest: string;
}

/** Turns a line-protocol body into columnar batches, in this thread or in workers. */
export interface LineProtocolParser {
  /** `body` is UTF-8 line protocol; the parser may take ownership of its bytes. */
  parse(body: Uint8Array, precision: Precision, receivedAt: number): Promise<ParsedLines>;
  /** An agent's LZ4 batch; FrameError when it is not one. */
  decodeFrame(frame: Uint8Array): Promise<AgentFrame>;
  close(): Promise<void>;
}

export const inThreadParser: LineProtocolParser = {
  parse: async (body, precision, receivedAt) => {
    const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    return {
      batches: linesToColumnar(bytes.toString('utf8'), precision, receivedAt),
      digest: ResentBodies.digest(precision, bytes),
    };
  },
  decodeFrame: async (frame) => decodeAgentFrame(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)),
  close: async () => {},
};

interface Pending {
  resolve: (reply: WorkerReply) => void;
  reject: (err: Error) => void;
}

interface WorkerReply {
  id: number;
  batches?: ColumnarBatch[];
  digest?: string;
  error?: { message: string; code?: string; statusCode?: number; where?: string; frame?: 400 | 413 };
}

/**
 * Parses line protocol in worker threads so that the event loop (the write-ahead log, the store,
 * the API) keeps its own core. Results come back as columns in transferred buffers: no copy, and
 * no per-sample objects for the main thread to build or collect.
 */
export class LineProtocolWorkers implements LineProtocolParser {
  private readonly workers: { worker: Worker; pending: Map<number, Pending> }[] = [];
  private nextId = 0;
  private turn = 0;
  private closing = false;

  constructor(size: number) {
    for (let i = 0; i < size; i++) this.workers.push(this.spawn());
  }

  /** Starts a worker; run from TypeScript sources, it loads them through tsx as the main thread does. */
  private spawn(): { worker: Worker; pending: Map<number, Pending> } {
    const worker = startWorker(import.meta.url, 'line-protocol-worker');
    const slot = { worker, pending: new Map<number, Pending>() };
    const pending = slot.pending;
    {
      worker.on('message', (reply: WorkerReply) => {
        const p = pending.get(reply.id);
        pending.delete(reply.id);
        if (!p) return;
        if (reply.error) {
          const e = reply.error;
          p.reject(
            e.frame
              ? new FrameError(e.message, e.frame)
              : e.code
                ? new TwinError(e.code, e.statusCode ?? 400, e.message, e.where)
                : new Error(e.message)
          );
        } else {
          p.resolve(reply);
        }
      });
      // A worker that dies fails its jobs and is replaced, so no request waits forever.
      const fail = (err: Error) => {
        for (const p of pending.values()) p.reject(err);
        pending.clear();
        if (this.closing) return;
        const index = this.workers.indexOf(slot);
        if (index >= 0) this.workers[index] = this.spawn();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`line-protocol worker exited with code ${code}`)));
      worker.unref();
    }
    return slot;
  }

  async parse(body: Uint8Array, precision: Precision, receivedAt: number): Promise<ParsedLines> {
    const reply = await this.submit({ kind: 'lines', precision, receivedAt }, body);
    return { batches: reply.batches!, digest: reply.digest! };
  }

  async decodeFrame(frame: Uint8Array): Promise<AgentFrame> {
    return (await this.submit({ kind: 'frame' }, frame)).batches![0] as AgentFrame;
  }

  private submit(job: Record<string, unknown>, body: Uint8Array): Promise<WorkerReply> {
    // The least busy worker, round robin among equals.
    this.turn = (this.turn + 1) % this.workers.length;
    let chosen = this.workers[this.turn]!;
    for (const w of this.workers) if (w.pending.size < chosen.pending.size) chosen = w;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      chosen.pending.set(id, { resolve, reject });
      // Bytes, not a string. A body in shared memory is read by the worker in place; any other is
      // copied once into a buffer the worker then owns (transferred, not cloned).
      if (body.buffer instanceof SharedArrayBuffer) {
        chosen.worker.postMessage({ ...job, id, body });
      } else {
        const bytes = new Uint8Array(body);
        chosen.worker.postMessage({ ...job, id, body: bytes }, [bytes.buffer]);
      }
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
