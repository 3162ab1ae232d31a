import { errors, TwinError } from '../core/errors.ts';
import type { InstanceLabels } from '../core/types.ts';
import { toColumnar, type ColumnarBatch } from '../core/columnar.ts';
import { decodeAgentFrame, FrameError, type AgentFrame } from '../core/agent-frame.ts';
import type { LiveFeed } from './live-feed.ts';
import { validateBatch, validateColumnar, type IngestBatch } from './validate-batch.ts';
import type { Precision } from './line-protocol-parser.ts';
import { inThreadParser, type LineProtocolParser } from './line-protocol-workers.ts';
import { linesToColumnar } from './line-protocol-batches.ts';
import { ResentBodies } from './resent-bodies.ts';

// Log payloads: JSON batches (they start with "["), or line protocol kept as it came
// (0x02, receive time u64, precision length u8, precision, body), cheaper to log than re-encoded;
// 0x06 the same for a body whose every point has its own time (so a resend of it is a duplicate).
const LINE_PROTOCOL_PAYLOAD = 0x02;
const TIMED_LINE_PROTOCOL_PAYLOAD = 0x06;
// Agent batches are logged as the LZ4 frame they came in, after the agent's id and the batch's
// sequence number (0x05, u16 id length, id, f64 seq, frame) so that recovery reads which batches
// each agent had acknowledged without inflating them; logs before 2026-12-08 hold 0x03, frame.
const AGENT_FRAME_PAYLOAD_V1 = 0x03;
const AGENT_FRAME_PAYLOAD = 0x05;
// The highest acknowledged sequence per agent (0x04, JSON), written before old log segments are
// dropped: with the frames logged since, it says which resent batches are duplicates after a restart.
const AGENT_SEQS_PAYLOAD = 0x04;

function agentFrameRecord(frame: AgentFrame, bytes: Buffer): Buffer[] {
  const id = Buffer.from(frame.agentId, 'utf8');
  const head = Buffer.alloc(1 + 2 + id.length + 8);
  head[0] = AGENT_FRAME_PAYLOAD;
  head.writeUInt16LE(id.length, 1);
  id.copy(head, 3);
  head.writeDoubleLE(frame.seq, 3 + id.length);
  return [head, bytes];
}

/** The digest a log record's body is remembered by (see `ResentBodies`); undefined for records a resend of which is new data. */
function resendDigest(payload: Buffer): string | undefined {
  if (payload[0] === TIMED_LINE_PROTOCOL_PAYLOAD) {
    const precision = payload.toString('latin1', 10, 10 + payload[9]!);
    return ResentBodies.digest(precision, payload.subarray(10 + payload[9]!));
  }
  return payload[0] === 0x5b ? ResentBodies.digest('json', payload) : undefined;
}

/** An agent frame record's agent id, sequence number and where its frame starts. */
function agentFrameHead(payload: Buffer): { agentId: string; seq: number; frameAt: number } {
  const idLength = payload.readUInt16LE(1);
  return {
    agentId: payload.toString('utf8', 3, 3 + idLength),
    seq: payload.readDoubleLE(3 + idLength),
    frameAt: 3 + idLength + 8,
  };
}

function encodeLineProtocol(body: Buffer, precision: Precision, receivedAt: number, timed: boolean): Buffer[] {
  const head = Buffer.alloc(10 + precision.length);
  head[0] = timed ? TIMED_LINE_PROTOCOL_PAYLOAD : LINE_PROTOCOL_PAYLOAD;
  head.writeBigUInt64LE(BigInt(receivedAt), 1);
  head[9] = precision.length;
  head.write(precision, 10, 'latin1');
  return [head, body];
}

function decodePayload(payload: Buffer): ColumnarBatch[] {
  if (payload[0] === AGENT_FRAME_PAYLOAD) return [decodeAgentFrame(payload.subarray(agentFrameHead(payload).frameAt))];
  if (payload[0] === AGENT_FRAME_PAYLOAD_V1) return [decodeAgentFrame(payload.subarray(1))];
  if (payload[0] !== LINE_PROTOCOL_PAYLOAD && payload[0] !== TIMED_LINE_PROTOCOL_PAYLOAD) {
    return (JSON.parse(payload.toString('utf8')) as IngestBatch[]).map((b) =>
      toColumnar(b.instance, b.labels, b.samples)
    );
  }
  const receivedAt = Number(payload.readBigUInt64LE(1));
  const precision = payload.toString('latin1', 10, 10 + payload[9]!) as Precision;
  return linesToColumnar(payload.toString('utf8', 10 + payload[9]!), precision, receivedAt);
}

/** The durable log every accepted batch goes to before it is acknowledged. */
export interface DurableLog {
  /** A payload given in parts is logged as their concatenation. */
  append(payload: Buffer | readonly Buffer[]): Promise<number>;
  replay(afterSeq: number): Iterable<{ seq: number; payload: Buffer }>;
  truncateThrough(seq: number): Promise<number>;
}

