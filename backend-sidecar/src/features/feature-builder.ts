import type { FeatureSpec, RegularSeries } from './feature-spec.ts';

/**
 * Turns raw samples into feature rows by a fitted spec, one step at a time: the same code builds
 * the training matrix and the live features, so inference sees exactly what training saw. Keeps
 * the little state features need: the last counter reading (rates), the last value of each input
 * (imputation: a missing value repeats the last one and sets its mask), and a ring of recent
 * scaled values (rolling aggregates).
 */
export class FeatureBuilder {
  readonly width: number;
  /** Number of predicted values: the scaled value of each input. */
  readonly targets: number;
  /** Which inputs the last `push` observed (1) or imputed (0). */
  readonly observed: Uint8Array;
  private readonly lastCounter: Float64Array;
  private readonly lastCounterAt: Float64Array;
  private readonly lastScaled: Float64Array;
  private readonly ring: Float64Array;
  private ringPos = 0;
  private ringCount = 0;
  private readonly sum: Float64Array;
  private readonly sumSq: Float64Array;
  private readonly min: Float64Array;
  private readonly max: Float64Array;
  private readonly maskColumn: Int32Array;

  constructor(readonly spec: FeatureSpec) {
    this.width = spec.columns.length;
    const k = spec.inputs.length;
    this.targets = k;
    this.observed = new Uint8Array(k);
    this.lastCounter = new Float64Array(k).fill(NaN);
    this.lastCounterAt = new Float64Array(k).fill(NaN);
    this.lastScaled = new Float64Array(k);
    this.ring = new Float64Array(spec.aggregates.steps * k);
    this.sum = new Float64Array(k);
    this.sumSq = new Float64Array(k);
    this.min = new Float64Array(k).fill(Infinity);
    this.max = new Float64Array(k).fill(-Infinity);
    this.maskColumn = new Int32Array(k).fill(-1);
    let c = k;
    spec.inputs.forEach((input, i) => {
      if (input.masked) this.maskColumn[i] = c++;
    });
  }

  /** Where each of the spec's inputs is in a list of metric names (-1 when absent). */
  static indexOf(spec: FeatureSpec, metrics: readonly string[]): number[] {
    return spec.inputs.map((i) => metrics.indexOf(i.metric));
  }

  /**
   * One step: `raw[i]` is input i's raw value at `ts` (NaN when missing). Writes the feature row
   * into `row` and the scaled, imputed values (what the model predicts) into `scaled`; returns how
   * many inputs were observed.
   */
  push(ts: number, raw: ArrayLike<number>, row: Float32Array | Float64Array, scaled: Float64Array): number {
    const { inputs, clip } = this.spec;
    const k = inputs.length;
    let observed = 0;
    for (let i = 0; i < k; i++) {
      const input = inputs[i]!;
      let x = raw[i]!;
      if (input.transform === 'rate' && Number.isFinite(x)) {
        const prev = this.lastCounter[i]!;
        const prevAt = this.lastCounterAt[i]!;
        this.lastCounter[i] = x;
        this.lastCounterAt[i] = ts;
        x = Number.isFinite(prev) && x >= prev && ts > prevAt ? (x - prev) / ((ts - prevAt) / 1000) : NaN;
      }
      const present = Number.isFinite(x);
      this.observed[i] = present ? 1 : 0;
      let s: number;
      if (present) {
        s = (x - input.center) / input.scale;
        s = s > clip ? clip : s < -clip ? -clip : s;
        this.lastScaled[i] = s;
        observed++;
      } else {
        s = this.lastScaled[i]!;
      }
      scaled[i] = s;
      row[i] = s;
      const mc = this.maskColumn[i]!;
      if (mc >= 0) row[mc] = present ? 0 : 1;
    }
    this.finishRow(ts, scaled, row);
    return observed;
  }

  /**
   * One step from values already scaled (and, for counters, already rates): what the twin feeds
   * back when it rolls itself forward. Every input counts as observed.
   */
  pushScaled(ts: number, values: ArrayLike<number>, row: Float32Array | Float64Array, scaled: Float64Array): void {
    const { clip } = this.spec;
    for (let i = 0; i < this.targets; i++) {
      const v = values[i]!;
      const s = v > clip ? clip : v < -clip ? -clip : v;
      this.observed[i] = 1;
      this.lastScaled[i] = s;
      scaled[i] = s;
      row[i] = s;
      const mc = this.maskColumn[i]!;
      if (mc >= 0) row[mc] = 0;
    }
    this.finishRow(ts, scaled, row);
  }

