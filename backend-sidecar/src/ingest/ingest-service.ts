import { errors } from '../core/errors.ts';
import type { InstanceLabels, Sample } from '../core/types.ts';
import type { LiveFeed } from './live-feed.ts';
import { validateBatch, type IngestBatch } from './validate-batch.ts';
import type { Precision } from './line-protocol-parser.ts';
import { linesToBatches } from './line-protocol-batches.ts';

// Log payloads: JSON batches (they start with "["), or line protocol kept as it came
// (0x02, receive time u64, precision length u8, precision, body), cheaper to log than re-encoded.
const LINE_PROTOCOL_PAYLOAD = 0x02;

function encodeLineProtocol(body: string, precision: Precision, receivedAt: number): Buffer {
  const head = Buffer.alloc(10 + precision.length);
  head[0] = LINE_PROTOCOL_PAYLOAD;
  head.writeBigUInt64LE(BigInt(receivedAt), 1);
  head[9] = precision.length;
  head.write(precision, 10, 'latin1');
  return Buffer.concat([head, Buffer.from(body, 'utf8')]);
}

function decodePayload(payload: Buffer): IngestBatch[] {
  if (payload[0] !== LINE_PROTOCOL_PAYLOAD) return JSON.parse(payload.toString('utf8')) as IngestBatch[];
  const receivedAt = Number(payload.readBigUInt64LE(1));
  const precision = payload.toString('latin1', 10, 10 + payload[9]!) as Precision;
  return linesToBatches(payload.toString('utf8', 10 + payload[9]!), precision, receivedAt);
}

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
  entries: { batch: IngestBatch; samples: Sample[] }[];
  count: number;
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
      const batches = decodePayload(record.payload);
      const entries = batches.map((batch) => ({
        batch,
        samples: batch.samples.map((s) => ({ instance: batch.instance, ts: s.ts, values: s.values })),
      }));
      const count = entries.reduce((n, e) => n + e.samples.length, 0);
      this.enqueue({ seq: record.seq, entries, count });
      replayed += count;
    }
    await this.drain();
    return replayed;
  }

  get backlog(): number {
    return this.queuedSamples;
  }

  /** Resolves with the number of samples once the batch is durable (acknowledged). */
  ingest(batch: IngestBatch, where?: string): Promise<number> {
    return this.ingestMany([batch], where);
  }

  /** A line-protocol body: parsed, then kept whole or refused whole (400 with line and column). */
  ingestLineProtocol(body: string, precision: Precision): Promise<number> {
    const receivedAt = Date.now();
    const batches = linesToBatches(body, precision, receivedAt);
    return this.ingestMany(batches, 'body', () => encodeLineProtocol(body, precision, receivedAt));
  }

  /** Several instances' batches as one write: all kept, or (on any error) none. */
  async ingestMany(
    batches: readonly IngestBatch[],
    where = 'body',
    payload: () => Buffer = () => Buffer.from(JSON.stringify(batches))
  ): Promise<number> {
    const validated = batches.map((batch, i) => ({
      batch,
      samples: validateBatch(batch, batches.length > 1 ? `${where}/batches/${i}` : where),
    }));
    const count = validated.reduce((n, v) => n + v.samples.length, 0);
    if (count === 0) return 0;
    if (this.applyError) throw errors.unavailable(`the metric store failed: ${this.applyError.message}`);
    if (this.queuedSamples + count > this.maxQueued) {
      this.stats.refused += count;
      throw errors.overloaded(this.queuedSamples, this.maxQueued, 1);
    }
    this.queuedSamples += count; // reserved while the log write is in flight
    let seq: number;
    try {
      seq = await this.log.append(payload());
    } catch (err) {
      throw errors.unavailable(`the write-ahead log failed: ${(err as Error).message}`);
    } finally {
      this.queuedSamples -= count;
    }
    this.enqueue({ seq, entries: validated, count });
    this.stats.batches += batches.length;
    this.stats.samples += count;
    for (const v of validated) for (const s of v.samples) this.stats.points += Object.keys(s.values).length;
    return count;
  }

  private enqueue(entry: Queued): void {
    // Log order is apply order: a later sequence number may resolve first, so keep the queue sorted.
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.seq > entry.seq) i--;
    this.queue.splice(i, 0, entry);
    this.queuedSamples += entry.count;
    this.applying ??= this.applyLoop();
  }

  private async applyLoop(): Promise<void> {
    try {
      while (this.queue.length) {
        let take = 0;
        let count = 0;
        while (take < this.queue.length && (take === 0 || count + this.queue[take]!.count <= this.maxApply)) {
          count += this.queue[take]!.count;
          take++;
        }
        const chunk = this.queue.slice(0, take);
        const samples = chunk.flatMap((q) => q.entries.flatMap((e) => e.samples));
        const lastSeq = chunk[chunk.length - 1]!.seq;
        await this.writer.write(samples, lastSeq);
        this.queue.splice(0, take);
        this.queuedSamples -= count;
        this.appliedSeq = lastSeq;
        this.stats.applied += count;
        for (const q of chunk) for (const e of q.entries) this.track(e.batch, e.samples);
        this.feed.publish(samples);
      }
    } catch (err) {
      this.applyError = err as Error;
    } finally {
      this.applying = undefined;
    }
  }

  private track(batch: IngestBatch, samples: Sample[]): void {
    if (samples.length === 0) return;
    let first = Infinity;
    let last = -Infinity;
    for (const s of samples) {
      if (s.ts < first) first = s.ts;
      if (s.ts > last) last = s.ts;
    }
    this.instances.touch(batch.instance, batch.labels, first, last, samples.length);
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
