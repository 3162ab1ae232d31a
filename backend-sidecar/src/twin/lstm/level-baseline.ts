import { expectedPeak, extremes, quantile, type FeatureSpec, type RegularSeries } from '../../features/index.ts';
import {
  fartherOff,
  LEVEL_CAP,
  REFERENCE_HALF_LIFE_MS,
  SLOW_STEPS,
  type LevelModel,
  type LstmTwinModel,
} from './lstm-metadata.ts';
import { LEVEL_BASELINE } from '../parameters.ts';

/*
 * The level baseline: where each gauge usually sits (a slowly weighted mean and spread over the
 * window, recorded anomalies left out) and how far from it the instance's gauges together usually
 * go (the level score's threshold and its peaks, per side).
 */

// The level score's threshold: the 99.5th percentile of its training values, and never below 3.
const LEVEL_QUANTILE = LEVEL_BASELINE.levelQuantile.value;
const MIN_LEVEL_THRESHOLD = LEVEL_BASELINE.minLevelThreshold.value;
/**
 * A gauge's reference spread is at least this share of the range it covered in the window: a gauge
 * that sits flat between spikes has a small deviation, and a move well within its usual spikes
 * would otherwise outrank a steady gauge that truly moved.
 */
export const REFERENCE_RANGE_SHARE = LEVEL_BASELINE.referenceRangeShare.value;
/** Recorded anomalies are left out of the statistics unless they cover more than this share of the window (then they are the new normal). */
const MAX_EXCLUDED_SHARE = LEVEL_BASELINE.maxExcludedShare.value;

/** Per column, the mean of its finite values over the last `steps` rows (NaN where there are none). */
export function slowMeans(values: Float64Array, steps: number): Float64Array {
  const out = new Float64Array(values.length);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      sum += v;
      n++;
    }
    const old = i >= steps ? values[i - steps]! : NaN;
    if (Number.isFinite(old)) {
      sum -= old;
      n--;
    }
    out[i] = n > 0 ? sum / n : NaN;
  }
  return out;
}

/** Mean and spread of the finite values of the rows kept; null when fewer than two. */
function statsOf(values: Float64Array, keep: Uint8Array): { mean: number; spread: number } | null {
  let n = 0;
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!keep[i] || !Number.isFinite(v)) continue;
    n++;
    sum += v;
    squares += v * v;
  }
  if (n < 2) return null;
  const mean = sum / n;
  const sd = Math.sqrt(Math.max(0, squares / n - mean * mean));
  // A metric that never moved in training still gets a scale (1e-3 of its level), so any move of it stands out.
  return { mean, spread: Math.max(sd, 1e-3 * Math.max(1, Math.abs(mean))) };
}

/** The rows of a series that lie in none of the spans (ms, inclusive), unless the spans would leave out too much. */
export function rowsOutside(series: RegularSeries, spans: readonly { start: number; end: number }[]): Uint8Array {
  const rows = series.values[0]?.length ?? 0;
  const keep = new Uint8Array(rows).fill(1);
  for (const { start, end } of spans) {
    const from = Math.max(0, Math.ceil((start - series.from) / series.stepMs));
    const to = Math.min(rows - 1, Math.floor((end - series.from) / series.stepMs));
    for (let i = from; i <= to; i++) keep[i] = 0;
  }
  return countZeros(keep) > MAX_EXCLUDED_SHARE * rows ? keep.fill(1) : keep;
}

function countZeros(flags: Uint8Array): number {
  return flags.reduce((n, k) => n + (k ? 0 : 1), 0);
}

type Stats = { mean: number; spread: number } | null;

/**
 * Each gauge's statistics at both scales over the rows kept, and the level score of every row against
 * them with its part from the gauges above their baseline and its part from those below (NaN without gauges).
 */
function levelBaseline(
  columns: (Float64Array | undefined)[],
  slowColumns: (Float64Array | undefined)[],
  kept: Uint8Array
): { point: Stats[]; slow: Stats[]; scores: Float64Array; above: Float64Array; below: Float64Array } {
  const rows = kept.length;
  const point = columns.map((values) => (values ? statsOf(values, kept) : null));
  const slow = slowColumns.map((values, k) => (values && point[k] ? statsOf(values, kept) : null));
  const squares = new Float64Array(rows);
  const aboveSquares = new Float64Array(rows);
  const counts = new Uint16Array(rows);
  columns.forEach((values, k) => {
    const p = point[k];
    const s = slow[k];
    if (!values || !p || !s) return;
    const slowValues = slowColumns[k]!;
    for (let i = 0; i < rows; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) continue;
      const distance = fartherOff((v - p.mean) / p.spread, (slowValues[i]! - s.mean) / s.spread || 0);
      const square = Math.min(LEVEL_CAP, Math.abs(distance)) ** 2;
      squares[i] = squares[i]! + square;
      if (distance > 0) aboveSquares[i] = aboveSquares[i]! + square;
      counts[i] = counts[i]! + 1;
    }
  });
  const rms = (sum: number, i: number) => (counts[i] ? Math.sqrt(sum / counts[i]!) : NaN);
  return {
    point,
    slow,
    scores: squares.map(rms),
    above: aboveSquares.map(rms),
    below: squares.map((sum, i) => rms(sum - aboveSquares[i]!, i)),
  };
}

