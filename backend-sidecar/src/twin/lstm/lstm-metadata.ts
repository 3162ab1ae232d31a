import type { HorizonHeads } from './horizon-heads.ts';
import type { FeatureSpec, FeatureSpecOptions } from '../../features/index.ts';
import type { NetworkShape } from './artifacts.ts';
import type { TfBackend } from './tf-backend.ts';
import type { TrainingWindow } from '../training/regime.ts';
import { LEVEL_BASELINE, LSTM_NETWORK } from '../parameters.ts';

/** How far one metric's one-step predictions usually miss, and the score beyond which a miss is unusual. */
export interface MetricErrorModel {
  name: string;
  /** Robust scale of the one-step error, in the metric's scaled units. */
  errorScale: number;
  threshold: number;
}

/** Everything about a trained LSTM twin but its weights (which are stored as tfjs artifacts beside it). */
export interface LstmTwinModel {
  kind: 'lstm';
  instance: string;
  version: string;
  parent?: string | undefined;
  createdAt: number;
  window: TrainingWindow;
  features: FeatureSpec;
  network: NetworkShape;
  training: {
    backend: TfBackend;
    epochs: number;
    bestEpoch: number;
    stoppedEarly: boolean;
    warmStart: boolean;
    trainLoss: number;
    validationLoss: number;
    windows: { train: number; validation: number };
  };
  metrics: MetricErrorModel[];
  /**
   * The joint score (the mean of the metrics' squared scores) and its threshold: a shift of many
   * metrics at once, each within its own tolerance, still stands out there.
   */
  joint?: { threshold: number };
  /**
   * The largest surprise of the training window: over its steps, the worst metric's score over its
   * threshold. A live surprise past its threshold and past this (and past any since) is one the
   * instance has not shown in a window's time, and is reported at once. For a series shorter than the
   * window the twin is meant to cover, what the whole window would be expected to reach (see
   * `expectedPeak`). Absent from older models.
   */
  surprisePeak?: number;
  /** Direct forecasts several steps ahead with calibrated intervals (models before 2026-12-08 have none: they roll forward). */
  horizons?: HorizonHeads;
  /**
   * Samples are scored against the forecast the head at `horizon` made that many steps before (the
   * calibrated best of the fitted head, persistence and, one step ahead, the network) and the scores
   * calibrated on its misses; absent: against the network's one-step prediction.
   */
  scoredAgainst?: { horizon: number };
  /**
   * Where each gauge input kept to in training (mean and standard deviation in raw units, by input
   * index; null for rates), and the threshold of the level score: the largest distance, in standard
   * deviations, of any gauge from its training mean. A one-step twin follows a sustained shift after
   * its first step; the level score keeps the shift in view until the twin is retrained on it.
   */
  level?: LevelModel;
  dropped: { name: string; reason: string }[];
  /** Mean over metrics of the one-step RMSE on the validation part, in units of each metric's robust spread. */
  validationError: number;
  trainingMs: number;
  /** sha256 of the weights: what was validated is what runs. */
  checksum: string;
}

/**
 * Where each gauge kept to in training, at two scales: its values, and its mean over the last
 * `slowSteps` steps (which moves when, say, spikes come more often without any one being larger).
 * The level score is the root mean square over gauges of each one's distance at the farther of the
 * two scales (in training standard deviations, capped at 50): one gauge far off and many gauges a
 * little off both raise it. Models without `slow` (before 2026-12) scored the farthest gauge alone.
 */
