import { fitSeasonalProfile, profileAt, quantile, robustScale, type SeasonalProfile } from '../../features/index.ts';
import type { TrainingWindow } from '../training/regime.ts';
import { TWIN_TRAINING } from '../parameters.ts';

/** What a twin knows about one metric: its daily profile and how far its one-step predictions usually miss. */
export interface MetricModel {
  name: string;
  profile: SeasonalProfile;
  /** Robust scale of the one-step prediction error on the training part. */
  errorScale: number;
  /** Score (|error| / errorScale) above which a point is unusual for this instance, from its own training errors. */
  threshold: number;
}

/**
 * The twin model of one instance: per metric, a daily seasonal profile plus a level that follows
 * recent deviations (an exponentially weighted residual), so the next value is predicted as
 * profile(t) + level. Self-describing: everything inference needs is in here.
 */
export interface BaselineTwinModel {
  kind: 'seasonal-baseline';
  instance: string;
  version: string;
  parent?: string | undefined;
  createdAt: number;
  window: TrainingWindow;
  levelTauMs: number;
  metrics: MetricModel[];
  dropped: { name: string; reason: string }[];
  /** Mean score on the time-ordered validation part (the last 20 %); lower is better. */
  validationError: number;
  trainingMs: number;
}

export interface TrainingData {
  ts: number[];
  metrics: string[];
  values: Float64Array[];
}

export const PROFILE_BINS = TWIN_TRAINING.profileBins.value;
const LEVEL_TAU_MS = TWIN_TRAINING.baselineLevelTauMs.value;
const VALIDATION_SHARE = TWIN_TRAINING.baselineValidationShare.value;

/**
 * Fits a twin on a window of history. Yields to the event loop between metrics and reports
 * progress, so that training many instances never stalls ingest.
 */
export async function trainTwinModel(
  instance: string,
  version: string,
  data: TrainingData,
  stepMs: number,
  onProgress?: (fraction: number) => void,
  parent?: string
): Promise<BaselineTwinModel> {
  const started = performance.now();
  const n = data.ts.length;
  const split = Math.max(1, Math.floor(n * (1 - VALIDATION_SHARE)));
  const trainTs = data.ts.slice(0, split);
  const metrics: MetricModel[] = [];
  const dropped: { name: string; reason: string }[] = [];
  let validationSum = 0;
  let validationCount = 0;

  for (let m = 0; m < data.metrics.length; m++) {
    const name = data.metrics[m]!;
    const series = data.values[m]!;
    const trainValues = series.subarray(0, split);
    const finite = countFinite(trainValues);
    if (finite < Math.min(30, split / 2)) {
      dropped.push({ name, reason: `too few values (${finite})` });
    } else if (isConstant(trainValues)) {
      dropped.push({ name, reason: 'constant' });
    } else {
      const profile = fitSeasonalProfile(trainTs, trainValues, PROFILE_BINS);
      const errors = oneStepErrors(data.ts, series, profile, LEVEL_TAU_MS);
      const trainErrors = errors.subarray(0, split);
      const spread = robustScale(trainValues);
      // Floor the error scale so that a nearly flat metric does not turn tiny wiggles into huge scores.
      const errorScale = Math.max(robustScale(trainErrors, 0), 0.05 * spread, 1e-6 * (Math.abs(profile.overall) + 1));
      const scores = trainErrors.map((e) => Math.abs(e) / errorScale);
      const threshold = Math.max(4, 1.2 * quantile(scores, 0.999));
      for (let i = split; i < n; i++) {
        const e = errors[i]!;
        if (Number.isFinite(e)) {
          validationSum += Math.abs(e) / errorScale;
          validationCount++;
        }
      }
      metrics.push({ name, profile, errorScale, threshold });
    }
    onProgress?.((m + 1) / data.metrics.length);
    await new Promise((resolve) => setImmediate(resolve));
  }

  return {
    kind: 'seasonal-baseline',
    instance,
    version,
    parent,
    createdAt: Date.now(),
    window: { from: data.ts[0] ?? 0, to: data.ts[n - 1] ?? 0, stepMs, points: n },
    levelTauMs: LEVEL_TAU_MS,
    metrics,
    dropped,
    validationError: validationCount ? validationSum / validationCount : NaN,
    trainingMs: performance.now() - started,
  };
}

/** Errors of the one-step prediction profile(t) + level over a series (NaN where the value is missing). */
function oneStepErrors(
  ts: readonly number[],
  series: Float64Array,
  profile: SeasonalProfile,
  tauMs: number
): Float64Array {
  const errors = new Float64Array(series.length).fill(NaN);
  let level = 0;
  let lastTs: number | undefined;
  for (let i = 0; i < series.length; i++) {
    const x = series[i]!;
    if (!Number.isFinite(x)) continue;
    const base = profileAt(profile, ts[i]!);
    errors[i] = x - (base + level);
    const alpha = lastTs === undefined ? 1 : 1 - Math.exp(-(ts[i]! - lastTs) / tauMs);
    level += alpha * (x - base - level);
    lastTs = ts[i]!;
  }
  return errors;
}

function countFinite(values: ArrayLike<number>): number {
  let c = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) c++;
  return c;
}

function isConstant(values: ArrayLike<number>): boolean {
  let first: number | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (first === undefined) first = v;
    else if (v !== first) return false;
  }
  return true;
}