/** Where batches end up (a metric store); `walSeq` is recorded atomically with the data. */
export interface SampleWriter {
  writeColumns(batches: readonly ColumnarBatch[], walSeq?: number): Promise<void>;
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
  /** Where line protocol is parsed (worker threads in the sidecar; this thread by default). */
  lineProtocolParser?: LineProtocolParser;
  /**
   * Where stored batches go instead of straight to this node's live feed (several API nodes: the
   * fleet bus, which brings them back to every node through `deliver`). If it fails, the batches
   * are delivered here so that this node at least sees them.
   */
  fanOut?: (batches: readonly ColumnarBatch[]) => Promise<unknown>;
}

export interface IngestStats {
  batches: number;
  /** Bodies acknowledged again without storing them: resends of ones already stored. */
  resent: number;
  samples: number;
  refused: number;
  applied: number;
  /** Stored batches that could not be fanned out to the other nodes (delivered here only). */
  fanOutFailures: number;
}

interface Queued {
  seq: number;
  batches: ColumnarBatch[];
  count: number;
}

/**
 * The one entry point for metrics, whatever protocol they came in: validate (a request is kept
 * whole or refused whole), append to the write-ahead log, acknowledge; then, in the background,
 * store in large transactions and publish to the live feed. When the store falls behind, new
 * requests are refused (503 + Retry-After) so memory stays bounded and nothing acknowledged is
 * ever dropped. Data moves as columns (one batch per instance), never as objects per sample.
 */
export class IngestService {
  readonly stats: IngestStats = { batches: 0, resent: 0, samples: 0, refused: 0, applied: 0, fanOutFailures: 0 };
  private queue: Queued[] = [];
  private queuedSamples = 0;
  private applying: Promise<void> | undefined;
  private appliedSeq = 0;
  private applyError: Error | undefined;
  private readonly maxQueued: number;
  private readonly maxApply: number;
  private readonly parser: LineProtocolParser;
  private readonly fanOut: IngestOptions['fanOut'];
  /** Highest batch sequence acknowledged per agent (rebuilt from the log on recovery). */
  private readonly agentSeqs = new Map<string, number>();
  /** Bodies acknowledged lately, so that a client's resend of one is not stored twice. */
  private readonly resent = new ResentBodies();
  /** Whether `agentSeqs` changed since the log last held a snapshot of it, and that snapshot's log seq. */
  private agentSeqsChanged = false;
  private agentSeqsAt = 0;

  constructor(
    private readonly log: DurableLog,
    private readonly writer: SampleWriter,
    private readonly instances: InstanceTracker,
    private readonly feed: LiveFeed,
    options: IngestOptions = {}
  ) {
    this.maxQueued = options.maxQueuedSamples ?? 500_000;
    this.maxApply = options.maxApplySamples ?? 100_000;
    this.parser = options.lineProtocolParser ?? inThreadParser;
    this.fanOut = options.fanOut;
  }

  /** Re-applies what the log holds beyond what the store has (after a crash), before serving. */
  async recover(): Promise<number> {
    this.appliedSeq = await this.writer.appliedSeq();
    let replayed = 0;
    // Every record the log still holds says something of the agents' sequences; only those past
    // what the store holds are applied again.
    for (const record of this.log.replay(0)) {
      this.noteAgentSeqs(record.payload);
      const digest = resendDigest(record.payload);
      if (digest) this.resent.add(digest);
      if (record.payload[0] === AGENT_SEQS_PAYLOAD) this.agentSeqsAt = record.seq;
      if (record.seq <= this.appliedSeq || record.payload[0] === AGENT_SEQS_PAYLOAD) continue;
      const batches = decodePayload(record.payload);
      const count = batches.reduce((n, b) => n + b.ts.length, 0);
      this.enqueue({ seq: record.seq, batches, count });
      replayed += count;
    }
    await this.drain();
    return replayed;
  }

  private noteAgentSeqs(payload: Buffer): void {
    const saw = (agentId: string, seq: number) => {
      if (seq > (this.agentSeqs.get(agentId) ?? -1)) this.agentSeqs.set(agentId, seq);
    };
    if (payload[0] === AGENT_SEQS_PAYLOAD)
      for (const [agentId, seq] of Object.entries(JSON.parse(payload.toString('utf8', 1)) as Record<string, number>))
        saw(agentId, seq);
    else if (payload[0] === AGENT_FRAME_PAYLOAD) {
      const { agentId, seq } = agentFrameHead(payload);
      saw(agentId, seq);
    } else if (payload[0] === AGENT_FRAME_PAYLOAD_V1) {
      const frame = decodeAgentFrame(payload.subarray(1));
      saw(frame.agentId, frame.seq);
    }
  }

  get backlog(): number {
    return this.queuedSamples;
  }

  /** Resolves with the number of samples once the batch is durable (acknowledged). */
  ingest(batch: IngestBatch, where?: string): Promise<number> {
    return this.ingestMany([batch], where);
  }

