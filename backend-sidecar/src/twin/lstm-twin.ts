import {
  buildFeatureMatrix,
  expectedPeak,
  extremes,
  fitFeatureSpec,
  quantile,
  robustScale,
  type FeatureSpec,
  type RegularSeries,
} from '../features/index.ts';
import { trainNetwork } from './lstm/lstm-network.ts';
import { checksumOf, type NetworkArtifacts, type NetworkShape } from './lstm/artifacts.ts';
import { LstmPredictor, LstmStream, type LstmWeights } from './lstm/lstm-step.ts';
import type { TfBackend } from './lstm/tf-backend.ts';
import {
  fartherOff,
  LEVEL_CAP,
  REFERENCE_HALF_LIFE_MS,
  SLOW_STEPS,
  type LevelModel,
  type LstmTwinModel,
  type LstmTwinOptions,
  type MetricErrorModel,
} from './lstm-model.ts';

export { DEFAULT_LSTM_OPTIONS, type LstmTwinModel, type LstmTwinOptions } from './lstm-model.ts';

export interface TrainLstmTwinInput {
  instance: string;
  version: string;
  series: RegularSeries;
  options: LstmTwinOptions;
  backend: TfBackend;
  parent?: { model: LstmTwinModel; artifacts: NetworkArtifacts } | undefined;
  /** Spans (ms) of recorded anomalies in the window: left out of the level baseline. */
  exclude?: readonly { start: number; end: number }[];
  /**
   * The rolling window the twin is meant to learn from (ms). A shorter series (a young instance) has
   * seen fewer peaks than the window would show: the surprise and level peaks are raised to what the
   * whole window would be expected to reach (`expectedPeak`). Without it, the series is the window.
   */
  windowMs?: number;
  onProgress?: (fraction: number, message: string) => void;
}

function sameSpec(a: FeatureSpec, b: FeatureSpec): boolean {
  return a.stepMs === b.stepMs && JSON.stringify(a.columns) === JSON.stringify(b.columns);
}

/** Fits the features, trains the network (from the parent's weights when the features are unchanged) and calibrates the scores. */
export async function trainLstmTwin(
  input: TrainLstmTwinInput
): Promise<{ model: LstmTwinModel; artifacts: NetworkArtifacts }> {
  const started = performance.now();
  const { series, options } = input;
  const rows = series.values[0]?.length ?? 0;
  // How many times the series the window holds (1 or less once the window is full).
  const youth = input.windowMs ? input.windowMs / (Math.max(1, rows) * series.stepMs) : 1;
  let spec = fitFeatureSpec(series, options.features);
  // Warm start needs the same inputs in the same order; the parent's scaling is kept so its weights still fit.
  const parent = input.parent && sameSpec(input.parent.model.features, spec) ? input.parent : undefined;
  if (parent) spec = parent.model.features;
  const matrix = buildFeatureMatrix(spec, series);
  const shape: NetworkShape = {
    window: options.window,
    units: options.units,
    inputs: matrix.width,
    outputs: matrix.targets,
  };
  if (shape.outputs === 0)
    throw new Error(
      `no usable metrics for ${input.instance}: ${spec.dropped.map((d) => `${d.metric} ${d.reason}`).join(', ')}`
    );
  const trained = await trainNetwork(matrix, shape, {
    maxEpochs: parent ? Math.max(1, Math.ceil(options.maxEpochs / 4)) : options.maxEpochs,
    patience: options.patience,
    batchSize: options.batchSize,
    learningRate: parent ? options.learningRate / 3 : options.learningRate,
    validationShare: options.validationShare,
    initial: parent?.artifacts,
    seed: options.seed,
    onEpoch: (epoch, trainLoss, validationLoss) =>
      input.onProgress?.(
        Math.min(0.95, epoch / options.maxEpochs),
        `epoch ${epoch}: loss ${trainLoss.toFixed(4)}, validation ${validationLoss.toFixed(4)}`
      ),
  });

  // Calibrate per-metric error scales and thresholds on the training windows, score validation.
  const errors = oneStepErrors(trained.weights, shape, matrix);
  const split = trained.windows.train;
  const metrics: MetricErrorModel[] = spec.inputs.map((inputSpec, k) => {
    const train = errors[k]!.subarray(0, split);
    const errorScale = Math.max(robustScale(train, 0), 0.02);
    const threshold = Math.max(
      4,
      1.2 *
        quantile(
          train.map((e) => Math.abs(e) / errorScale),
          0.999
        )
    );
    return { name: inputSpec.metric, errorScale, threshold };
  });
  const validationError = meanRmse(errors, split);
  const joint = jointScores(errors, metrics, split);
  const model: LstmTwinModel = {
    kind: 'lstm',
    instance: input.instance,
    version: input.version,
    parent: input.parent?.model.version,
    createdAt: Date.now(),
    window: {
      from: series.from,
      to: series.from + (matrix.rows - 1) * series.stepMs,
      stepMs: series.stepMs,
      points: matrix.rows,
    },
    features: spec,
    network: shape,
    training: {
      backend: input.backend,
      epochs: trained.epochs,
      bestEpoch: trained.bestEpoch,
      stoppedEarly: trained.stoppedEarly,
      warmStart: parent !== undefined,
      trainLoss: trained.trainLoss,
      validationLoss: trained.validationLoss,
      windows: trained.windows,
    },
    metrics,
    joint: { threshold: Math.max(3, 1.2 * quantile(joint, 0.999)) },
    surprisePeak: surprisePeak(errors, metrics, youth),
    level: levelModel(
      spec,
      series,
      input.exclude ? rowsOutside(series, input.exclude) : undefined,
      input.parent?.model,
      youth
    ),
    dropped: [
      ...spec.dropped.map((d) => ({ name: d.metric, reason: d.reason })),
      ...spec.duplicates.map((d) => ({
        name: d.metric,
        reason: `duplicate of ${d.of} (r=${d.correlation.toFixed(3)})`,
      })),
    ],
    validationError,
    trainingMs: performance.now() - started,
    checksum: checksumOf(trained.artifacts),
  };
  return { model, artifacts: trained.artifacts };
}

