import type { DataFrame, Field } from '@grafana/data';
import { FIELDS } from '../../datasource/frames';

export interface TwinSeries {
  metric: string;
  time: number[];
  actual: Array<number | null>;
  predicted: Array<number | null>;
  lower: Array<number | null>;
  upper: Array<number | null>;
  score: Array<number | null>;
}

export interface AnomalyPoint {
  metric: string;
  time: number;
  actual: number;
  score: number;
}

export interface IncidentRow {
  id: string;
  time: number;
  timeEnd: number;
  title: string;
  text: string;
}

const values = (f: Field | undefined): Array<number | null> =>
  f ? (Array.from(f.values) as Array<number | null>) : [];
const byName = (frame: DataFrame, name: string) => frame.fields.find((f) => f.name === name);

/** The twin frames of a panel's data (those with actual, predicted, lower and upper fields). */
export function twinSeries(frames: DataFrame[]): TwinSeries[] {
  return frames
    .filter((f) => byName(f, FIELDS.predicted) && byName(f, FIELDS.actual))
    .map((f) => ({
      metric: f.name ?? (f.meta?.custom?.metric as string) ?? 'metric',
      time: values(byName(f, FIELDS.time)) as number[],
      actual: values(byName(f, FIELDS.actual)),
      predicted: values(byName(f, FIELDS.predicted)),
      lower: values(byName(f, FIELDS.lower)),
      upper: values(byName(f, FIELDS.upper)),
      score: values(byName(f, FIELDS.score)),
    }));
}

/**
 * The anomalies the panel marks: where the detector flagged the metric (its score above 1: a surprise
 * past the band, or a level far from where the metric kept to in training) or the value left the band.
 */
export function anomaliesOf(s: TwinSeries): AnomalyPoint[] {
  const out: AnomalyPoint[] = [];
  s.time.forEach((t, i) => {
    const a = s.actual[i];
    const lo = s.lower[i];
    const hi = s.upper[i];
    if (a === null || a === undefined) {
      return;
    }
    const outside = lo !== null && lo !== undefined && hi !== null && hi !== undefined && (a < lo || a > hi);
    const score = s.score[i] ?? 0;
    if (outside || score > 1) {
      out.push({ metric: s.metric, time: t, actual: a, score });
    }
  });
  return out;
}

/** The metric to show first: the one with the most anomalies (the first metric when none has any). */
export function mostAnomalous(series: TwinSeries[]): TwinSeries | undefined {
  let best = series[0];
  let most = best ? anomaliesOf(best).length : 0;
  for (const s of series.slice(1)) {
    const n = anomaliesOf(s).length;
    if (n > most) {
      best = s;
      most = n;
    }
  }
  return best;
}

/** The incidents frame (annotation rows) of a panel's data, if any. */
export function incidentRows(frames: DataFrame[]): IncidentRow[] {
  const frame = frames.find((f) => byName(f, 'timeEnd') && byName(f, 'title'));
  if (!frame) {
    return [];
  }
  const col = (n: string) => Array.from(byName(frame, n)?.values ?? []);
  const time = col('time') as number[];
  return time.map((t, i) => ({
    id: String(col('id')[i] ?? i),
    time: t,
    timeEnd: Number(col('timeEnd')[i]),
    title: String(col('title')[i] ?? ''),
    text: String(col('text')[i] ?? ''),
  }));
}

/** The incident an anomaly belongs to: the one whose span covers it (with a step's slack), else the nearest before it. */
export function incidentOf(point: AnomalyPoint, incidents: IncidentRow[], slackMs = 120_000): IncidentRow | undefined {
  const covering = incidents.find((i) => point.time >= i.time - slackMs && point.time <= i.timeEnd + slackMs);
  if (covering) {
    return covering;
  }
  return incidents.filter((i) => i.time <= point.time).sort((a, b) => b.time - a.time)[0];
}