  /** A builder in the same state that goes on independently (the twin's forecasts run on copies). */
  clone(): FeatureBuilder {
    const copy = new FeatureBuilder(this.spec);
    copy.lastCounter.set(this.lastCounter);
    copy.lastCounterAt.set(this.lastCounterAt);
    copy.lastScaled.set(this.lastScaled);
    copy.ring.set(this.ring);
    copy.sum.set(this.sum);
    copy.sumSq.set(this.sumSq);
    copy.min.set(this.min);
    copy.max.set(this.max);
    copy.observed.set(this.observed);
    copy.ringPos = this.ringPos;
    copy.ringCount = this.ringCount;
    return copy;
  }

  /** The columns after the inputs' own: seasonality and the rolling aggregates (which take in `scaled`). */
  private finishRow(ts: number, scaled: Float64Array, row: Float32Array | Float64Array): void {
    const { inputs, seasonality, aggregates } = this.spec;
    const k = inputs.length;
    let c = k;
    for (let i = 0; i < k; i++) if (this.maskColumn[i]! >= 0) c++;
    for (const season of seasonality) {
      const phase = (2 * Math.PI * (ts % season.periodMs)) / season.periodMs;
      row[c++] = Math.sin(phase);
      row[c++] = Math.cos(phase);
    }
    // Rolling aggregates over the last `steps` scaled values, this one included: sums kept as values
    // come and go (recomputed whole once a lap of the ring, so rounding cannot drift), min and max
    // rescanned only when the value leaving was the extreme.
    const steps = aggregates.steps;
    const base = this.ringPos * k;
    const full = this.ringCount === steps;
    const lap = this.ringPos === 0 && full;
    for (let i = 0; i < k; i++) {
      const v = scaled[i]!;
      const old = full ? this.ring[base + i]! : NaN;
      this.ring[base + i] = v;
      if (full) {
        this.sum[i] = this.sum[i]! - old + v;
        this.sumSq[i] = this.sumSq[i]! - old * old + v * v;
      } else {
        this.sum[i] = this.sum[i]! + v;
        this.sumSq[i] = this.sumSq[i]! + v * v;
      }
      if (full && (old === this.min[i] || old === this.max[i])) {
        this.rescan(i, Math.min(this.ringCount, steps));
      } else {
        if (v < this.min[i]!) this.min[i] = v;
        if (v > this.max[i]!) this.max[i] = v;
      }
    }
    this.ringPos = (this.ringPos + 1) % steps;
    if (this.ringCount < steps) this.ringCount++;
    if (lap) for (let i = 0; i < k; i++) this.rescan(i, steps, true);
    const count = this.ringCount;
    const kinds = aggregates.kinds;
    for (let i = 0; i < k; i++) {
      const mean = this.sum[i]! / count;
      for (let a = 0; a < kinds.length; a++) {
        const kind = kinds[a];
        row[c + a * k + i] =
          kind === 'mean'
            ? mean
            : kind === 'spread'
              ? Math.sqrt(Math.max(0, this.sumSq[i]! / count - mean * mean))
              : kind === 'min'
                ? this.min[i]!
                : this.max[i]!;
      }
    }
  }

  /** Input i's min and max (and with `sums`, its sum and sum of squares) from the ring as it stands. */
  private rescan(i: number, count: number, sums = false): void {
    const k = this.targets;
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let sumSq = 0;
    for (let r = 0; r < count; r++) {
      const v = this.ring[r * k + i]!;
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      sumSq += v * v;
    }
    this.min[i] = min;
    this.max[i] = max;
    if (sums) {
      this.sum[i] = sum;
      this.sumSq[i] = sumSq;
    }
  }
}

/** The training matrix: feature rows, the scaled values to predict, and which of them were observed. */
export interface FeatureMatrix {
  rows: number;
  width: number;
  targets: number;
  features: Float32Array;
  scaled: Float32Array;
  observed: Uint8Array;
  from: number;
  stepMs: number;
}

export function buildFeatureMatrix(spec: FeatureSpec, series: RegularSeries): FeatureMatrix {
  const builder = new FeatureBuilder(spec);
  const index = FeatureBuilder.indexOf(spec, series.metrics);
  const n = series.values[0]?.length ?? 0;
  const k = builder.targets;
  const features = new Float32Array(n * builder.width);
  const scaledOut = new Float32Array(n * k);
  const observed = new Uint8Array(n * k);
  const raw = new Float64Array(k);
  const scaled = new Float64Array(k);
  const row = new Float64Array(builder.width);
  for (let t = 0; t < n; t++) {
    for (let i = 0; i < k; i++) raw[i] = index[i]! >= 0 ? series.values[index[i]!]![t]! : NaN;
    builder.push(series.from + t * series.stepMs, raw, row, scaled);
    features.set(row, t * builder.width);
    scaledOut.set(scaled, t * k);
    for (let i = 0; i < k; i++) observed[t * k + i] = Number.isFinite(raw[i]) ? 1 : 0;
  }
  return {
    rows: n,
    width: builder.width,
    targets: k,
    features,
    scaled: scaledOut,
    observed,
    from: series.from,
    stepMs: series.stepMs,
  };
}
