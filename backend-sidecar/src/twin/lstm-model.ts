import type { FeatureSpec, FeatureSpecOptions } from '../features/index.ts';
import type { NetworkShape } from './lstm/artifacts.ts';
import type { TfBackend } from './lstm/tf-backend.ts';

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
  window: { from: number; to: number; stepMs: number; points: number };
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

export interface LevelModel {
  mean: (number | null)[];
  spread: (number | null)[];
  threshold: number;
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
}

export const DEFAULT_LSTM_OPTIONS: LstmTwinOptions = {
  window: 16,
  units: 16,
  maxEpochs: 20,
  patience: 3,
  batchSize: 64,
  learningRate: 3e-3,
  validationShare: 0.2,
};

/** The name the joint (all-metrics) score goes by among the per-metric scores. */
export const JOINT_SCORE = '*joint';
/** The name the level score (the farthest gauge from its training mean) goes by among the scores. */
export const LEVEL_SCORE = '*level';