  /** Several instances' batches as one write: all kept, or (on any error) none. */
  async ingestMany(batches: readonly IngestBatch[], where = 'body'): Promise<number> {
    const columnar = batches.map((batch, i) => {
      const samples = validateBatch(batch, batches.length > 1 ? `${where}/batches/${i}` : where);
      return toColumnar(batch.instance, batch.labels, samples);
    });
    // Every sample has its time: the same batches again are a resend.
    const payload = Buffer.from(JSON.stringify(batches));
    const digest = ResentBodies.digest('json', payload);
    if (this.resent.has(digest)) return this.duplicate();
    const accepted = await this.commit(columnar, () => payload);
    this.resent.add(digest);
    return accepted;
  }

  /** A resent body, acknowledged again: nothing is stored. */
  private duplicate(): number {
    this.stats.resent++;
    return 0;
  }

  /** A line-protocol body: parsed, then kept whole or refused whole (400 with line and column). */
  async ingestLineProtocol(body: Buffer | string, precision: Precision): Promise<number> {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const receivedAt = Date.now();
    const { batches, digest } = await this.parser.parse(bytes, precision, receivedAt);
    if (this.resent.has(digest)) return this.duplicate();
    batches.forEach((b, i) => validateColumnar(b, batches.length > 1 ? `body/batches/${i}` : 'body'));
    // Points without a time of their own got the time received: the same body later is new points.
    const timed = !batches.some((b) => b.ts.includes(receivedAt));
    const accepted = await this.commit(batches, () => encodeLineProtocol(bytes, precision, receivedAt, timed));
    if (timed) this.resent.add(digest);
    return accepted;
  }

  /**
   * An agent's LZ4 batch. A batch whose sequence number this agent already had acknowledged (a
   * resend after a lost answer) is acknowledged again and not stored twice.
   */
  async ingestAgentFrame(frame: Buffer): Promise<{ accepted: number; duplicate: boolean; seq: number }> {
    let batch;
    try {
      batch = await this.parser.decodeFrame(frame);
    } catch (err) {
      if (err instanceof FrameError) throw new TwinError('TWIN_ERR_AGENT_FRAME', err.status, err.message, 'body');
      throw err;
    }
    validateColumnar(batch);
    const seen = this.agentSeqs.get(batch.agentId);
    if (seen !== undefined && batch.seq <= seen) return { accepted: 0, duplicate: true, seq: batch.seq };
    const accepted = await this.commit([batch], () => agentFrameRecord(batch, frame));
    if (batch.seq > (this.agentSeqs.get(batch.agentId) ?? -1)) {
      this.agentSeqs.set(batch.agentId, batch.seq);
      this.agentSeqsChanged = true;
    }
    return { accepted, duplicate: false, seq: batch.seq };
  }

  private async commit(batches: ColumnarBatch[], payload: () => Buffer | Buffer[]): Promise<number> {
    const count = batches.reduce((n, b) => n + b.ts.length, 0);
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
    this.enqueue({ seq, batches, count });
    this.stats.batches += batches.length;
    this.stats.samples += count;
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
        const batches = chunk.flatMap((q) => q.batches);
        const lastSeq = chunk[chunk.length - 1]!.seq;
        await this.writer.writeColumns(batches, lastSeq);
        this.queue.splice(0, take);
        this.queuedSamples -= count;
        this.appliedSeq = lastSeq;
        this.stats.applied += count;
        if (!this.fanOut) this.deliver(batches);
        else
          await this.fanOut(batches).catch(() => {
            this.stats.fanOutFailures++;
            this.deliver(batches);
          });
      }
    } catch (err) {
      this.applyError = err as Error;
    } finally {
      this.applying = undefined;
    }
  }

  /** Stored batches reach the instance registry and the live feed (scoring, streams). */
  deliver(batches: readonly ColumnarBatch[]): void {
    for (const b of batches) this.track(b);
    this.feed.publish(batches);
  }

  private track(batch: ColumnarBatch): void {
    if (batch.ts.length === 0) return;
    let first = Infinity;
    let last = -Infinity;
    for (const ts of batch.ts) {
      if (ts < first) first = ts;
      if (ts > last) last = ts;
    }
    this.instances.touch(batch.instance, batch.labels, first, last, batch.ts.length);
  }

  /** Waits until everything acknowledged is stored. */
  async drain(): Promise<void> {
    while (this.applying) await this.applying;
    if (this.applyError) throw this.applyError;
  }

  /** Drops log segments the store already holds. */
  async compactLog(): Promise<number> {
    // The segments about to go may hold the only record of some agent's last sequence (a frame, or
    // the last snapshot): log them all first.
    if (this.agentSeqs.size && (this.agentSeqsChanged || this.agentSeqsAt <= this.appliedSeq)) {
      this.agentSeqsChanged = false;
      this.agentSeqsAt = await this.log.append([
        Buffer.from([AGENT_SEQS_PAYLOAD]),
        Buffer.from(JSON.stringify(Object.fromEntries(this.agentSeqs))),
      ]);
    }
    return this.log.truncateThrough(this.appliedSeq);
  }
}
