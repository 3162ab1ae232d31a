import { extremes, median, robustScale } from './robust-stats.ts';

/** One raw metric the twin reads, and how it becomes a model input. */
export interface FeatureInput {
  metric: string;
  /** Counters become per-second rates (a reset gives a missing value, not a negative rate). */
  transform: 'gauge' | 'rate';
  center: number;
  scale: number;
  /** Whether the metric had gaps in training: then a 0/1 "missing" column goes with it. */
  masked: boolean;
  /**
   * What the metric can take, as training shows it: 0 at least for a rate or a gauge that never went
   * below it, 100 at most for a share (`_pct`) that never went past it. The twin's predictions and
   * forecasts keep within them (a network rolled forward an hour can otherwise drift to negative
   * bytes per second). Absent in models trained before, and for a bound the data does not show.
   */
  floor?: number;
  ceiling?: number;
}

/** `value` kept within the input's floor and ceiling. */
export function withinBounds(input: Pick<FeatureInput, 'floor' | 'ceiling'>, value: number): number {
  return Math.min(input.ceiling ?? Infinity, Math.max(input.floor ?? -Infinity, value));
}

/** A scaled value (a prediction) back in the metric's units, within its bounds. */
export function unscaled(input: FeatureInput, scaled: number): number {
  return withinBounds(input, input.center + input.scale * scaled);
}

const SHARE = /_pct($|\.)/;

export interface FeatureColumn {
  name: string;
  kind: 'value' | 'mask' | 'season' | 'aggregate';
  /** The raw metrics the column is computed from (root-cause analysis maps scores back through these). */
  sources: string[];
}

/**
 * Everything needed to turn raw samples into model inputs, fitted on the training window and stored
 * in the model's metadata, so that inference computes exactly the features training saw.
 */
export interface FeatureSpec {
  version: 1;
  stepMs: number;
  inputs: FeatureInput[];
  dropped: { metric: string; reason: string }[];
  /** Metrics left out because another metric carries the same signal; `of` stands for them. */
  duplicates: { metric: string; of: string; correlation: number }[];
  /** Periods found in the data (autocorrelation at the period), encoded as sine and cosine. */
  seasonality: { periodMs: number; strength: number }[];
  /** Rolling aggregates of each input's scaled value over the last `steps` steps. */
  aggregates: { steps: number; kinds: AggregateKind[] };
  /** Scaled values are clipped to ±clip so an outage cannot blow up the network's inputs. */
  clip: number;
  columns: FeatureColumn[];
}

export type AggregateKind = 'mean' | 'spread' | 'min' | 'max';

export interface FeatureSpecOptions {
  aggregateSteps?: number;
  aggregateKinds?: AggregateKind[];
  /** Correlation beyond which a metric counts as a duplicate of an earlier one. */
  duplicateCorrelation?: number;
  /** Autocorrelation at a candidate period above which it counts as seasonal. */
  seasonalityThreshold?: number;
  candidatePeriodsMs?: number[];
}

/** Raw history at a fixed step: `values[m][i]` is metric m at `from + i * stepMs` (NaN when missing). */
export interface RegularSeries {
  from: number;
  stepMs: number;
  metrics: string[];
  values: Float64Array[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const COUNTER_NAME = /(_total|_count|_counter)$/;

/** Puts irregular (or gappy) aligned series on a regular grid, averaging values that share a step. */
export function toRegular(
  ts: readonly number[],
  metrics: string[],
  values: readonly Float64Array[],
  stepMs: number
): RegularSeries {
  if (ts.length === 0) return { from: 0, stepMs, metrics, values: metrics.map(() => new Float64Array(0)) };
  const from = Math.floor(ts[0]! / stepMs) * stepMs;
  const n = Math.floor((ts[ts.length - 1]! - from) / stepMs) + 1;
  const out = metrics.map(() => new Float64Array(n).fill(NaN));
  const counts = metrics.map(() => new Uint32Array(n));
  for (let i = 0; i < ts.length; i++) {
    const slot = Math.floor((ts[i]! - from) / stepMs);
    for (let m = 0; m < metrics.length; m++) {
      const v = values[m]![i]!;
      if (!Number.isFinite(v)) continue;
      const c = counts[m]![slot]!;
      out[m]![slot] = c === 0 ? v : (out[m]![slot]! * c + v) / (c + 1);
      counts[m]![slot] = c + 1;
    }
  }
  return { from, stepMs, metrics, values: out };
}

/**
 * A counter: named like one, or whole numbers that never decrease except for resets and rise in
 * most steps (a gauge that merely trends upwards still falls now and then, or is fractional).
 */
function looksLikeCounter(name: string, series: Float64Array): boolean {
  if (COUNTER_NAME.test(name)) return true;
  for (const v of series) if (Number.isFinite(v) && !Number.isInteger(v)) return false;
  let up = 0;
  let down = 0;
  let steps = 0;
  let prev = NaN;
  for (const v of series) {
    if (!Number.isFinite(v)) continue;
    if (Number.isFinite(prev)) {
      steps++;
      if (v > prev) up++;
      else if (v < prev) down++;
    }
    prev = v;
  }
  return steps > 100 && down <= Math.max(1, steps / 1000) && up > 0.9 * steps;
}

function rates(series: Float64Array, stepMs: number): Float64Array {
  const out = new Float64Array(series.length).fill(NaN);
  let prev = NaN;
  let prevAt = -1;
  for (let i = 0; i < series.length; i++) {
    const v = series[i]!;
    if (!Number.isFinite(v)) continue;
    if (prevAt >= 0 && v >= prev) out[i] = (v - prev) / (((i - prevAt) * stepMs) / 1000);
    prev = v;
    prevAt = i;
  }
  return out;
}

function correlation(a: Float64Array, b: Float64Array): number {
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) continue;
    n++;
    sa += a[i]!;
    sb += b[i]!;
  }
  if (n < 10) return 0;
  const ma = sa / n;
  const mb = sb / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) continue;
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/** Autocorrelation of a series at a lag (in steps), over the pairs where both values exist. */
function autocorrelation(series: Float64Array, lag: number): number {
  return correlation(series.subarray(lag), series.subarray(0, series.length - lag));
}

