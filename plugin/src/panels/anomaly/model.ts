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

/** Where the actual value left the band: the anomalies the panel marks. */
export function anomaliesOf(s: TwinSeries): AnomalyPoint[] {
  const out: AnomalyPoint[] = [];
  s.time.forEach((t, i) => {
    const a = s.actual[i];
    const lo = s.lower[i];
    const hi = s.upper[i];
    if (a === null || a === undefined || lo === null || hi === null || lo === undefined || hi === undefined) {
      return;
    }
    if (a < lo || a > hi) {
      out.push({ metric: s.metric, time: t, actual: a, score: s.score[i] ?? 0 });
    }
  });
  return out;
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
