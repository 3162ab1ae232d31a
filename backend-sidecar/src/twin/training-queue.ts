import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import type { InstanceHistory } from './twin-trainer.ts';

export interface TrainRequest {
  instance: string;
  now: number;
  history: Omit<InstanceHistory, 'id'>;
  /** The retraining round this job belongs to: one job per instance and round, whoever asks. */
  round: string;
}

export interface TrainOutcome {
  version: string;
  status: string;
}

const QUEUE = 'twin-training';

/**
 * Training jobs on BullMQ (Redis), for when `REDIS_URL` is set: jobs survive a restart, a job whose
 * worker died is retried by another, and a job id per instance and round means an instance is
 * trained once per round however many nodes ask. This process also works the queue, with as many
 * jobs at a time as it has training threads.
 */
export class BullTrainingQueue {
  readonly queue: Queue<TrainRequest, TrainOutcome>;
  private readonly events: QueueEvents;
  private readonly worker: Worker<TrainRequest, TrainOutcome>;
  private closeQueue!: (err: Error) => void;
  /** Rejects when the queue closes, so that nobody waits on a job this process will not see finish. */
  private readonly closed = new Promise<never>((_, reject) => (this.closeQueue = reject));

  constructor(
    redisUrl: string,
    train: (request: TrainRequest, job: Job<TrainRequest, TrainOutcome>) => Promise<TrainOutcome>,
    concurrency: number
  ) {
    // Workers block on Redis: BullMQ needs retries disabled per request on their connections.
    const connection = { url: redisUrl, maxRetriesPerRequest: null };
    this.queue = new Queue(QUEUE, { connection });
    this.events = new QueueEvents(QUEUE, { connection });
    this.worker = new Worker(QUEUE, (job) => train(job.data, job), { connection, concurrency });
    this.worker.on('error', () => undefined); // connection errors are retried by ioredis; jobs report their own
    this.closed.catch(() => undefined);
  }

  /** Queues an instance's training for a round (once per round) and waits for its outcome. */
  async submit(request: TrainRequest): Promise<TrainOutcome> {
    await this.events.waitUntilReady();
    const job = await this.queue.add('train', request, {
      // BullMQ refuses ":" in custom ids (its key separator).
      jobId: `${request.instance.replaceAll(':', '_')}.${request.round}`,
      attempts: 3,
      backoff: { type: 'exponential', delay: 5_000 },
      removeOnComplete: { count: 10_000 },
      removeOnFail: { count: 10_000 },
    });
    return Promise.race([job.waitUntilFinished(this.events) as Promise<TrainOutcome>, this.closed]);
  }

  async close(): Promise<void> {
    this.closeQueue(new Error('the training queue is closed'));
    await this.worker.close(true);
    await this.events.close();
    await this.queue.close();
  }
}