/** Fits the feature spec on a training window (already on a regular grid). */
export function fitFeatureSpec(data: RegularSeries, options: FeatureSpecOptions = {}): FeatureSpec {
  const { stepMs } = data;
  const n = data.values[0]?.length ?? 0;
  const dropped: FeatureSpec['dropped'] = [];
  const duplicates: FeatureSpec['duplicates'] = [];
  const candidates: { input: FeatureInput; scaled: Float64Array }[] = [];

  for (let m = 0; m < data.metrics.length; m++) {
    const metric = data.metrics[m]!;
    const raw = data.values[m]!;
    // The twin's own outputs, written back into the metric store, are not the instance's behaviour.
    if (metric.startsWith('twin_')) {
      dropped.push({ metric, reason: "the twin's own output" });
      continue;
    }
    const transform = looksLikeCounter(metric, raw) ? 'rate' : 'gauge';
    const series = transform === 'rate' ? rates(raw, stepMs) : raw;
    let finite = 0;
    for (const v of series) if (Number.isFinite(v)) finite++;
    if (finite < Math.max(10, 0.05 * n)) {
      dropped.push({ metric, reason: `too few values (${finite} of ${n})` });
      continue;
    }
    const center = median(series);
    let scale = robustScale(series, center);
    if (!(scale > 0)) {
      // Mostly flat with rare moves: the standard deviation still measures the moves.
      let ss = 0;
      for (const v of series) if (Number.isFinite(v)) ss += (v - center) ** 2;
      scale = Math.sqrt(ss / finite);
    }
    if (!(scale > 1e-12 * Math.max(1, Math.abs(center)))) {
      dropped.push({ metric, reason: 'constant' });
      continue;
    }
    const scaled = series.map((v) => (v - center) / scale);
    const [low, high] = extremes(series);
    const input: FeatureInput = {
      metric,
      transform,
      center,
      scale,
      masked: finite < n,
      ...(transform === 'rate' || low >= 0 ? { floor: 0 } : {}),
      ...(SHARE.test(metric) && high <= 100 ? { ceiling: 100 } : {}),
    };
    const threshold = options.duplicateCorrelation ?? 0.995;
    const twin = candidates.find((c) => Math.abs(correlation(c.scaled, scaled)) >= threshold);
    if (twin) {
      duplicates.push({ metric, of: twin.input.metric, correlation: correlation(twin.scaled, scaled) });
      continue;
    }
    candidates.push({ input, scaled });
  }

  // Seasonality: a candidate period counts when the inputs' median autocorrelation at it is high,
  // and the window holds at least two periods.
  const seasonality: FeatureSpec['seasonality'] = [];
  for (const periodMs of options.candidatePeriodsMs ?? [DAY, 7 * DAY]) {
    const lag = Math.round(periodMs / stepMs);
    if (lag < 2 || n < 2 * lag) continue;
    const strength = median(candidates.map((c) => autocorrelation(c.scaled, lag)));
    if (strength >= (options.seasonalityThreshold ?? 0.3)) seasonality.push({ periodMs, strength });
  }

  const inputs = candidates.map((c) => c.input);
  const aggregates = {
    steps: options.aggregateSteps ?? 60,
    kinds: options.aggregateKinds ?? (['mean', 'spread', 'min', 'max'] as AggregateKind[]),
  };
  const columns: FeatureColumn[] = [];
  for (const i of inputs) {
    const sources = [i.metric, ...duplicates.filter((d) => d.of === i.metric).map((d) => d.metric)];
    columns.push({ name: i.transform === 'rate' ? `rate(${i.metric})` : i.metric, kind: 'value', sources });
  }
  for (const i of inputs)
    if (i.masked) columns.push({ name: `missing(${i.metric})`, kind: 'mask', sources: [i.metric] });
  for (const s of seasonality) {
    const label = s.periodMs % DAY === 0 ? `${s.periodMs / DAY}d` : `${s.periodMs / HOUR}h`;
    columns.push({ name: `sin(${label})`, kind: 'season', sources: [] });
    columns.push({ name: `cos(${label})`, kind: 'season', sources: [] });
  }
  for (const kind of aggregates.kinds)
    for (const i of inputs)
      columns.push({ name: `${kind}${aggregates.steps}(${i.metric})`, kind: 'aggregate', sources: [i.metric] });

  return { version: 1, stepMs, inputs, dropped, duplicates, seasonality, aggregates, clip: 20, columns };
}
