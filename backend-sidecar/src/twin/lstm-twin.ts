import {
  buildFeatureMatrix,
  fitFeatureSpec,
  quantile,
  robustScale,
  type FeatureSpec,
  type RegularSeries,
} from '../features/index.ts';
import { trainNetwork, windowsOf } from './lstm/lstm-network.ts';
import { checksumOf, type NetworkArtifacts, type NetworkShape } from './lstm/artifacts.ts';
import { LstmPredictor, type LstmWeights } from './lstm/lstm-step.ts';
import type { TfBackend } from './lstm/tf-backend.ts';
import type { LevelModel, LstmTwinModel, LstmTwinOptions, MetricErrorModel } from './lstm-model.ts';

export { DEFAULT_LSTM_OPTIONS, type LstmTwinModel, type LstmTwinOptions } from './lstm-model.ts';

export interface TrainLstmTwinInput {
  instance: string;
  version: string;
  series: RegularSeries;
  options: LstmTwinOptions;
  backend: TfBackend;
  parent?: { model: LstmTwinModel; artifacts: NetworkArtifacts } | undefined;
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
    level: levelModel(spec, series),
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
  const { x, count } = windowsOf(matrix, shape.window);
  const k = shape.outputs;
  const errors = Array.from({ length: k }, () => new Float64Array(count));
  const predictor = new LstmPredictor(weights);
  const out = new Float64Array(k);
  const per = shape.window * shape.inputs;
  for (let j = 0; j < count; j++) {
    predictor.predictWindow(x.subarray(j * per, (j + 1) * per), shape.window, out);
    const last = j + shape.window - 1;
    for (let t = 0; t < k; t++) {
      const next = last + 1;
      errors[t]![j] = matrix.observed[next * k + t]
        ? matrix.scaled[next * k + t]! - (matrix.scaled[last * k + t]! + out[t]!)
        : NaN;
    }
  }
  return errors;
}

// The level score's threshold: the 99.5th percentile of its training values, and never below 3 standard deviations.
const LEVEL_QUANTILE = 0.995;
const MIN_LEVEL_THRESHOLD = 3;

/** Each gauge's training mean and spread, and the level score's threshold from its training values. */
function levelModel(spec: FeatureSpec, series: RegularSeries): LevelModel {
  const columns = spec.inputs.map((input) =>
    input.transform === 'gauge' ? series.values[series.metrics.indexOf(input.metric)] : undefined
  );
  const stats = columns.map((values) => {
    if (!values) return null;
    let n = 0;
    let sum = 0;
    let squares = 0;
    for (const v of values) {
      if (!Number.isFinite(v)) continue;
      n++;
      sum += v;
      squares += v * v;
    }
    if (n < 2) return null;
    const mean = sum / n;
    const sd = Math.sqrt(Math.max(0, squares / n - mean * mean));
    // A metric that never moved in training still gets a scale (1e-3 of its level), so any move of it stands out.
    return { mean, spread: Math.max(sd, 1e-3 * Math.max(1, Math.abs(mean))) };
  });
  const rows = series.values[0]?.length ?? 0;
  const worst = new Float64Array(rows);
  columns.forEach((values, k) => {
    const s = stats[k];
    if (!values || !s) return;
    for (let i = 0; i < rows; i++) {
      const z = Math.abs(values[i]! - s.mean) / s.spread;
      if (z > worst[i]!) worst[i] = z;
    }
  });
  return {
    mean: stats.map((s) => s?.mean ?? null),
    spread: stats.map((s) => s?.spread ?? null),
    threshold: Math.max(MIN_LEVEL_THRESHOLD, quantile(worst, LEVEL_QUANTILE)),
  };
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
