import { FAILURE_MODEL } from './parameters.ts';
import { solveSymmetric } from '../core/symmetric-solve.ts';

/**
 * What the failure model reads of an instance at one moment: how anomalous it is, where its
 * resources are heading, what its incident blames, what its latest report says.
 */
export interface FailureEvidence {
  /** Probability that a resource runs out within the horizon (this failure kind) by the resources' trends. */
  trendProbability: number;
  /**
   * The same as the twin extrapolates it: rolled forward over the horizon and joined with the trends
   * (an LSTM twin only; 0 otherwise).
   */
  twinProbability?: number | undefined;
  /** Highest anomaly score over threshold in the recent window (0 when none). */
  anomalyScore: number;
  /** Whether an incident is open. */
  incidentOpen: boolean;
  /** The leading root cause's resource, if any. */
  rootCause?: 'memory' | 'cpu' | 'disk' | 'network' | 'host' | 'other' | undefined;
  /** The worst finding of a recent report. */
  finding?: 'warning' | 'critical' | undefined;
}

export const FEATURE_NAMES = [
  'bias',
  'logit(trend probability)',
  'log1p(anomaly score)',
  'incident open',
  'cause: memory',
  'cause: cpu',
  'cause: disk',
  'cause: network',
  'cause: host',
  'finding: warning',
  'finding: critical',
  'logit(twin extrapolation)',
] as const;

const CAUSES = ['memory', 'cpu', 'disk', 'network', 'host'] as const;

export function featuresOf(e: FailureEvidence): Float64Array {
  // Floored at 1 %: no instance is ever quite safe, and below that the logit would drown every
  // other piece of evidence (a kernel panic in a report with no trend behind it).
  const p = Math.min(1 - 1e-4, Math.max(TREND_FLOOR, e.trendProbability));
  const x = new Float64Array(FEATURE_NAMES.length);
  x[0] = 1;
  x[1] = Math.log(p / (1 - p));
  x[2] = Math.log1p(Math.max(0, e.anomalyScore));
  x[3] = e.incidentOpen ? 1 : 0;
  CAUSES.forEach((c, i) => (x[4 + i] = e.rootCause === c ? 1 : 0));
  x[9] = e.finding === 'warning' ? 1 : 0;
  x[10] = e.finding === 'critical' ? 1 : 0;
  const q = Math.min(1 - 1e-4, Math.max(1e-4, e.twinProbability ?? 0));
  // Centred on "no risk", so an instance without a twin contributes nothing through this weight.
  x[11] = Math.log(q / (1 - q)) - Math.log(1e-4 / (1 - 1e-4));
  return x;
}

/**
 * Before any failure is recorded: the trend's own probability (weight 1 on its logit, no offset),
 * lifted by a report finding (a critical one most). Anomaly scores, incidents, root-cause classes
 * and the twin's extrapolation start with no weight and earn one from recorded failures: on their
 * own they raise alarms that the trend does not (tried: 0.28 false alarms per instance-day on a
 * simulated fleet where the trend alone had none). Fitting pulls the weights
 * away from these only as far as recorded failures support.
 */
const TREND_FLOOR = FAILURE_MODEL.trendFloor.value;
/** A critical finding alone takes the floor to even odds; a warning to about one in ten. */
export const PRIOR_WEIGHTS = Float64Array.from(FEATURE_NAMES, (name) => FAILURE_MODEL.priorWeights.value[name]);
/**
 * How firmly each weight is held to the prior (times PRIOR_STRENGTH): the twin's extrapolation
 * reacts to every wobble of its forecast, so it earns weight only from many failures.
 */
const PRIOR_TRUST = Float64Array.from(FEATURE_NAMES, (name) => FAILURE_MODEL.priorTrust.value[name]);

/**
 * Precision of the Gaussian prior around PRIOR_WEIGHTS: how many moments' worth of evidence the
 * prior counts for. Recorded failures are few and each brings an hour of correlated moments, so the
 * prior must not be swept aside by the first ones.
 */
