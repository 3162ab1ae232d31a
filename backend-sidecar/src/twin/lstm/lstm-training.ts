import {
  buildFeatureMatrix,
  expectedPeak,
  fitFeatureSpec,
  quantile,
  robustScale,
  type FeatureSpec,
  type RegularSeries,
} from '../../features/index.ts';
import { trainNetwork } from './lstm-network.ts';
import { checksumOf, type NetworkArtifacts, type NetworkShape } from './artifacts.ts';
import { LstmPredictor, LstmStream, type LstmWeights } from './lstm-step.ts';
import type { TfBackend } from './tf-backend.ts';
import { levelModel, rowsOutside } from './level-baseline.ts';
import { fitHorizonHeads } from './horizon-heads.ts';
import { TWIN_SCORING } from '../parameters.ts';
import { type LstmTwinModel, type LstmTwinOptions, type MetricErrorModel } from './lstm-metadata.ts';

export { DEFAULT_LSTM_OPTIONS, type LstmTwinModel, type LstmTwinOptions } from './lstm-metadata.ts';

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

  const fitted = fitHorizonHeads(trained.weights, shape.window, matrix, trained.windows.train);
  // What the live twin measures samples against: its one-step heads where it has them (and the
  // options ask for them), else the network's own prediction. Its misses calibrate the scores.
  const horizon = options.scoreHorizon ?? TWIN_SCORING.scoreHorizon.value;
  const headErrors =
    (options.scoreWith ?? TWIN_SCORING.scoreWith.value) === 'heads'
      ? fitted?.errors[fitted.heads.horizons.indexOf(horizon)]
      : undefined;
  // Calibrate per-metric error scales and thresholds on the training windows, score validation.
  const errors = headErrors ?? oneStepErrors(trained.weights, shape, matrix);
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
    horizons: fitted?.heads,
    ...(headErrors ? { scoredAgainst: { horizon } } : {}),
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
