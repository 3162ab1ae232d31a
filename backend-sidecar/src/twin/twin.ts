import type { BaselineTwinModel } from './baseline/baseline-training.ts';
import {
  JOINT_SCORE,
  LEVEL_ABOVE_SCORE,
  LEVEL_BELOW_SCORE,
  LEVEL_SCORE,
  type LstmTwinModel,
} from './lstm/lstm-metadata.ts';
import { LstmTwinRunner } from './lstm/lstm-runner.ts';
import { BaselineTwinRunner, type TwinStep } from './baseline/baseline-runner.ts';
import type { LstmWeights } from './lstm/lstm-step.ts';
import { toRegular } from '../features/index.ts';
import type { SeriesWindow } from '../store/index.ts';

/** A twin model's metadata, whatever its kind. */
export type TwinModel = BaselineTwinModel | LstmTwinModel;
export type TwinKind = TwinModel['kind'];

/** A model ready to run: its metadata and, for networks, the weights. */
export interface LoadedTwin {
  model: TwinModel;
  weights?: LstmWeights | undefined;
}

/** Runs one instance's twin over its live samples; a step may complete only every few samples. */
export interface LiveTwin {
  readonly model: TwinModel;
  step(ts: number, values: Record<string, number>): TwinStep | undefined;
}

export function startTwin(loaded: LoadedTwin): LiveTwin {
  if (loaded.model.kind === 'lstm') {
    if (!loaded.weights) throw new Error(`twin ${loaded.model.instance} ${loaded.model.version} has no weights loaded`);
    return new LstmTwinRunner(loaded.model, loaded.weights);
  }
  return new BaselineTwinRunner(loaded.model);
}

/** The score threshold of each metric the twin scores. */
export function thresholdsOf(model: TwinModel): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(model.metrics.map((m) => [m.name, m.threshold]));
  if (model.kind === 'lstm' && model.joint) out[JOINT_SCORE] = model.joint.threshold;
  if (model.kind === 'lstm' && model.level) out[LEVEL_SCORE] = model.level.threshold;
  return out;
}

/** The largest surprise of the twin's training window, past which a live surprise is reported at once (none for older models). */
export function surprisePeakOf(model: TwinModel): number | undefined {
  return model.kind === 'lstm' ? model.surprisePeak : undefined;
}

/**
 * The largest level scores of the twin's training window, by the score they bound: each part of the
 * level score (above and below the baseline), or for models from before the parts were kept the
 * level score as a whole (none for older models still).
 */
export function levelPeaksOf(model: TwinModel): Record<string, number> | undefined {
  const level = model.kind === 'lstm' ? model.level : undefined;
  if (level?.sides) return { [LEVEL_ABOVE_SCORE]: level.sides.above, [LEVEL_BELOW_SCORE]: level.sides.below };
  return level?.peak !== undefined ? { [LEVEL_SCORE]: level.peak } : undefined;
}

/** Steps of history a twin needs behind it before its first prediction. */
export function historyNeeded(model: TwinModel): { steps: number; stepMs: number } {
  if (model.kind !== 'lstm') return { steps: 0, stepMs: model.window.stepMs };
  return { steps: model.network.window + model.features.aggregates.steps + 1, stepMs: model.window.stepMs };
}

/**
 * Starts a twin with the recent history fed through it first, so that it predicts from the next
 * sample on (an LSTM otherwise waits a whole window of live steps before its first prediction).
 */
export async function startTwinFromHistory(
  loaded: LoadedTwin,
  read: (from: number, to: number, stepMs: number) => Promise<SeriesWindow>,
  now: number
): Promise<LiveTwin> {
  const twin = startTwin(loaded);
  const { steps, stepMs } = historyNeeded(loaded.model);
  if (steps === 0) return twin;
  const to = Math.floor(now / stepMs) * stepMs;
  const window = await read(to - steps * stepMs, to, stepMs);
  if (window.ts.length === 0) return twin;
  const series = toRegular(window.ts, window.metrics, window.values, stepMs);
  for (let row = 0; row < series.values[0]!.length; row++) {
    const values: Record<string, number> = {};
    series.metrics.forEach((metric, m) => {
      const v = series.values[m]![row]!;
      if (Number.isFinite(v)) values[metric] = v;
    });
    twin.step(series.from + row * stepMs, values);
  }
  return twin;
}
