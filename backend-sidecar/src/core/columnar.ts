import type { InstanceLabels, Sample } from './types.ts';

/**
 * One instance's samples as columns: what moves through ingest and into the stores. Row-major
 * values: `values[row * metrics.length + column]`, NaN where a sample lacks a metric.
 */
export interface ColumnarBatch {
  instance: string;
  labels?: InstanceLabels | undefined;
  metrics: string[];
  ts: Float64Array;
  values: Float64Array;
}

export function toColumnar(
  instance: string,
  labels: InstanceLabels | undefined,
  samples: readonly { ts: number; values: Record<string, number> }[]
): ColumnarBatch {
  const index = new Map<string, number>();
  for (const s of samples) for (const m in s.values) if (!index.has(m)) index.set(m, index.size);
  const width = index.size;
  const ts = new Float64Array(samples.length);
  const values = new Float64Array(samples.length * width).fill(NaN);
  samples.forEach((s, row) => {
    ts[row] = s.ts;
    for (const m in s.values) values[row * width + index.get(m)!] = s.values[m]!;
  });
  return { instance, labels, metrics: [...index.keys()], ts, values };
}

/** Rows of a batch as samples (missing metrics left out); `from` skips rows before that time. */
export function toSamples(batch: ColumnarBatch, from = -Infinity): Sample[] {
  const width = batch.metrics.length;
  const out: Sample[] = [];
  for (let row = 0; row < batch.ts.length; row++) {
    if (batch.ts[row]! < from) continue;
    const values: Record<string, number> = {};
    for (let c = 0; c < width; c++) {
      const v = batch.values[row * width + c]!;
      if (!Number.isNaN(v)) values[batch.metrics[c]!] = v;
    }
    out.push({ instance: batch.instance, ts: batch.ts[row]!, values });
  }
  return out;
}

/** Number of values present in a batch (its points). */
export function pointCount(batch: ColumnarBatch): number {
  let n = 0;
  for (let i = 0; i < batch.values.length; i++) if (!Number.isNaN(batch.values[i]!)) n++;
  return n;
}