export const PRIOR_STRENGTH = FAILURE_MODEL.priorStrength.value;
const CALIBRATION_TAIL = FAILURE_MODEL.calibrationTail.value;

export interface FailurePrediction {
  probability: number;
  /** About 90 % of the model's uncertainty (Laplace approximation of the weights' posterior). */
  interval: [number, number];
  /** 0..1: 1 - the interval's width. */
  confidence: number;
  /** Whether the weights are still the prior (no failure of this kind recorded to learn from). */
  prior: boolean;
}

/** A moment's features (as `featuresOf` gives them; kept as float32) and whether the failure followed. */
export interface LabelledMoment {
  x: Float32Array | Float64Array;
  y: 0 | 1;
}

export interface FitSummary {
  examples: number;
  positives: number;
  iterations: number;
  logLoss: number;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * Probability that an instance fails (one kind, one horizon) from its evidence: logistic
 * regression whose weights are pulled towards the prior (a Gaussian prior of precision `strength`
 * around PRIOR_WEIGHTS), fitted by Newton's method on labelled moments (did this kind of failure
 * follow within the horizon?). The Hessian at the fit gives the weights' uncertainty, and so an
 * interval for each prediction: narrow where recorded failures back the weights, wide where they
 * do not.
 */
export class FailureModel {
  weights = Float64Array.from(PRIOR_WEIGHTS);
  /** Inverse Hessian of the penalised log-likelihood at the weights (their covariance). */
  private covariance: Float64Array[];
  prior = true;
  /** Recorded failures the weights were learnt from (0 for the prior): how far a near-certain prediction has been checked. */
  failuresLearnt = 0;

  constructor(private readonly strength = PRIOR_STRENGTH) {
    this.covariance = Array.from(PRIOR_WEIGHTS, (_, i) =>
      Float64Array.from(PRIOR_WEIGHTS, (_v, j) => (i === j ? 1 / (strength * PRIOR_TRUST[i]!) : 0))
    );
  }

  predict(evidence: FailureEvidence): FailurePrediction {
    const x = featuresOf(evidence);
    let z = 0;
    for (let i = 0; i < x.length; i++) z += this.weights[i]! * x[i]!;
    let variance = 0;
    for (let i = 0; i < x.length; i++)
      for (let j = 0; j < x.length; j++) variance += x[i]! * this.covariance[i]![j]! * x[j]!;
    const spread = 1.645 * Math.sqrt(Math.max(0, variance));
    // The weights' uncertainty alone collapses the interval of a logit far from 0 ([1, 1]); a
    // prediction that sure is only as sure as the failures it has been checked against.
    const checked = CALIBRATION_TAIL ** (1 / (this.failuresLearnt + 1));
    const interval: [number, number] = [Math.min(checked, sigmoid(z - spread)), sigmoid(z + spread)];
    return { probability: sigmoid(z), interval, confidence: 1 - (interval[1] - interval[0]), prior: this.prior };
  }

  /** Mean log loss of the current weights on labelled moments. */
  logLoss(examples: readonly LabelledMoment[]): number {
    let loss = 0;
    for (const { x, y } of examples) {
      let z = 0;
      for (let i = 0; i < x.length; i++) z += this.weights[i]! * x[i]!;
      loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y * z;
    }
    return examples.length ? loss / examples.length : 0;
  }

  /** The penalised negative log-likelihood of weights `w`. */
  private objective(w: Float64Array, examples: readonly LabelledMoment[]): number {
    let loss = 0;
    for (let i = 0; i < w.length; i++) loss += 0.5 * this.strength * PRIOR_TRUST[i]! * (w[i]! - PRIOR_WEIGHTS[i]!) ** 2;
    for (const { x, y } of examples) {
      let z = 0;
      for (let i = 0; i < w.length; i++) z += w[i]! * x[i]!;
      // log(1 + e^z) - y z, computed without overflow
      loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y * z;
    }
    return loss;
  }

