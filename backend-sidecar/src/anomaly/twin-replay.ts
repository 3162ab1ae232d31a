import { AnomalyDetector } from './anomaly-detector.ts';
import { historyNeeded, LstmTwinRunner, type LoadedTwin } from '../twin/index.ts';
import type { SeriesWindow } from '../store/index.ts';

/** What the twin made of a stretch of history, step by step: its prediction, the band around it, the scores. */
export interface TwinReplay {
  version: string;
  stepMs: number;
  ts: number[];
  /** Per metric, per step: the twin's prediction made before the step's value was seen. */
  predicted: Record<string, (number | null)[]>;
  /** The band within which a value is not anomalous (prediction -/+ threshold times the usual error). */
  lower: Record<string, (number | null)[]>;
  upper: Record<string, (number | null)[]>;
  /** Per metric, per step: the anomaly score (above the threshold is anomalous); `*instance` the instance's. */
  score: Record<string, (number | null)[]>;
  /**
   * Per metric, per step: how far past its thresholds the metric went, as a surprise (score over
   * threshold) or in level (distance from its training mean over the level threshold), whichever is
   * more. Above 1 the detector flags the metric.
   */
  ratio: Record<string, (number | null)[]>;
}

/**
 * Runs a fresh copy of the instance's LSTM twin over stored history (read at the model's step,
 * starting early enough to fill its window) and records, for every step from `from`, what it
 * predicted, its band and its scores: the series Grafana draws against the actual values.
 */
export function replayTwin(loaded: LoadedTwin, window: SeriesWindow, from: number): TwinReplay {
  const { model } = loaded;
  if (model.kind !== 'lstm' || !loaded.weights) throw new Error(`a ${model.kind} twin has no replay`);
  const runner = new LstmTwinRunner(model, loaded.weights);
  const detector = AnomalyDetector.forTwin(model.instance, model);
  const metrics = model.features.inputs.map((i) => i.metric);
  const out: TwinReplay = {
    version: model.version,
    stepMs: model.window.stepMs,
    ts: [],
    predicted: {},
    lower: {},
    upper: {},
    score: {},
    ratio: {},
  };
  for (const m of metrics) for (const k of ['predicted', 'lower', 'upper', 'score', 'ratio'] as const) out[k][m] = [];
  out.score['*instance'] = [];
  const errorOf = new Map(
    model.features.inputs.map((input, k) => [input.metric, model.metrics[k]!.errorScale * input.scale])
  );
  window.ts.forEach((ts, row) => {
    const values: Record<string, number> = {};
    window.metrics.forEach((m, c) => {
      const v = window.values[c]![row]!;
      if (Number.isFinite(v)) values[m] = v;
    });
    const step = runner.step(ts, values);
    if (ts < from) return;
    out.ts.push(ts);
    const point = step ? detector.score(ts, step.scores, () => step.levels ?? {}) : undefined;
    const predicted = step?.predicted ?? {};
    const levels = step?.levels ?? {};
    for (const m of metrics) {
      const p = predicted[m];
      const band = (detector.threshold(m) ?? 0) * (errorOf.get(m) ?? 0);
      out.predicted[m]!.push(p ?? null);
      out.lower[m]!.push(p === undefined ? null : p - band);
      out.upper[m]!.push(p === undefined ? null : p + band);
      const score = step?.scores[m];
      out.score[m]!.push(score ?? null);
      out.ratio[m]!.push(score === undefined || !detector.threshold(m) ? null : detector.ratio(m, score, levels[m]));
    }
    out.score['*instance']!.push(point?.instanceScore ?? null);
  });
  return out;
}

/** How far before `from` history must be read for the replay to predict from `from` on. */
export function replayLead(loaded: LoadedTwin): number {
  const { steps, stepMs } = historyNeeded(loaded.model);
  return (steps + 1) * stepMs;
}