/** One-step errors (scaled units) of every window, per target: NaN where the next value was not observed. */
function oneStepErrors(
  weights: LstmWeights,
  shape: NetworkShape,
  matrix: ReturnType<typeof buildFeatureMatrix>
): Float64Array[] {
  const count = Math.max(0, matrix.rows - shape.window);
  const k = shape.outputs;
  const errors = Array.from({ length: k }, () => new Float64Array(count));
  // Each row is projected once and the windows slide over them, as the live twin runs.
  const stream = new LstmStream(new LstmPredictor(weights), shape.window);
  const out = new Float64Array(k);
  const width = matrix.width;
  for (let row = 0; row < shape.window - 1; row++)
    stream.push(matrix.features.subarray(row * width, (row + 1) * width));
  for (let j = 0; j < count; j++) {
    const last = j + shape.window - 1;
    stream.push(matrix.features.subarray(last * width, (last + 1) * width));
    stream.predict(out);
    for (let t = 0; t < k; t++) {
      const next = last + 1;
      errors[t]![j] = matrix.observed[next * k + t]
        ? matrix.scaled[next * k + t]! - (matrix.scaled[last * k + t]! + out[t]!)
        : NaN;
    }
  }
  return errors;
}

// The level score's threshold: the 99.5th percentile of its training values, and never below 3.
const LEVEL_QUANTILE = 0.995;
const MIN_LEVEL_THRESHOLD = 3;
/**
 * A gauge's reference spread is at least this share of the range it covered in the window: a gauge
 * that sits flat between spikes has a small deviation, and a move well within its usual spikes
 * would otherwise outrank a steady gauge that truly moved.
 */
export const REFERENCE_RANGE_SHARE = 0.05;
/** Recorded anomalies are left out of the statistics unless they cover more than this share of the window (then they are the new normal). */
const MAX_EXCLUDED_SHARE = 0.5;

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

/**
 * Over every step of the window, the largest of the metrics' scores over their thresholds (0 without
 * scores); with `youth` over 1, the largest `youth` times as many steps would be expected to reach.
 */
export function surprisePeak(errors: Float64Array[], metrics: MetricErrorModel[], youth = 1): number {
  const worst = new Float64Array(errors[0]?.length ?? 0);
  errors.forEach((e, k) => {
    const { errorScale, threshold } = metrics[k]!;
    e.forEach((error, j) => {
      if (Number.isFinite(error)) worst[j] = Math.max(worst[j]!, Math.abs(error) / errorScale / threshold);
    });
  });
  return Math.max(0, expectedPeak(worst, youth));
}

/** Per training window: the mean over observed metrics of the squared score (error over error scale). */
function jointScores(errors: Float64Array[], metrics: MetricErrorModel[], windows: number): Float64Array {
  const out = new Float64Array(windows);
  for (let j = 0; j < windows; j++) {
    let sum = 0;
    let n = 0;
    errors.forEach((e, k) => {
      if (!Number.isFinite(e[j])) return;
      sum += (e[j]! / metrics[k]!.errorScale) ** 2;
      n++;
    });
    out[j] = n ? sum / n : NaN;
  }
  return out;
}

function meanRmse(errors: Float64Array[], from: number): number {
  let total = 0;
  let metrics = 0;
  for (const e of errors) {
    let ss = 0;
    let n = 0;
    for (let j = from; j < e.length; j++) {
      if (!Number.isFinite(e[j])) continue;
      ss += e[j]! ** 2;
      n++;
    }
    if (n) {
      total += Math.sqrt(ss / n);
      metrics++;
    }
  }
  return metrics ? total / metrics : NaN;
}
