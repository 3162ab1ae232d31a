import { parentPort } from 'node:worker_threads';
import { tensorflow } from './tf-backend.ts';
import { trainLstmTwin, type TrainLstmTwinInput } from './lstm-training.ts';

export type TrainJob = Omit<TrainLstmTwinInput, 'backend' | 'onProgress'>;

export type TrainReply =
  | { id: number; type: 'progress'; fraction: number; message: string }
  | { id: number; type: 'done'; result: Awaited<ReturnType<typeof trainLstmTwin>> }
  | { id: number; type: 'failed'; message: string };

// One training thread: a job at a time (tfjs's WebAssembly backend is single-threaded in Node).
parentPort!.on('message', async ({ id, job }: { id: number; job: TrainJob }) => {
  const post = (reply: TrainReply, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(reply, transfer);
  try {
    const backend = await tensorflow();
    const result = await trainLstmTwin({
      ...job,
      backend,
      onProgress: (fraction, message) => post({ id, type: 'progress', fraction, message }),
    });
    post({ id, type: 'done', result }, [result.artifacts.weightData]);
  } catch (err) {
    post({ id, type: 'failed', message: (err as Error).message });
  }
});
