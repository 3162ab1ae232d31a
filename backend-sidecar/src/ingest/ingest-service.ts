import type { InstanceLabels, Sample } from '../core/types.ts';
import type { LiveFeed } from './live-feed.ts';
import { validateBatch, type IngestBatch } from './validate-batch.ts';

/** Where accepted samples are made durable (a metric store). */
export interface SampleWriter {
  write(samples: readonly Sample[]): Promise<void>;
}

/** Keeps track of which instances report (the instance registry). */
export interface InstanceTracker {
  touch(id: string, labels: InstanceLabels | undefined, firstTs: number, lastTs: number, count: number): void;
}

export interface IngestStats {
  batches: number;
  samples: number;
  points: number;
}

/**
 * The one entry point for metrics, whatever protocol they came in: validate, make durable, then
 * acknowledge and publish to the live feed. A batch is accepted whole or refused whole.
 */
export class IngestService {
  readonly stats: IngestStats = { batches: 0, samples: 0, points: 0 };

  constructor(
    private readonly writer: SampleWriter,
    private readonly instances: InstanceTracker,
    private readonly feed: LiveFeed
  ) {}

  async ingest(batch: IngestBatch, where?: string): Promise<number> {
    const samples = validateBatch(batch, where);
    if (samples.length === 0) return 0;
    await this.writer.write(samples);
    let first = Infinity;
    let last = -Infinity;
    let points = 0;
    for (const s of samples) {
      if (s.ts < first) first = s.ts;
      if (s.ts > last) last = s.ts;
      points += Object.keys(s.values).length;
    }
    this.instances.touch(batch.instance, batch.labels, first, last, samples.length);
    this.stats.batches += 1;
    this.stats.samples += samples.length;
    this.stats.points += points;
    this.feed.publish(samples);
    return samples.length;
  }
}
