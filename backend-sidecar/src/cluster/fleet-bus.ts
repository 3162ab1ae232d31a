import { Redis } from 'ioredis';
import type { ColumnarBatch } from '../core/columnar.ts';
import type { InstanceLabels } from '../core/types.ts';

const SAMPLES = 'twin:samples';
const MODELS = 'twin:models';

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

export interface ModelChange {
  instance: string;
  /** What changed: a version published by a worker, a promotion, a rollback. */
  why: string;
  node: string;
}

/**
 * What API nodes and workers tell each other through Redis pub/sub. Stored samples go to every
 * API node, its own included, in the one order Redis gives them, so that every node keeps the same
 * live state of every instance (whichever node the samples reached) and serves the same
 * predictions and streams. Model changes tell nodes to load the new champion.
 */
export class FleetBus {
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly sampleListeners: ((batches: ColumnarBatch[]) => void)[] = [];
  private readonly modelListeners: ((change: ModelChange) => void)[] = [];

  private constructor(
    redisUrl: string,
    readonly node: string
  ) {
    this.pub = new Redis(redisUrl, { maxRetriesPerRequest: null });
    this.sub = new Redis(redisUrl, { maxRetriesPerRequest: null });
    this.pub.on('error', () => undefined); // ioredis reconnects; publishes wait for it
    this.sub.on('error', () => undefined);
    this.sub.on('message', (channel: string, message: string) => {
      if (channel === SAMPLES) {
        const batches = (JSON.parse(message) as WireBatch[]).map(fromWire);
        for (const listener of this.sampleListeners) listener(batches);
      } else if (channel === MODELS) {
        const change = JSON.parse(message) as ModelChange;
        for (const listener of this.modelListeners) listener(change);
      }
    });
  }

  /** Connects; API nodes listen, workers only speak. */
  static async open(redisUrl: string, node: string, listen: boolean): Promise<FleetBus> {
    const bus = new FleetBus(redisUrl, node);
    if (listen) await bus.sub.subscribe(SAMPLES, MODELS);
    return bus;
  }

  publishSamples(batches: readonly ColumnarBatch[]): Promise<number> {
    return this.pub.publish(SAMPLES, JSON.stringify(batches.map(toWire)));
  }

  onSamples(listener: (batches: ColumnarBatch[]) => void): void {
    this.sampleListeners.push(listener);
  }

  publishModel(instance: string, why: string): Promise<number> {
    return this.pub.publish(MODELS, JSON.stringify({ instance, why, node: this.node } satisfies ModelChange));
  }

  onModel(listener: (change: ModelChange) => void): void {
    this.modelListeners.push(listener);
  }

  async close(): Promise<void> {
    this.sub.disconnect();
    await this.pub.quit().catch(() => undefined);
  }
}