  /**
   * Re-fits on labelled moments (features as `featuresOf` gives them, label 1 when the failure
   * followed); `failures`: how many recorded failures the positive moments come from (each brings a
   * horizon's worth of them; the predictor counts them), every positive moment by default.
   */
  fit(examples: readonly LabelledMoment[], maxIterations = 25, failures?: number): FitSummary {
    const n = PRIOR_WEIGHTS.length;
    const w = Float64Array.from(this.weights);
    let iterations = 0;
    let hessian: Float64Array[] = [];
    for (; iterations < maxIterations; iterations++) {
      const gradient = new Float64Array(n);
      hessian = Array.from({ length: n }, () => new Float64Array(n));
      for (let i = 0; i < n; i++) {
        gradient[i] = this.strength * PRIOR_TRUST[i]! * (w[i]! - PRIOR_WEIGHTS[i]!);
        hessian[i]![i] = this.strength * PRIOR_TRUST[i]!;
      }
      for (const { x, y } of examples) {
        let z = 0;
        for (let i = 0; i < n; i++) z += w[i]! * x[i]!;
        const p = sigmoid(z);
        const r = p * (1 - p);
        for (let i = 0; i < n; i++) {
          if (x[i] === 0) continue;
          gradient[i] = gradient[i]! + (p - y) * x[i]!;
          for (let j = 0; j < n; j++) if (x[j] !== 0) hessian[i]![j] = hessian[i]![j]! + r * x[i]! * x[j]!;
        }
      }
      // Damped Newton: halve the step until the penalised loss falls.
      const step = solveSymmetric(hessian, gradient);
      const current = this.objective(w, examples);
      let scale = 1;
      const trial = new Float64Array(n);
      for (let halvings = 0; halvings < 30; halvings++, scale /= 2) {
        for (let i = 0; i < n; i++) trial[i] = w[i]! - scale * step[i]!;
        if (this.objective(trial, examples) <= current) break;
      }
      let largest = 0;
      for (let i = 0; i < n; i++) {
        largest = Math.max(largest, Math.abs(trial[i]! - w[i]!));
        w[i] = trial[i]!;
      }
      if (largest < 1e-6) break;
    }
    this.weights = w;
    // The covariance: the inverse Hessian, column by column.
    this.covariance = Array.from({ length: n }, (_, j) =>
      solveSymmetric(
        hessian,
        Float64Array.from({ length: n }, (_v, i) => (i === j ? 1 : 0))
      )
    );
    this.prior = !examples.some((e) => e.y === 1);
    this.failuresLearnt = failures ?? examples.filter((e) => e.y === 1).length;
    let logLoss = 0;
    for (const { x, y } of examples) {
      let z = 0;
      for (let i = 0; i < n; i++) z += w[i]! * x[i]!;
      const p = Math.min(1 - 1e-12, Math.max(1e-12, sigmoid(z)));
      logLoss -= y ? Math.log(p) : Math.log(1 - p);
    }
    return {
      examples: examples.length,
      positives: examples.filter((e) => e.y === 1).length,
      iterations: iterations + 1,
      logLoss: examples.length ? logLoss / examples.length : 0,
    };
  }
}

/** Reliability of predicted probabilities: per bin, the mean prediction against the observed rate. */
export function reliability(
  predictions: readonly { p: number; y: 0 | 1 }[],
  bins = 10
): { brier: number; table: { from: number; to: number; count: number; predicted: number; observed: number }[] } {
  const table = Array.from({ length: bins }, (_, b) => ({
    from: b / bins,
    to: (b + 1) / bins,
    count: 0,
    predicted: 0,
    observed: 0,
  }));
  let brier = 0;
  for (const { p, y } of predictions) {
    brier += (p - y) ** 2;
    const bin = table[Math.min(bins - 1, Math.floor(p * bins))]!;
    bin.count++;
    bin.predicted += p;
    bin.observed += y;
  }
  for (const bin of table)
    if (bin.count) {
      bin.predicted /= bin.count;
      bin.observed /= bin.count;
    }
  return { brier: predictions.length ? brier / predictions.length : 0, table };
}
