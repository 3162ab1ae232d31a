import { profileAt } from '../../features/index.ts';
import type { BaselineTwinModel } from './baseline-training.ts';

export interface TwinStep {
  ts: number;
  /** What the twin expected for each metric before seeing the sample. */
  predicted: Record<string, number>;
  /** The values the prediction is compared with. */
  actual: Record<string, number>;
  /** |actual - predicted| / the metric's usual error: how surprising each value is. */
  scores: Record<string, number>;
  /** Per metric: distance from its training mean in training standard deviations (LSTM twins only). */
  levels?: Record<string, number>;
}

/** Runs one instance's twin over its live samples: predict, compare, then follow the level. */
export class BaselineTwinRunner {
  private readonly levels = new Map<string, number>();
  private lastTs: number | undefined;

  constructor(readonly model: BaselineTwinModel) {}

  predict(ts: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const m of this.model.metrics) out[m.name] = profileAt(m.profile, ts) + (this.levels.get(m.name) ?? 0);
    return out;
  }

  step(ts: number, values: Record<string, number>): TwinStep {
    const predicted = this.predict(ts);
    const scores: Record<string, number> = {};
    const alpha = this.lastTs === undefined ? 1 : 1 - Math.exp(-Math.max(0, ts - this.lastTs) / this.model.levelTauMs);
    for (const m of this.model.metrics) {
      const x = values[m.name];
      if (x === undefined || !Number.isFinite(x)) continue;
      scores[m.name] = Math.abs(x - predicted[m.name]!) / m.errorScale;
      const base = profileAt(m.profile, ts);
      const level = this.levels.get(m.name) ?? 0;
      this.levels.set(m.name, level + alpha * (x - base - level));
    }
    this.lastTs = ts;
    return { ts, predicted, actual: values, scores };
  }
}
