import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import type { TrainOutcome, TrainRequest } from './training-request.ts';

export type { TrainOutcome, TrainRequest } from './training-request.ts';

export type TrainJob = Job<TrainRequest, TrainOutcome>;

const QUEUE = 'twin-training';

/** Workers block on Redis: BullMQ needs retries disabled per request on their connections. */
const connectionFor = (redisUrl: string) => ({ url: redisUrl, maxRetriesPerRequest: null });

/**
 * The asking side of training on BullMQ (Redis): jobs survive a restart, and a job id per instance
 * and round means an instance is trained once per round however many API nodes ask.
 */
export class TrainingJobs {
  readonly queue: Queue<TrainRequest, TrainOutcome>;
  private readonly events: QueueEvents;
  private closeQueue!: (err: Error) => void;
  /** Rejects when the queue closes, so that nobody waits on a job this process will not see finish. */
  private readonly closed = new Promise<never>((_, reject) => (this.closeQueue = reject));

  constructor(redisUrl: string) {
    const connection = connectionFor(redisUrl);
    this.queue = new Queue(QUEUE, { connection });
    this.events = new QueueEvents(QUEUE, { connection });
    this.closed.catch(() => undefined);
  }

  /** Queues an instance's training for a round (once per round) and waits for its outcome. */
  async submit(request: TrainRequest): Promise<TrainOutcome> {
    await this.events.waitUntilReady();
    const add = () =>
      this.queue.add('train', request, {
        // BullMQ refuses ":" in custom ids (its key separator).
        jobId: `${request.instance.replaceAll(':', '_')}.${request.round}`,
        attempts: 3,
        backoff: { type: 'exponential', delay: 5_000 },
        removeOnComplete: { count: 10_000 },
        removeOnFail: { count: 10_000 },
      });
    let job = await add();
    // A round whose job failed for good is asked for again later: that is a new try, not the old failure.
    if (await job.isFailed()) {
      await job.remove().catch(() => undefined);
      job = await add();
    }
    return Promise.race([job.waitUntilFinished(this.events) as Promise<TrainOutcome>, this.closed]);
  }

  async close(): Promise<void> {
    this.closeQueue(new Error('the training queue is closed'));
    await this.events.close();
    await this.queue.close();
  }
}

/**
 * The working side: takes training jobs off the queue, as many at a time as it has training
 * threads. A worker that dies mid-job stops renewing the job's lock; within about 20 s (lock 15 s,
 * stall check every 5 s) another worker takes the job again.
 */
export class TrainingWorker {
  private readonly worker: Worker<TrainRequest, TrainOutcome>;

  constructor(
    redisUrl: string,
    train: (request: TrainRequest, job: TrainJob) => Promise<TrainOutcome>,
    options: { concurrency: number; name?: string }
  ) {
    this.worker = new Worker(QUEUE, (job) => train(job.data, job), {
      connection: connectionFor(redisUrl),
      concurrency: options.concurrency,
      lockDuration: 15_000,
      stalledInterval: 5_000,
      ...(options.name ? { name: options.name } : {}),
    });
    this.worker.on('error', () => undefined); // connection errors are retried by ioredis; jobs report their own
  }

  on(event: 'completed', listener: (job: TrainJob) => void): this {
    this.worker.on(event, listener);
    return this;
  }

  async close(): Promise<void> {
    await this.worker.close(true);
  }
}
