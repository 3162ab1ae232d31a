import { errors } from '../core/errors.ts';
import type { InstanceLabels, Sample } from '../core/types.ts';
import type { LiveFeed } from './live-feed.ts';
import { validateBatch, type IngestBatch } from './validate-batch.ts';

/** The durable log every accepted batch goes to before it is acknowledged. */
export interface DurableLog {
  append(payload: Buffer): Promise<number>;
  replay(afterSeq: number): Iterable<{ seq: number; payload: Buffer }>;
  truncateThrough(seq: number): Promise<number>;
}

/** Where batches end up (a metric store); `walSeq` is recorded atomically with the samples. */
export interface SampleWriter {
  write(samples: readonly Sample[], walSeq?: number): Promise<void>;
  appliedSeq(): Promise<number>;
}

/** Keeps track of which instances report (the instance registry). */
export interface InstanceTracker {
  touch(id: string, labels: InstanceLabels | undefined, firstTs: number, lastTs: number, count: number): void;
}

export interface IngestOptions {
  /** Most samples acknowledged but not yet stored; beyond it requests are refused with 503. */
  maxQueuedSamples?: number;
  /** Most samples written to the store in one transaction. */
  maxApplySamples?: number;
}

export interface IngestStats {
  batches: number;
  samples: number;
  points: number;
  refused: number;
  applied: number;
}

interface Queued {
  seq: number;
  batch: IngestBatch;
  samples: Sample[];
}

/**
 * The one entry point for metrics, whatever protocol they came in: validate (a batch is kept whole
 * or refused whole), append to the write-ahead log, acknowledge; then, in the background, store in
 * large transactions and publish to the live feed. When the store falls behind, new batches are
 * refused (503 + Retry-After) so memory stays bounded and nothing acknowledged is ever dropped.
 */
export class IngestService {
  readonly stats: IngestStats = { batches: 0, samples: 0, points: 0, refused: 0, applied: 0 };
  private queue: Queued[] = [];
  private queuedSamples = 0;
  private applying: Promise<void> | undefined;
  private appliedSeq = 0;
  private applyError: Error | undefined;
  private readonly maxQueued: number;
  private readonly maxApply: number;

  constructor(
    private readonly log: DurableLog,
    private readonly writer: SampleWriter,
    private readonly instances: InstanceTracker,
    private readonly feed: LiveFeed,
    options: IngestOptions = {}
  ) {
    this.maxQueued = options.maxQueuedSamples ?? 500_000;
    this.maxApply = options.maxApplySamples ?? 100_000;
  }

  /** Re-applies what the log holds beyond what the store has (after a crash), before serving. */
  async recover(): Promise<number> {
    this.appliedSeq = await this.writer.appliedSeq();
    let replayed = 0;
    for (const record of this.log.replay(this.appliedSeq)) {
      const batch = JSON.parse(record.payload.toString('utf8')) as IngestBatch;
      const samples = batch.samples.map((s) => ({ instance: batch.instance, ts: s.ts, values: s.values }));
      this.enqueue({ seq: record.seq, batch, samples });
      replayed += samples.length;
    }
    await this.drain();
    return replayed;
  }

  get backlog(): number {
    return this.queuedSamples;
  }

  /** Resolves with the number of samples once the batch is durable (acknowledged). */
  async ingest(batch: IngestBatch, where?: string): Promise<number> {
    const samples = validateBatch(batch, where);
    if (samples.length === 0) return 0;
    if (this.applyError) throw errors.unavailable(`the metric store failed: ${this.applyError.message}`);
    if (this.queuedSamples + samples.length > this.maxQueued) {
      this.stats.refused += samples.length;
      throw errors.overloaded(this.queuedSamples, this.maxQueued, 1);
    }
    this.queuedSamples += samples.length;
    let seq: number;
    try {
      seq = await this.log.append(Buffer.from(JSON.stringify(batch)));
    } catch (err) {
      this.queuedSamples -= samples.length;
      throw errors.unavailable(`the write-ahead log failed: ${(err as Error).message}`);
    }
    this.queuedSamples -= samples.length;
    this.enqueue({ seq, batch, samples });
    this.stats.batches += 1;
    this.stats.samples += samples.length;
    for (const s of samples) this.stats.points += Object.keys(s.values).length;
    return samples.length;
  }

  private enqueue(entry: Queued): void {
    // Log order is apply order: a later sequence number may resolve first, so keep the queue sorted.
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.seq > entry.seq) i--;
    this.queue.splice(i, 0, entry);
    this.queuedSamples += entry.samples.length;
    this.applying ??= this.applyLoop();
  }

  private async applyLoop(): Promise<void> {
    try {
      while (this.queue.length) {
        let take = 0;
        let count = 0;
        while (take < this.queue.length && (take === 0 || count + this.queue[take]!.samples.length <= this.maxApply)) {
          count += this.queue[take]!.samples.length;
          take++;
        }
        const chunk = this.queue.slice(0, take);
        const samples = chunk.flatMap((q) => q.samples);
        const lastSeq = chunk[chunk.length - 1]!.seq;
        await this.writer.write(samples, lastSeq);
        this.queue.splice(0, take);
        this.queuedSamples -= count;
        this.appliedSeq = lastSeq;
        this.stats.applied += count;
        for (const q of chunk) this.track(q);
        this.feed.publish(samples);
      }
    } catch (err) {
      this.applyError = err as Error;
    } finally {
      this.applying = undefined;
    }
  }

  private track(q: Queued): void {
    let first = Infinity;
    let last = -Infinity;
    for (const s of q.samples) {
      if (s.ts < first) first = s.ts;
      if (s.ts > last) last = s.ts;
    }
    this.instances.touch(q.batch.instance, q.batch.labels, first, last, q.samples.length);
  }

  /** Waits until everything acknowledged is stored. */
  async drain(): Promise<void> {
    while (this.applying) await this.applying;
    if (this.applyError) throw this.applyError;
  }

  /** Drops log segments the store already holds. */
  async compactLog(): Promise<number> {
    return this.log.truncateThrough(this.appliedSeq);
  }
}
