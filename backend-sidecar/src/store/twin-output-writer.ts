import type { Sample } from '../core/types.ts';
import type { MetricStore } from './metric-store.ts';

/** One instance's twin outputs, as the failure analysis gives them. */
export interface TwinOutputSource {
  instance: string;
  predictions: readonly { kind: string; horizonMs: number; probability: number }[];
  anomalyScore: number | undefined;
  /** The twin's next values, by metric. */
  next: Record<string, number>;
}

/**
 * Writes the twins' outputs into the metric store (InfluxDB or Prometheus), beside the instances'
 * own series: `twin_failure_probability.kind_<kind>.horizon_<minutes>m`, `twin_anomaly_score` and
 * `twin_prediction.<metric>`. Training leaves `twin_*` out.
 */
export class TwinOutputWriter {
  constructor(private readonly metrics: Pick<MetricStore, 'write'>) {}

  async write(outputs: readonly TwinOutputSource[], now = Date.now()): Promise<number> {
    const samples: Sample[] = outputs.map((o) => ({ instance: o.instance, ts: now, values: outputValues(o) }));
    if (samples.length) await this.metrics.write(samples);
    return samples.length;
  }
}

function outputValues(o: TwinOutputSource): Record<string, number> {
  const values: Record<string, number> = {};
  for (const p of o.predictions)
    values[`twin_failure_probability.kind_${p.kind}.horizon_${p.horizonMs / 60_000}m`] = p.probability;
  if (o.anomalyScore !== undefined) values.twin_anomaly_score = o.anomalyScore;
  for (const [metric, value] of Object.entries(o.next)) values[`twin_prediction.${metric}`] = value;
  return values;
}
