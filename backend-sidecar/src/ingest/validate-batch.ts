import { errors } from '../core/errors.ts';
import { INSTANCE_ID_RULE, isInstanceId } from '../core/instance-id.ts';
import type { InstanceLabels, Sample } from '../core/types.ts';
import type { ColumnarBatch } from '../core/columnar.ts';

export interface IngestBatch {
  instance: string;
  labels?: InstanceLabels;
  samples: { ts: number; values: Record<string, number> }[];
}

const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_.]{0,127}$/;
// Samples from before 2000 or more than a day in the future are clock errors, not data.
const MIN_TS = Date.UTC(2000, 0, 1);
const MAX_FUTURE_MS = 86_400_000;
// Metric names repeat in every sample: remember the ones already checked.
const knownNames = new Set<string>();

/** Checks a batch beyond its JSON shape and turns it into samples; names the first bad field. */
export function validateBatch(batch: IngestBatch, where = 'body', now = Date.now()): Sample[] {
  if (!isInstanceId(batch.instance)) {
    throw errors.badRequest(`${where}/instance`, `instance id ${JSON.stringify(batch.instance)}: ${INSTANCE_ID_RULE}`);
  }
  const samples: Sample[] = [];
  batch.samples.forEach((sample, i) => {
    if (!Number.isFinite(sample.ts) || sample.ts < MIN_TS || sample.ts > now + MAX_FUTURE_MS) {
      throw errors.badRequest(
        `${where}/samples/${i}/ts`,
        `timestamp ${sample.ts} is not a time in milliseconds since the epoch between 2000 and tomorrow`
      );
    }
    for (const name in sample.values) {
      const value = sample.values[name];
      if (!knownNames.has(name)) {
        if (!METRIC_NAME.test(name)) {
          throw errors.badRequest(`${where}/samples/${i}/values`, `metric name ${JSON.stringify(name)} is not valid`);
        }
        if (knownNames.size > 100_000) knownNames.clear();
        knownNames.add(name);
      }
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw errors.badRequest(`${where}/samples/${i}/values/${name}`, `value must be a finite number`);
      }
    }
    samples.push({ instance: batch.instance, ts: sample.ts, values: sample.values });
  });
  return samples;
}

/** The same checks on a columnar batch (instance id, metric names, times, finite values), naming the first bad field. */
export function validateColumnar(batch: ColumnarBatch, where = 'body', now = Date.now()): void {
  if (!isInstanceId(batch.instance)) {
    throw errors.badRequest(`${where}/instance`, `instance id ${JSON.stringify(batch.instance)}: ${INSTANCE_ID_RULE}`);
  }
  for (const name of batch.metrics) {
    if (!knownNames.has(name)) {
      if (!METRIC_NAME.test(name))
        throw errors.badRequest(`${where}/metrics`, `metric name ${JSON.stringify(name)} is not valid`);
      if (knownNames.size > 100_000) knownNames.clear();
      knownNames.add(name);
    }
  }
  const maxTs = now + MAX_FUTURE_MS;
  for (let i = 0; i < batch.ts.length; i++) {
    const ts = batch.ts[i]!;
    if (!(ts >= MIN_TS && ts <= maxTs)) {
      throw errors.badRequest(
        `${where}/samples/${i}/ts`,
        `timestamp ${ts} is not a time in milliseconds since the epoch between 2000 and tomorrow`
      );
    }
  }
  for (let i = 0; i < batch.values.length; i++) {
    const v = batch.values[i]!;
    if (v === Infinity || v === -Infinity) {
      throw errors.badRequest(
        `${where}/samples/${Math.floor(i / batch.metrics.length)}/values/${batch.metrics[i % batch.metrics.length]}`,
        'value must be a finite number'
      );
    }
  }
}