/** The level score's threshold: its `LEVEL_QUANTILE` over the rows kept, never below `MIN_LEVEL_THRESHOLD`. */
function levelThreshold(scores: Float64Array, kept: Uint8Array): number {
  const values = scores.filter((v, i) => kept[i] && Number.isFinite(v));
  return Math.max(MIN_LEVEL_THRESHOLD, values.length ? quantile(values, LEVEL_QUANTILE) : 0);
}

/**
 * Each gauge's training mean and spread at both scales, and the level score's threshold from its
 * values over the training rows kept. Rows in recorded anomalies are not the baseline, and neither
 * are the rows a first estimate already scores past its threshold (short spikes that never made an
 * event): the statistics are estimated again without them, a trimmed estimate, unless all left out
 * would be over half the window.
 */
export function levelModel(
  spec: FeatureSpec,
  series: RegularSeries,
  keep?: Uint8Array,
  parent?: LstmTwinModel,
  youth = 1
): LevelModel {
  const rows = series.values[0]?.length ?? 0;
  const kept = keep ?? new Uint8Array(rows).fill(1);
  const columns = spec.inputs.map((input) =>
    input.transform === 'gauge' ? series.values[series.metrics.indexOf(input.metric)] : undefined
  );
  const slowColumns = columns.map((values) => (values ? slowMeans(values, SLOW_STEPS) : undefined));
  const first = levelBaseline(columns, slowColumns, kept);
  const firstThreshold = levelThreshold(first.scores, kept);
  const normal = kept.map((k, i) => (k && !(first.scores[i]! > firstThreshold) ? 1 : 0));
  const trimmed = countZeros(normal) > MAX_EXCLUDED_SHARE * rows ? kept : normal;
  const { point, slow, scores, above, below } = levelBaseline(columns, slowColumns, trimmed);
  const rateInputs = new Set(spec.inputs.filter((i) => i.transform !== 'gauge').map((i) => i.metric));
  const watched = [
    ...spec.dropped.filter((d) => d.reason === 'constant').map((d) => d.metric),
    ...spec.duplicates.filter((d) => !rateInputs.has(d.of)).map((d) => d.metric),
  ].flatMap((metric) => {
    const values = series.values[series.metrics.indexOf(metric)];
    const stats = values && statsOf(values, trimmed);
    // Their distances only explain anomalies: measured as the inputs' are from their reference, past the range floor.
    return stats
      ? [{ metric, mean: stats.mean, spread: Math.max(stats.spread, REFERENCE_RANGE_SHARE * rangeOf(values)) }]
      : [];
  });
  return {
    mean: point.map((s) => s?.mean ?? null),
    spread: point.map((s) => s?.spread ?? null),
    slow: { steps: SLOW_STEPS, mean: slow.map((s) => s?.mean ?? null), spread: slow.map((s) => s?.spread ?? null) },
    threshold: levelThreshold(scores, trimmed),
    ...levelPeaks(scores, above, below, youth),
    watched,
    excludedRows: countZeros(kept),
    outlyingRows: countZeros(trimmed) - countZeros(kept),
    reference: referenceOf(spec, point, columns.map(rangeOf), series.from + (rows - 1) * series.stepMs, parent),
  };
}

/** The largest level score of the window's rows and of each of its parts, `youth` times as many of them expected (none without gauges). */
function levelPeaks(
  scores: Float64Array,
  above: Float64Array,
  below: Float64Array,
  youth: number
): Pick<LevelModel, 'peak' | 'sides'> {
  const peak = expectedPeak(scores, youth);
  if (!Number.isFinite(peak)) return {};
  return { peak, sides: { above: expectedPeak(above, youth), below: expectedPeak(below, youth) } };
}

/** Largest minus smallest finite value (every row, anomalies too: they are part of the range a gauge covers); 0 without values. */
function rangeOf(values: Float64Array | undefined): number {
  const [low, high] = extremes(values ?? []);
  return high >= low ? high - low : 0;
}

/**
 * The window's statistics blended with the parent's reference (its window statistics for a parent
 * without one), gauge by gauge by name; the parent's weight is 1/2 per half-life between the two
 * windows' ends. A gauge new to this version starts from its window. Each spread is then kept to at
 * least `REFERENCE_RANGE_SHARE` of the gauge's range in the window.
 */
function referenceOf(
  spec: FeatureSpec,
  point: ({ mean: number; spread: number } | null)[],
  ranges: number[],
  at: number,
  parent: LstmTwinModel | undefined
): NonNullable<LevelModel['reference']> {
  const before = new Map<string, { mean: number; spread: number }>();
  const level = parent?.level;
  if (parent && level) {
    const from = level.reference ?? level;
    parent.features.inputs.forEach((input, k) => {
      const mean = from.mean[k];
      const spread = from.spread[k];
      if (mean != null && spread != null) before.set(input.metric, { mean, spread });
    });
  }
  const parentAt = level?.reference?.at ?? parent?.window.to ?? at;
  const weight = 0.5 ** (Math.max(0, at - parentAt) / REFERENCE_HALF_LIFE_MS);
  const blended = spec.inputs.map((input, k) => {
    const now = point[k];
    const old = before.get(input.metric);
    if (!now) return null;
    const floor = REFERENCE_RANGE_SHARE * ranges[k]!;
    if (!old) return { mean: now.mean, spread: Math.max(now.spread, floor) };
    return {
      mean: weight * old.mean + (1 - weight) * now.mean,
      spread: Math.max(floor, Math.sqrt(weight * old.spread ** 2 + (1 - weight) * now.spread ** 2)),
    };
  });
  return { at, mean: blended.map((s) => s?.mean ?? null), spread: blended.map((s) => s?.spread ?? null) };
}
