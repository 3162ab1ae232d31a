import type { DataFrame } from '@grafana/data';
import { FIELDS } from '../../datasource/frames';

export interface CurrentRisk {
  instance: string;
  kind: string;
  horizon: string;
  probability: number;
  interval: [number, number];
  confidence: number;
  prior: boolean;
}

export interface RiskSeries {
  name: string;
  time: number[];
  values: Array<number | null>;
}

export type RiskLevel = 'ok' | 'warning' | 'critical';

const col = (frame: DataFrame, name: string) => Array.from(frame.fields.find((f) => f.name === name)?.values ?? []);

/** The current predictions (the failure_probability table rows). */
export function currentRisks(frames: DataFrame[]): CurrentRisk[] {
  return frames
    .filter((f) => f.fields.some((x) => x.name === 'kind') && f.fields.some((x) => x.name === FIELDS.probability))
    .flatMap((f) => {
      const kind = col(f, 'kind');
      return kind.map((k, i) => ({
        instance: String(f.meta?.custom?.instance ?? ''),
        kind: String(k),
        horizon: String(col(f, 'horizon')[i] ?? ''),
        probability: Number(col(f, FIELDS.probability)[i]),
        interval: [Number(col(f, FIELDS.intervalLow)[i] ?? 0), Number(col(f, FIELDS.intervalHigh)[i] ?? 1)] as [
          number,
          number,
        ],
        confidence: Number(col(f, FIELDS.confidence)[i] ?? 0),
        prior: Boolean(col(f, 'prior')[i]),
      }));
    })
    .sort((a, b) => b.probability - a.probability);
}

/** Probability over time: every numeric field of a time frame that is not the table (the live stream, Prometheus). */
export function riskSeries(frames: DataFrame[]): RiskSeries[] {
  return frames
    .filter((f) => !f.fields.some((x) => x.name === 'kind') && f.fields[0]?.type === 'time')
    .flatMap((f) =>
      f.fields
        .slice(1)
        .filter((x) => x.type === 'number')
        .map((x) => ({
          name: x.config?.displayName || (x.labels ? Object.values(x.labels).join(' ') : '') || x.name,
          time: Array.from(f.fields[0]!.values) as number[],
          values: Array.from(x.values) as Array<number | null>,
        }))
    );
}

export function levelOf(p: number, warning: number, critical: number): RiskLevel {
  return p >= critical ? 'critical' : p >= warning ? 'warning' : 'ok';
}

export function tableRows(frames: DataFrame[], name: string): Array<Record<string, unknown>> {
  const frame = frames.find((f) => f.name === name);
  if (!frame) {
    return [];
  }
  const n = frame.fields[0]?.values.length ?? 0;
  return Array.from({ length: n }, (_, i) => Object.fromEntries(frame.fields.map((f) => [f.name, f.values[i]])));
}