export interface LevelModel {
  mean: (number | null)[];
  spread: (number | null)[];
  slow?: { steps: number; mean: (number | null)[]; spread: (number | null)[] };
  /** The level score above which the instance is anomalous (its 99.5th percentile over the training rows kept). */
  threshold: number;
  /**
   * The largest level score over every row of the window (recorded anomalies too): a live level
   * score past it and past the threshold is a distance the instance has not shown in a window's
   * time, reported at once. Raised as the surprise peak is for a series shorter than the window.
   * Absent from older models.
   */
  peak?: number;
  /**
   * The largest of each part of the level score over the window's rows, raised alike: `above` counts
   * only the gauges above their baseline, `below` only those under it (above² + below² = level²).
   * A live part past its own peak and past the threshold is a distance in that direction the
   * instance has not shown in a window's time, reported at once: a drop to zero in the window does
   * not make a spike upwards familiar. Models without it (before 2026-12-06) use `peak`.
   */
  sides?: { above: number; below: number };
  /**
   * Gauges the network leaves out (constant in training, or duplicates of an input), with their own
   * training mean and spread: their distances are reported beside the inputs' (a constant gauge that
   * moves is news) but do not count in the level score.
   */
  watched?: { metric: string; mean: number; spread: number }[];
  /** Training rows left out of the statistics because they lay in recorded anomalies. */
  excludedRows?: number;
  /** Further rows left out because a first estimate already scored them past the threshold (short spikes). */
  outlyingRows?: number;
  /**
   * Where each gauge input (by input index) has kept to over weeks: the window's mean and spread
   * blended with the parent version's reference, the parent's weight halving every
   * `REFERENCE_HALF_LIFE_MS` between their windows' ends (`at`). The gauges' distances that explain
   * an anomaly (its root causes) are measured from it: a window that has taken in part of a recurring
   * incident no longer says where the gauge belongs. Models before 2026-12 have none (their
   * distances are from `mean` and `spread`).
   */
  reference?: { at: number; mean: (number | null)[]; spread: (number | null)[] };
}

export interface LstmTwinOptions {
  window: number;
  units: number;
  maxEpochs: number;
  patience: number;
  batchSize: number;
  learningRate: number;
  validationShare: number;
  features?: FeatureSpecOptions;
  seed?: number;
  /** What samples are scored against: the one-step heads (where fitted) or the network's prediction (default: `TWIN_SCORING`). */
  scoreWith?: 'heads' | 'network';
  /** With `scoreWith: 'heads'`, the horizon whose head's forecasts samples are scored against (default: `TWIN_SCORING`). */
  scoreHorizon?: number;
}

export const DEFAULT_LSTM_OPTIONS: LstmTwinOptions = {
  window: LSTM_NETWORK.window.value,
  units: LSTM_NETWORK.units.value,
  maxEpochs: LSTM_NETWORK.maxEpochs.value,
  patience: LSTM_NETWORK.patience.value,
  batchSize: LSTM_NETWORK.batchSize.value,
  learningRate: LSTM_NETWORK.learningRate.value,
  validationShare: LSTM_NETWORK.validationShare.value,
};

/** The level score's slow scale: a gauge's mean over this many steps (ten minutes at a one-minute step). */
export const SLOW_STEPS = LEVEL_BASELINE.slowSteps.value;
/** How fast the reference baseline forgets: the parent's weight halves over one default training window. */
export const REFERENCE_HALF_LIFE_MS = LEVEL_BASELINE.referenceHalfLifeMs.value;
/** A gauge's distance counts at most this much in the level score (one broken gauge must not drown the rest). */
export const LEVEL_CAP = LEVEL_BASELINE.levelCap.value;

/**
 * A gauge's distance in the level score: the farther of its value's and its slow mean's, signed
 * (positive above its baseline), in training standard deviations.
 */
export function fartherOff(off: number, slowOff: number): number {
  return Math.abs(slowOff) > Math.abs(off) ? slowOff : off;
}

/** The name the joint (all-metrics) score goes by among the per-metric scores. */
export const JOINT_SCORE = '*joint';
/** The name the level score (how far the gauges sit from where they kept to in training) goes by among the scores. */
export const LEVEL_SCORE = '*level';
/** The level score's part from the gauges above their baseline (see `LevelModel.sides`), among the scores. */
export const LEVEL_ABOVE_SCORE = '*level+';
/** The level score's part from the gauges below their baseline, among the scores. */
export const LEVEL_BELOW_SCORE = '*level-';
