import { quantile, type FeatureMatrix } from '../../features/index.ts';
import { LstmPredictor, LstmStream, type LstmWeights } from './lstm-step.ts';
import { HORIZON_HEADS } from '../parameters.ts';
import { solveSymmetric } from '../../core/symmetric-solve.ts';

/**
 * Direct forecasts several steps ahead with calibrated intervals, one small linear head per metric
 * and horizon on what the network computed at the last step: its hidden state, the metric's scaled
 * value and the network's one-step change for it. Direct heads rather than feeding one-step
 * predictions back (which compounds their errors: the rollout's 60-step error is several times a
 * naive forecast's), linear so that they fit in closed form in a fraction of the network's training
 * and cost a few multiply-adds live; the intervals are split-conformal (quantiles of the heads' own
 * misses on the validation windows, which the heads never saw), so they are calibrated without
 * assuming a distribution. Where persistence (or, one step ahead, the network itself) misses less
 * on those windows than the fitted head, it forecasts instead: a head that overfits its window
 * does no worse than repeating the last value. On the hidden state, so what they know is what the network learnt:
 * an untrained network's heads have only the current value to go on.
 */
export interface HorizonHeads {
  /** Steps ahead, at the model's step. */
  horizons: number[];
  /** Steps the value's recent means a head also reads are taken over (its design: see `designRow`). */
  meanSteps: number[];
  /**
   * Per input, per horizon: the head's weights over [hidden state (units), scaled value, one-step
   * change, its means over `meanSteps`, 1]. The one-step head is the network's own prediction.
   */
  weights: number[][][];
  /** Per input, per horizon: the 80 % and 95 % quantiles of the head's |miss| on the validation windows (scaled units). */
  q80: number[][];
  q95: number[][];
  /** Validation windows each head was calibrated on (per input, per horizon). */
  calibrated: number[][];
  /**
   * Per input, per horizon: what forecasts there, the one of least error on the validation windows:
   * the fitted head, persistence (no change), or one step ahead the network's own prediction.
   */
  kinds: HeadKind[][];
}

export type HeadKind = 'fitted' | 'persistence' | 'network';

/** What a head reads for one input at one step: [hidden..., value, change, means..., 1]. */
function designRow(
  hidden: ArrayLike<number>,
  value: number,
  change: number,
  means: ArrayLike<number>,
  out: Float64Array
): Float64Array {
  const u = hidden.length;
  for (let i = 0; i < u; i++) out[i] = hidden[i]!;
  out[u] = value;
  out[u + 1] = change;
  for (let m = 0; m < means.length; m++) out[u + 2 + m] = means[m]!;
  out[out.length - 1] = 1;
  return out;
}

/** The network's one-step prediction as a head: value + change, nothing else. */
function oneStepHead(d: number, units: number): Float64Array {
  const w = new Float64Array(d);
  w[units + 1] = 1;
  return w;
}

/**
 * Each input's last scaled values, for the means the heads read (the live twin keeps one; its
 * clones copy it). Steps before the first count as absent: a mean is over what has been seen.
 */
export class RecentScaled {
  private readonly ring: Float64Array;
  private at = 0;
  private seen = 0;

  constructor(
    private readonly inputs: number,
    private readonly steps: number
  ) {
    this.ring = new Float64Array(inputs * steps);
  }

  push(scaled: ArrayLike<number>): void {
    for (let k = 0; k < this.inputs; k++) this.ring[this.at * this.inputs + k] = scaled[k]!;
    this.at = (this.at + 1) % this.steps;
    this.seen = Math.min(this.steps, this.seen + 1);
  }

  /** Input k's mean over its last `steps` values (at most what the ring holds and has seen). */
  mean(k: number, steps: number): number {
    const n = Math.min(steps, this.seen);
    let sum = 0;
    for (let j = 1; j <= n; j++) sum += this.ring[((this.at - j + this.steps) % this.steps) * this.inputs + k]!;
    return n ? sum / n : NaN;
  }

  clone(): RecentScaled {
    const copy = new RecentScaled(this.inputs, this.steps);
    copy.ring.set(this.ring);
    copy.at = this.at;
    copy.seen = this.seen;
    return copy;
  }
}

