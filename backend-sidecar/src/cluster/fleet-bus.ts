import { Redis } from 'ioredis';
import type { ColumnarBatch } from '../core/columnar.ts';
import type { FailureEvent, InstanceLabels } from '../core/types.ts';
import type { FindingEvidence } from '../analysis/index.ts';

const SAMPLES = 'twin:samples';
const MODELS = 'twin:models';
const EVENTS = 'twin:events';
const LEASE = 'twin:leader';
const LEASE_MS = 15_000;
// Keep the lease if it is ours, take it if it is free; atomically.
const LEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('pexpire', KEYS[1], ARGV[2]) return 1
elseif redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`;
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;
/** Samples per stream entry (a few hundred KB of JSON). */
const MESSAGE_SAMPLES = 2000;
/**
 * How long the samples stream keeps entries: a node whose connection drops for less than this
 * reads what it missed when it is back (pub/sub would have lost it); older entries are trimmed.
 */
const SAMPLES_KEPT_MS = 120_000;
/**
 * Model changes and fleet events are few: their streams keep an hour, so a node away from Redis
 * for less than that still loads the champions and learns the failures announced meanwhile (a
 * node that starts reads champions and failures from the bucket instead).
 */
const ANNOUNCEMENTS_KEPT_MS = 3_600_000;
/** Entries per read, and how long a read waits for new ones. */
const READ_COUNT = 50;
const READ_BLOCK_MS = 1000;

interface WireBatch {
  instance: string;
  labels?: InstanceLabels | undefined;
  metrics: string[];
  ts: number[];
  /** NaN (a metric missing from a sample) travels as null. */
  values: (number | null)[];
}

const toWire = (b: ColumnarBatch): WireBatch => ({
  instance: b.instance,
  labels: b.labels,
  metrics: b.metrics,
  ts: Array.from(b.ts),
  values: Array.from(b.values, (v) => (Number.isNaN(v) ? null : v)),
});

const fromWire = (w: WireBatch): ColumnarBatch => ({
  instance: w.instance,
  labels: w.labels,
  metrics: w.metrics,
  ts: Float64Array.from(w.ts),
  values: Float64Array.from(w.values, (v) => v ?? NaN),
});

/** What one API node learned that the others' failure analysis needs too. */
export type FleetEvent =
  | { type: 'failure'; failure: FailureEvent }
  | { type: 'findings'; instance: string; time: number; findings: FindingEvidence[] };

export interface ModelChange {
  instance: string;
  /** What changed: a version published by a worker, a promotion, a rollback. */
  why: string;
  node: string;
}

/**
 * What API nodes and workers tell each other through Redis streams, which every API node reads on
 * from the last entry it saw (a dropped connection loses nothing a stream still keeps, as pub/sub
 * would). Stored samples go to every API node, its own included, through `twin:samples` in the one
 * order Redis gives them, so that every node keeps the same live state of every instance
 * (whichever node the samples reached) and serves the same predictions and streams. Model changes
 * (`twin:models`) tell nodes to load the new champion; failures and report findings recorded on one
 * node (`twin:events`) reach the others' failure analysis.
 */
export class FleetBus {
  private readonly pub: Redis;
  /** Blocking stream reads need a connection of their own. */
  private readonly reader: Redis;
  private reading = false;
  /** Per stream, the last entry this node has read. */
  private readonly lastSeen = new Map<string, string>();
  private readonly sampleListeners: ((batches: ColumnarBatch[]) => void)[] = [];
  private readonly modelListeners: ((change: ModelChange) => void)[] = [];
  private readonly eventListeners: ((event: FleetEvent) => void)[] = [];

  private constructor(
    redisUrl: string,
    readonly node: string
  ) {
    this.pub = new Redis(redisUrl, { maxRetriesPerRequest: null });
    this.reader = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    this.pub.on('error', () => undefined); // ioredis reconnects; appends wait for it
    this.reader.on('error', () => undefined);
  }

  /** Connects; API nodes listen, workers only speak. */
  static async open(redisUrl: string, node: string, listen: boolean): Promise<FleetBus> {
    const bus = new FleetBus(redisUrl, node);
    if (listen) {
      await bus.reader.connect();
      // Read from the streams' current ends: what was stored before this node started is in the
      // metric store, and the champions and failures announced before it are in the bucket.
      for (const stream of [SAMPLES, MODELS, EVENTS]) {
        const last = (await bus.reader.xrevrange(stream, '+', '-', 'COUNT', 1))[0];
        bus.lastSeen.set(stream, last ? last[0] : '0-0');
      }
      bus.reading = true;
      void bus.read();
    }
    return bus;
  }

  private async read(): Promise<void> {
    while (this.reading) {
      let answer: [string, [string, string[]][]][] | null;
      try {
        answer = (await this.reader.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          READ_BLOCK_MS,
          'STREAMS',
          ...this.lastSeen.keys(),
          ...this.lastSeen.values()
        )) as [string, [string, string[]][]][] | null;
      } catch {
        // The connection dropped (ioredis reconnects): read on from the last entries seen.
        if (this.reading) await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      for (const [stream, entries] of answer ?? []) {
        for (const [id, fields] of entries) {
          this.lastSeen.set(stream, id);
          this.deliver(stream, fields[1]!);
        }
      }
    }
  }

  private deliver(stream: string, message: string): void {
    if (stream === SAMPLES) {
      const batches = (JSON.parse(message) as WireBatch[]).map(fromWire);
      for (const listener of this.sampleListeners) listener(batches);
    } else if (stream === MODELS) {
      const change = JSON.parse(message) as ModelChange;
      for (const listener of this.modelListeners) listener(change);
    } else {
      const { node, event } = JSON.parse(message) as { node: string; event: FleetEvent };
      // A node's own events are already applied where they happened.
      if (node !== this.node) for (const listener of this.eventListeners) listener(event);
    }
  }

  /** Appends one entry to a stream, trimming the entries older than `keptMs` (by Redis's clock, not this node's). */
  private async append(stream: string, message: string, keptMs: number): Promise<void> {
    const id = await this.pub.xadd(stream, '*', 'm', message);
    const ms = Number(id!.split('-')[0]);
    await this.pub.xtrim(stream, 'MINID', '~', String(ms - keptMs));
  }

  /**
   * Appends stored batches to the samples stream in entries of a few thousand samples (a large
   * apply, up to 100,000 samples, is not one entry that every node must take in at once), trimming
   * entries older than two minutes.
   */
  async publishSamples(batches: readonly ColumnarBatch[]): Promise<void> {
    let message: WireBatch[] = [];
    let rows = 0;
    const append = () => this.append(SAMPLES, JSON.stringify(message), SAMPLES_KEPT_MS);
    for (const batch of batches) {
      message.push(toWire(batch));
      rows += batch.ts.length;
      if (rows >= MESSAGE_SAMPLES) {
        await append();
        message = [];
        rows = 0;
      }
    }
    if (message.length) await append();
  }

  onSamples(listener: (batches: ColumnarBatch[]) => void): void {
    this.sampleListeners.push(listener);
  }

  publishModel(instance: string, why: string): Promise<void> {
    const change: ModelChange = { instance, why, node: this.node };
    return this.append(MODELS, JSON.stringify(change), ANNOUNCEMENTS_KEPT_MS);
  }

  onModel(listener: (change: ModelChange) => void): void {
    this.modelListeners.push(listener);
  }

  publishEvent(event: FleetEvent): Promise<void> {
    return this.append(EVENTS, JSON.stringify({ node: this.node, event }), ANNOUNCEMENTS_KEPT_MS);
  }

  /** Other nodes' events (a node's own are not echoed back to it). */
  onEvent(listener: (event: FleetEvent) => void): void {
    this.eventListeners.push(listener);
  }

  /** Whether this node holds the lease for the fleet's side effects (see `lead`). */
  leader = false;

  /**
   * Takes or keeps the lease that makes one API node the one that acts: remediation, the anomaly
   * history and write-back happen once for the fleet, not once per node. Renewed well within its
   * time to live; when the leader dies, another node takes the lease once it lapses.
   */
  async lead(ttlMs = LEASE_MS): Promise<boolean> {
    const held = await this.pub.eval(LEASE_SCRIPT, 1, LEASE, this.node, String(ttlMs));
    this.leader = held === 1;
    return this.leader;
  }

  async close(): Promise<void> {
    if (this.leader) await this.pub.eval(RELEASE_SCRIPT, 1, LEASE, this.node).catch(() => undefined);
    this.reading = false;
    this.reader.disconnect();
    await this.pub.quit().catch(() => undefined);
  }
}
