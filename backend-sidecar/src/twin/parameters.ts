import { parameterRegister } from '../core/parameter.ts';

const SMD_DEV = 'SMD machines 1-1..1-8 (in-sample: the same machines it is reported on, docs/evaluation.md#smd)';

/** The LSTM twin's network and its training (twin/lstm/lstm-metadata.ts DEFAULT_LSTM_OPTIONS). */
export const LSTM_NETWORK = parameterRegister('twin: LSTM network', {
  window: {
    value: 16,
    unit: 'steps',
    what: 'Feature rows the network reads before each prediction.',
    basis: 'measured',
    source:
      'Speed on this machine (npm run bench -- twin): live predictions per second per core against window length; 16 steps of a minute cover a quarter-hour.',
  },
  units: {
    value: 16,
    unit: 'units',
    what: 'LSTM units.',
    basis: 'measured',
    source:
      'npm run bench -- twin: the live step cost grows with units squared; 16 kept the fleet bench within 1 s at 1,000 instances.',
  },
  maxEpochs: {
    value: 20,
    unit: 'epochs',
    what: 'Most training epochs of a version (early stopping usually ends sooner).',
    basis: 'first principles',
    source: 'Warm-started versions converge in a few epochs; the cap bounds a first training.',
  },
  patience: {
    value: 3,
    unit: 'epochs',
    what: 'Epochs without a better validation loss before training stops (the best weights are kept).',
    basis: 'first principles',
    source: 'The usual early-stopping patience for small networks.',
  },
  batchSize: {
    value: 64,
    unit: 'windows',
    what: 'Windows a gradient step.',
    basis: 'measured',
    source: 'Training speed with the wasm backend on this machine.',
  },
  learningRate: {
    value: 3e-3,
    unit: 'rate',
    what: "Adam's learning rate.",
    basis: 'first principles',
    source: "Adam's usual range for a small LSTM.",
  },
  validationShare: {
    value: 0.2,
    unit: 'share',
    what: "The newest share of the window held out to judge a version's one-step error (and the champion's).",
    basis: 'first principles',
    source: 'The usual hold-out share; the newest rows, as the twin will next see.',
  },
});

/** The level baseline and its scores (twin/lstm/level-baseline.ts, twin/lstm/lstm-metadata.ts). */
export const LEVEL_BASELINE = parameterRegister('twin: level baseline', {
  slowSteps: {
    value: 10,
    unit: 'steps',
    what: "The level score's slow scale: a gauge's mean over this many steps.",
    basis: 'chosen on data',
    source: `${SMD_DEV}: 5 steps F1 0.53, 10 steps 0.553, 15 or 30 steps 0.39 and 0.34.`,
  },
  levelQuantile: {
    value: 0.995,
    unit: 'quantile',
    what: "The level score's threshold: this quantile of its values over the window's rows.",
    basis: 'chosen on data',
    source: `${SMD_DEV}: the 99th or 99.9th percentile gave F1 0.42 and 0.33.`,
  },
  minLevelThreshold: {
    value: 3,
    unit: 'spreads',
    what: "The level score's threshold is never below this (three spreads from the baseline).",
    basis: 'first principles',
    source: 'Three standard deviations: a flat training window must not make every wobble an anomaly.',
  },
  referenceRangeShare: {
    value: 0.05,
    unit: 'share',
    what: "A gauge's reference spread is at least this share of the range it covered in the window.",
    basis: 'chosen on data',
    source: `${SMD_DEV}: HitRate@150 % 0.880 -> 0.909 (numpy), 0.904 with 0.03; shares 0.03-0.07 gave 0.893-0.901.`,
  },
  maxExcludedShare: {
    value: 0.5,
    unit: 'share',
    what: 'Recorded anomalies are left out of the statistics unless they cover more than this share of the window (then they are the new normal).',
    basis: 'first principles',
    source: 'More than half the window is what the instance does now.',
  },
  referenceHalfLifeMs: {
    value: 7 * 24 * 3_600_000,
    unit: 'ms',
    what: "How fast the reference baseline (root causes) forgets: the parent's weight halves over this time.",
    basis: 'chosen on data',
    source: `${SMD_DEV}: HitRate@150 % 0.882 (3 days), 0.880 (7 days), 0.885 (14 days); flat, so one default window was taken.`,
  },
  levelCap: {
    value: 50,
    unit: 'spreads',
    what: "A gauge's distance counts at most this much in the level score (one broken gauge must not drown the rest).",
    basis: 'first principles',
    source: 'Far past any threshold (3-10): it only bounds a gauge gone wild, it does not decide detections.',
  },
});