/** Solves (A + ridge on all but the last, the intercept's, diagonal) x = b; A is symmetric [d x d], flat. */
function ridgeSolve(a: Float64Array, b: Float64Array, d: number, ridge: number): Float64Array {
  const rows = Array.from({ length: d }, (_, p) => a.slice(p * d, (p + 1) * d));
  for (let p = 0; p < d - 1; p++) rows[p]![p] = rows[p]![p]! + ridge;
  return solveSymmetric(rows, b);
}

function dotRow(w: ArrayLike<number>, z: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < z.length; i++) s += w[i]! * z[i]!;
  return s;
}

/**
 * The heads, and per horizon, per input, the head's miss at every window (NaN where unobserved):
 * what anomaly scores measured against a head are calibrated on.
 */
export interface FittedHeads {
  heads: HorizonHeads;
  errors: Float64Array[][];
}

/**
 * Fits the heads on a trained network: its hidden state and one-step output at every window of the
 * feature matrix (as the live twin computes them), the heads fitted by ridge regression on the
 * first `trainWindows` windows (the network's own training part) and calibrated on the rest.
 * Undefined when the history is too short or too sparse to calibrate every head (fewer than
 * `minCalibration` observed targets on the validation windows at some horizon).
 */
export function fitHorizonHeads(
  weights: LstmWeights,
  window: number,
  matrix: FeatureMatrix,
  trainWindows: number,
  horizons: readonly number[] = HORIZON_HEADS.horizons.value
): FittedHeads | undefined {
  const count = Math.max(0, matrix.rows - window);
  const k = weights.outputs;
  const u = weights.units;
  const meanSteps = HORIZON_HEADS.meanSteps.value;
  const d = u + 3 + meanSteps.length;
  const longest = Math.max(...horizons);
  if (count - trainWindows - longest < HORIZON_HEADS.minCalibration.value) return undefined;
  const hidden = new Float64Array(count * u);
  const change = new Float64Array(count * k);
  const stream = new LstmStream(new LstmPredictor(weights), window);
  const out = new Float64Array(k);
  const width = matrix.width;
  for (let row = 0; row < window - 1; row++) stream.push(matrix.features.subarray(row * width, (row + 1) * width));
  for (let j = 0; j < count; j++) {
    const last = j + window - 1;
    stream.push(matrix.features.subarray(last * width, (last + 1) * width));
    stream.predict(out);
    hidden.set(stream.hidden, j * u);
    change.set(out, j * k);
  }
  // Prefix sums (and counts) of each input's finite scaled values, for the recent means at any row.
  const prefix = new Float64Array((matrix.rows + 1) * k);
  const finite = new Uint32Array((matrix.rows + 1) * k);
  for (let r = 0; r < matrix.rows; r++)
    for (let t = 0; t < k; t++) {
      const v = matrix.scaled[r * k + t]!;
      const ok = Number.isFinite(v);
      prefix[(r + 1) * k + t] = prefix[r * k + t]! + (ok ? v : 0);
      finite[(r + 1) * k + t] = finite[r * k + t]! + (ok ? 1 : 0);
    }
  const means = new Float64Array(meanSteps.length);
  const z = new Float64Array(d);
  // One input's design rows for every window (reused by every horizon and candidate), and which are all finite.
  const design = new Float64Array(count * d);
  const usable = new Uint8Array(count);
  const target = (j: number, t: number, h: number): number => {
    const last = j + window - 1;
    const next = last + h;
    if (next >= matrix.rows || !matrix.observed[next * k + t] || !matrix.observed[last * k + t]) return NaN;
    return matrix.scaled[next * k + t]! - matrix.scaled[last * k + t]!;
  };
  const row = (j: number, t: number) => {
    const last = j + window - 1;
    meanSteps.forEach((m, i) => {
      const from = Math.max(0, last + 1 - m);
      const n = finite[(last + 1) * k + t]! - finite[from * k + t]!;
      means[i] = n ? (prefix[(last + 1) * k + t]! - prefix[from * k + t]!) / n : matrix.scaled[last * k + t]!;
    });
    return designRow(hidden.subarray(j * u, (j + 1) * u), matrix.scaled[last * k + t]!, change[j * k + t]!, means, z);
  };
  const heads: HorizonHeads = {
    horizons: [...horizons],
    meanSteps: [...meanSteps],
    weights: [],
    q80: [],
    q95: [],
    calibrated: [],
    kinds: [],
  };
  const errors = horizons.map(() => Array.from({ length: k }, () => new Float64Array(count).fill(NaN)));
  for (let t = 0; t < k; t++) {
    heads.weights.push([]);
    heads.q80.push([]);
    heads.q95.push([]);
    heads.calibrated.push([]);
    heads.kinds.push([]);
    for (let j = 0; j < count; j++) {
      design.set(row(j, t), j * d);
      usable[j] = z.every(Number.isFinite) ? 1 : 0;
    }
    for (const h of horizons) {
      const a = new Float64Array(d * d);
      const b = new Float64Array(d);
      let n = 0;
      // Training windows whose target lies in the training part (no peeking at validation rows).
      for (let j = 0; j + h <= trainWindows; j++) {
        const y = target(j, t, h);
        if (!Number.isFinite(y) || !usable[j]) continue;
        const at = j * d;
        for (let p = 0; p < d; p++) {
          const zp = design[at + p]!;
          b[p] = b[p]! + zp * y;
          for (let q = 0; q <= p; q++) a[p * d + q] = a[p * d + q]! + zp * design[at + q]!;
        }
        n++;
      }
      for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) a[p * d + q] = a[q * d + p]!;
      // The head, persistence (no change) and, one step ahead, the network itself: the one with the
      // least validation error forecasts, and its misses there are the intervals'.
      const candidates: [HeadKind, Float64Array][] = [
        ['fitted', ridgeSolve(a, b, d, HORIZON_HEADS.ridge.value * Math.max(1, n))],
        ['persistence', new Float64Array(d)],
      ];
      if (h === 1) candidates.push(['network', oneStepHead(d, u)]);
      let best: { kind: HeadKind; w: Float64Array; misses: number[]; mae: number } | undefined;
      for (const [kind, w] of candidates) {
        const misses: number[] = [];
        for (let j = trainWindows; j < count; j++) {
          const y = target(j, t, h);
          const miss = Math.abs(y - dotRow(w, design.subarray(j * d, (j + 1) * d)));
          if (Number.isFinite(miss)) misses.push(miss);
        }
        const mae = misses.length ? misses.reduce((sum, m) => sum + m, 0) / misses.length : Infinity;
        if (!best || mae < best.mae) best = { kind, w, misses, mae };
      }
      const { kind, w, misses } = best!;
      // Too sparse to calibrate (gaps leave few observed targets): no heads, the twin rolls forward.
      if (misses.length < HORIZON_HEADS.minCalibration.value) return undefined;
      const missed = errors[horizons.indexOf(h)]![t]!;
      for (let j = 0; j < count; j++) missed[j] = target(j, t, h) - dotRow(w, design.subarray(j * d, (j + 1) * d));
      heads.kinds[t]!.push(kind);
      heads.weights[t]!.push(Array.from(w, (x) => Number(x.toPrecision(7))));
      heads.q80[t]!.push(misses.length ? quantile(misses, 0.8) : NaN);
      heads.q95[t]!.push(misses.length ? quantile(misses, 0.95) : NaN);
      heads.calibrated[t]!.push(misses.length);
    }
  }
  return { heads, errors };
}

/** One input's direct forecast at each horizon, in scaled units: the mean and the half-widths of its intervals. */
export function headForecasts(
  heads: HorizonHeads,
  input: number,
  hidden: ArrayLike<number>,
  value: number,
  change: number,
  recent: RecentScaled
): { mean: number; q80: number; q95: number }[] {
  const means = heads.meanSteps.map((m) => {
    const mean = recent.mean(input, m);
    return Number.isFinite(mean) ? mean : value;
  });
  const z = designRow(hidden, value, change, means, new Float64Array(hidden.length + 3 + means.length));
  return heads.horizons.map((_, hi) => ({
    mean: value + dotRow(heads.weights[input]![hi]!, z),
    q80: heads.q80[input]![hi]!,
    q95: heads.q95[input]![hi]!,
  }));
}
