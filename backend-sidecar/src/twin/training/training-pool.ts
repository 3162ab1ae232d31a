import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../core/ts-worker.ts';
import type { TrainJob, TrainReply } from '../lstm/train-worker.ts';
import type { LstmTwinModel } from '../lstm/lstm-training.ts';
import type { NetworkArtifacts } from '../lstm/lstm-network.ts';

interface Slot {
  worker: Worker;
  busy: boolean;
}

interface Queued {
  job: TrainJob;
  onProgress: (fraction: number, message: string) => void;
  resolve: (result: { model: LstmTwinModel; artifacts: NetworkArtifacts }) => void;
  reject: (err: Error) => void;
}

/**
 * Trains twins in worker threads, one job per thread at a time, so that training uses the cores
 * while the event loop keeps serving ingest and the API. Jobs beyond the threads wait in order.
 */
export class TrainingPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Queued[] = [];
  private nextId = 0;
  private closed = false;

  constructor(readonly size = Math.max(1, Math.min(2, os.availableParallelism()))) {}

  get pending(): number {
    return this.queue.length + this.slots.filter((s) => s.busy).length;
  }

  train(
    job: TrainJob,
    onProgress: (fraction: number, message: string) => void = () => {}
  ): Promise<{ model: LstmTwinModel; artifacts: NetworkArtifacts }> {
    if (this.closed) return Promise.reject(new Error('the training pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, onProgress, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.size) {
        slot = { worker: startWorker(import.meta.url, '../lstm/train-worker'), busy: false };
        slot.worker.unref();
        this.slots.push(slot);
      }
      if (!slot) return;
      this.run(slot, this.queue.shift()!);
    }
  }

  private run(slot: Slot, queued: Queued): void {
    const id = this.nextId++;
    slot.busy = true;
    const done = () => {
      slot.worker.off('message', onMessage);
      slot.worker.off('error', onError);
      slot.worker.off('exit', onExit);
      slot.busy = false;
      this.dispatch();
    };
    const onMessage = (reply: TrainReply) => {
      if (reply.id !== id) return;
      if (reply.type === 'progress') return queued.onProgress(reply.fraction, reply.message);
      done();
      if (reply.type === 'done') queued.resolve(reply.result);
      else queued.reject(new Error(reply.message));
    };
    // A thread that dies fails its job and is replaced by a fresh one for the next.
    const onError = (err: Error) => {
      this.slots.splice(this.slots.indexOf(slot), 1);
      done();
      queued.reject(err);
    };
    const onExit = (code: number) => onError(new Error(`training thread exited with code ${code}`));
    slot.worker.on('message', onMessage);
    slot.worker.on('error', onError);
    slot.worker.on('exit', onExit);
    // Copied, not transferred: the trainer still judges the new version on the same series.
    slot.worker.postMessage({ id, job: queued.job });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queue.splice(0)) q.reject(new Error('the training pool is closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }
}