/** Training the twins (twin/training/, twin/baseline/, twin/drift-monitor.ts). */
export const TWIN_TRAINING = parameterRegister('twin: training', {
  settleAfterMs: {
    value: 24 * 3_600_000,
    unit: 'ms',
    what: 'An anomaly open this long has settled: the next version learns afresh from its start (TWIN_SETTLE_AFTER).',
    basis: 'chosen on data',
    source: 'NAB realAWSCloudwatch: 12 h 73.0, 24 h 73.8, 48 h 70.7 (standard profile).',
  },
  championWarmupRows: {
    value: 200,
    unit: 'rows',
    what: 'Rows a version and the champion run before the hold-out rows whose one-step error is compared.',
    basis: 'first principles',
    source: "Fills the network's state and the slow scales before errors count.",
  },
  driftBaselineSamples: {
    value: 600,
    unit: 'samples',
    what: "Live scores that set the twin's own level of error once it runs live.",
    basis: 'first principles',
    source: 'Ten minutes at 1 Hz.',
  },
  driftAlpha: {
    value: 1 / 1800,
    unit: 'weight',
    what: 'Weight of each new score in the running level (about 1 / the samples it averages: half an hour at 1 Hz).',
    basis: 'first principles',
    source: 'Slow enough that an incident does not move it, fast enough to see a drift within the hour.',
  },
  driftRatio: {
    value: 2,
    unit: 'ratio',
    what: 'The running level over the starting level that asks for a retraining (no incident open).',
    basis: 'first principles',
    source: 'Errors twice as large as when the twin started: the instance changed.',
  },
  baselineValidationShare: {
    value: 0.2,
    unit: 'share',
    what: "The newest share of the window the baseline twin's one-step errors are measured on.",
    basis: 'first principles',
    source: 'As the LSTM twin (LSTM_NETWORK.validationShare).',
  },
  profileBins: {
    value: 96,
    unit: 'bins',
    what: "The baseline twin's daily profile: a mean per quarter-hour of the day.",
    basis: 'first principles',
    source: 'Quarter-hours: a daily cycle without fitting noise.',
  },
  baselineLevelTauMs: {
    value: 5 * 60_000,
    unit: 'ms',
    what: "The baseline twin's level: an exponential mean of the residual with this time constant.",
    basis: 'first principles',
    source: 'Five minutes: follows a level, not one sample.',
  },
});

/** The twin's direct forecasts several steps ahead and their intervals (twin/lstm/horizon-heads.ts). */
export const HORIZON_HEADS = parameterRegister('twin: horizon heads', {
  horizons: {
    value: [1, 10, 60] as number[],
    unit: 'steps',
    what: 'Steps ahead the twin forecasts directly, each with its own head and intervals.',
    basis: 'first principles',
    source:
      'The next step, ten and sixty (a minute, ten minutes and an hour at a one-minute step): the horizons eval forecast scores.',
  },
  meanSteps: {
    value: [16, 60] as number[],
    unit: 'steps',
    what: "The value's recent means a head reads besides the network's state: over the network's window and over an hour of steps.",
    basis: 'first principles',
    source:
      'A head can then forecast as persistence, a rolling mean or a blend of both where they do better (NAB realAWSCloudwatch: the rolling mean is the best naive forecast at 10 and 60 steps).',
  },
  ridge: {
    value: 1e-3,
    unit: 'share',
    what: "Ridge penalty of a head's least squares, per training window fitted.",
    basis: 'first principles',
    source:
      'Small against the data (a thousandth of a window each), enough to keep near-collinear hidden units from blowing up.',
  },
  minCalibration: {
    value: 30,
    unit: 'windows',
    what: 'Validation windows with an observed target, at every horizon, below which no heads are fitted (the twin then rolls its one-step predictions forward).',
    basis: 'first principles',
    source: "A 95 % quantile of a head's misses needs a few dozen of them.",
  },
});

/** What the live twin scores samples against (twin/lstm/lstm-training.ts, twin/lstm/lstm-runner.ts). */
export const TWIN_SCORING = parameterRegister('twin: scoring', {
  scoreWith: {
    value: 'network' as 'heads' | 'network',
    unit: 'choice',
    what: "What a sample's surprise is measured from: the one-step head's forecast (the best of the fitted head, persistence and the network on the twin's validation windows) or the network's own prediction.",
    basis: 'chosen on data',
    source:
      "SMD 1-2..1-5 and NAB realAWSCloudwatch (development, 2026-12-08): the network 0.345 F1 / 0.360 AUC-PR / 73.8; the one-step heads 0.344 / 0.326 / 74.3. Kept the network (docs/evaluation.md, 'Detection measured against the heads').",
  },
  scoreHorizon: {
    value: 1,
    unit: 'steps',
    what: 'The horizon whose head forecasts what a sample is scored against (the forecast made that many steps before it).',
    basis: 'chosen on data',
    source:
      'SMD 1-2..1-5 and NAB realAWSCloudwatch (development, 2026-12-08): the 10-step heads (the forecast made ten steps before) 0.319 F1 / 0.242 AUC-PR / 70.8, the one-step heads 0.344 / 0.326 / 74.3.',
  },
});
