import { createDataFrame, FieldType, type DataFrame } from '@grafana/data';
import type {
  FailurePrediction,
  Incident,
  InstanceSummary,
  Recommendation,
  SeriesResponse,
  WhatIfAction,
} from '../api/types';

/** Field names the panels look for (a frame from elsewhere with these names works too). */
export const FIELDS = {
  time: 'time',
  actual: 'actual',
  predicted: 'predicted',
  lower: 'lower',
  upper: 'upper',
  score: 'score',
  probability: 'probability',
  intervalLow: 'interval_low',
  intervalHigh: 'interval_high',
  confidence: 'confidence',
} as const;

const nums = (xs: Array<number | null> | undefined, n: number) =>
  Array.from({ length: n }, (_, i) => (xs && xs[i] !== null && xs[i] !== undefined ? (xs[i] as number) : null));

/** Nearest index in sorted `ts` at or before `t` (the twin steps are coarser than raw samples). */
function alignTo(ts: number[], actualTs: number[], actual: Array<number | null>): Array<number | null> {
  const out: Array<number | null> = [];
  let j = 0;
  for (const t of ts) {
    // The mean of the raw samples within the step [t, t + step) stands for the step.
    while (j < actualTs.length && actualTs[j]! < t) {
      j++;
    }
    out.push(j < actualTs.length && actual[j] !== undefined ? actual[j]! : null);
  }
  return out;
}

/**
 * One frame per metric: actual against predicted, the adaptive band and the score (above 1 is
 * anomalous). The twin works at its own step; the actual values are taken at the twin's steps.
 */
export function twinFrames(response: SeriesResponse, refId: string): DataFrame[] {
  const twin = response.twin;
  if (!twin) {
    return actualFrames(response, refId);
  }
  return Object.keys(twin.predicted)
    .filter((m) => !m.startsWith('*'))
    .map((metric) => {
      const n = twin.ts.length;
      const actual = alignTo(twin.ts, response.ts, response.series[metric] ?? []);
      return createDataFrame({
        refId,
        name: metric,
        meta: { custom: { instance: response.instance, metric, version: twin.version, stepMs: twin.stepMs } },
        fields: [
          { name: FIELDS.time, type: FieldType.time, values: twin.ts },
          { name: FIELDS.actual, type: FieldType.number, values: actual, config: { displayName: `${metric}` } },
          {
            name: FIELDS.predicted,
            type: FieldType.number,
            values: nums(twin.predicted[metric], n),
            config: { displayName: `${metric} predicted` },
          },
          { name: FIELDS.lower, type: FieldType.number, values: nums(twin.lower[metric], n) },
          { name: FIELDS.upper, type: FieldType.number, values: nums(twin.upper[metric], n) },
          // Above 1 the detector flags the metric (the ratio; the raw score where an older sidecar sends none).
          { name: FIELDS.score, type: FieldType.number, values: nums((twin.ratio ?? twin.score)[metric], n) },
        ],
      });
    });
}

/** One frame per metric with the stored values. */
export function actualFrames(response: SeriesResponse, refId: string): DataFrame[] {
  return Object.entries(response.series).map(([metric, values]) =>
    createDataFrame({
      refId,
      name: metric,
      meta: { custom: { instance: response.instance, metric } },
      fields: [
        { name: FIELDS.time, type: FieldType.time, values: response.ts },
        {
          name: metric,
          type: FieldType.number,
          values,
          labels: { instance: response.instance },
          config: { displayName: metric },
        },
      ],
    })
  );
}

/** The instance's anomaly score over the range, from the twin's replay. */
export function anomalyScoreFrame(response: SeriesResponse, refId: string): DataFrame {
  const twin = response.twin;
  const ts = twin?.ts ?? [];
  return createDataFrame({
    refId,
    name: `${response.instance} anomaly score`,
    fields: [
      { name: FIELDS.time, type: FieldType.time, values: ts },
      {
        name: FIELDS.score,
        type: FieldType.number,
        values: nums(twin?.score['*instance'], ts.length),
        labels: { instance: response.instance },
        config: { displayName: `${response.instance} anomaly score`, min: 0 },
      },
    ],
  });
}

export const horizonLabel = (ms: number) =>
  ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${ms / 60_000}m`;

/**
 * The current failure predictions as a table: one row per kind and horizon, with the interval, the
 * confidence and whether the prior speaks.
 */
export function failureTableFrame(
  instance: string,
  predictions: FailurePrediction[],
  refId: string,
  now: number
): DataFrame {
  return createDataFrame({
    refId,
    name: `${instance} failure probability`,
    meta: { custom: { instance } },
    fields: [
      { name: FIELDS.time, type: FieldType.time, values: predictions.map(() => now) },
      { name: 'kind', type: FieldType.string, values: predictions.map((p) => p.kind) },
      { name: 'horizon', type: FieldType.string, values: predictions.map((p) => horizonLabel(p.horizonMs)) },
      {
        name: FIELDS.probability,
        type: FieldType.number,
        values: predictions.map((p) => p.probability),
        config: { unit: 'percentunit', min: 0, max: 1 },
      },
      { name: FIELDS.intervalLow, type: FieldType.number, values: predictions.map((p) => p.interval[0]) },
      { name: FIELDS.intervalHigh, type: FieldType.number, values: predictions.map((p) => p.interval[1]) },
      { name: FIELDS.confidence, type: FieldType.number, values: predictions.map((p) => p.confidence) },
      { name: 'prior', type: FieldType.boolean, values: predictions.map((p) => p.prior) },
    ],
  });
}

/** Incidents as annotation rows: time, timeEnd, title, text (root causes with evidence), tags. */
export function incidentFrame(incidents: Incident[], refId: string): DataFrame {
  return createDataFrame({
    refId,
    name: 'incidents',
    meta: { dataTopic: undefined },
    fields: [
      { name: 'time', type: FieldType.time, values: incidents.map((i) => i.start) },
      { name: 'timeEnd', type: FieldType.time, values: incidents.map((i) => i.end) },
      {
        name: 'title',
        type: FieldType.string,
        values: incidents.map(
          (i) =>
            `${i.instance}: ${i.severity} incident (peak ${i.peakScore.toFixed(1)})` +
            (i.recurring ? `, recurring at this time on ${i.recurring.days} of the last 7 days` : '')
        ),
      },
      {
        name: 'text',
        type: FieldType.string,
        values: incidents.map((i) =>
          i.rootCauses
            .map((c) => `${c.resource} ${(100 * c.score).toFixed(0)}%: ${c.evidence.slice(0, 2).join('; ')}`)
            .join('\n')
        ),
      },
      {
        name: 'tags',
        type: FieldType.other,
        values: incidents.map((i) => [i.severity, i.instance, ...(i.recurring ? ['recurring'] : [])]),
      },
      { name: 'id', type: FieldType.string, values: incidents.map((i) => i.id) },
    ],
  });
}

/** The fleet as a table: one row per instance with its status, worst failure risk and twin version. */
export function instancesFrame(instances: InstanceSummary[], refId: string): DataFrame {
  const worst = (i: InstanceSummary) => Math.max(0, ...i.failurePredictions.map((p) => p.probability));
  return createDataFrame({
    refId,
    name: 'instances',
    fields: [
      { name: 'instance', type: FieldType.string, values: instances.map((i) => i.id) },
      { name: 'host', type: FieldType.string, values: instances.map((i) => i.labels.host ?? '') },
      { name: 'status', type: FieldType.string, values: instances.map((i) => i.status) },
      {
        name: 'failure probability',
        type: FieldType.number,
        values: instances.map(worst),
        config: { unit: 'percentunit', min: 0, max: 1 },
      },
      { name: 'anomaly score', type: FieldType.number, values: instances.map((i) => i.anomalyScore) },
      {
        name: 'twin',
        type: FieldType.string,
        values: instances.map((i) => ('version' in i.twin ? i.twin.version : `ready in ${i.twin.readyInSeconds}s`)),
      },
    ],
  });
}

/** `host=h-1,zone=z` → a predicate on labels; a plain id matches that instance. */
export function instanceMatcher(selector: string): (i: InstanceSummary) => boolean {
  const s = selector.trim();
  if (!s.includes('=')) {
    return (i) => i.id === s;
  }
  const pairs = s.split(',').map((p) => p.split('=').map((x) => x.trim()) as [string, string]);
  return (i) => pairs.every(([k, v]) => (k === 'id' ? i.id === v : i.labels[k] === v));
}

/** The latest incident's root causes as a table (resource, share, evidence). */
export function rootCausesFrame(instance: string, incident: Incident | undefined, refId: string): DataFrame {
  const causes = incident?.rootCauses ?? [];
  return createDataFrame({
    refId,
    name: 'root_causes',
    meta: { custom: { instance, incident: incident?.id } },
    fields: [
      { name: 'resource', type: FieldType.string, values: causes.map((c) => c.resource) },
      { name: 'share', type: FieldType.number, values: causes.map((c) => c.score), config: { unit: 'percentunit' } },
      { name: 'evidence', type: FieldType.string, values: causes.map((c) => c.evidence.join('; ')) },
    ],
  });
}

export const actionLabel = (a: WhatIfAction) => ('percent' in a ? `${a.type} +${a.percent}%` : a.type);

/** Recommended actions ranked by how much they lower the failure probability in the what-if. */
export function actionsFrame(instance: string, items: Recommendation[], refId: string): DataFrame {
  return createDataFrame({
    refId,
    name: 'actions',
    meta: { custom: { instance } },
    fields: [
      { name: 'action', type: FieldType.string, values: items.map((r) => actionLabel(r.action)) },
      { name: 'drop', type: FieldType.number, values: items.map((r) => r.drop), config: { unit: 'percentunit' } },
      {
        name: 'probability after',
        type: FieldType.number,
        values: items.map((r) => r.probability),
        config: { unit: 'percentunit' },
      },
    ],
  });
}
