import { tf } from './tf-backend.ts';
import type { FeatureMatrix } from '../../features/index.ts';
import type { LstmWeights } from './lstm-step.ts';
import type { NetworkArtifacts, NetworkShape } from './artifacts.ts';
import { BlockTrainer } from './block-trainer.ts';

export type { NetworkArtifacts, NetworkShape } from './artifacts.ts';

export interface TrainOptions {
  maxEpochs: number;
  /** Epochs without a better validation loss before training stops (the best weights are kept). */
  patience: number;
  batchSize: number;
  learningRate: number;
  /** The last share of the windows, in time order, on which the network is validated. */
  validationShare: number;
  /** Start from these weights (a parent version with the same shape). */
  initial?: NetworkArtifacts | undefined;
  onEpoch?: (epoch: number, trainLoss: number, validationLoss: number) => void;
  seed?: number;
}

export interface TrainedNetwork {
  artifacts: NetworkArtifacts;
  weights: LstmWeights;
  epochs: number;
  bestEpoch: number;
  stoppedEarly: boolean;
  trainLoss: number;
  validationLoss: number;
  windows: { train: number; validation: number };
}

export function buildNetwork(shape: NetworkShape, seed = 1): tf.LayersModel {
  const model = tf.sequential();
  model.add(
    tf.layers.lstm({
      units: shape.units,
      inputShape: [shape.window, shape.inputs],
      // tfjs defaults to hardSigmoid; the usual LSTM (and PyTorch's) uses the logistic sigmoid.
      recurrentActivation: 'sigmoid',
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
      recurrentInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
    })
  );
  model.add(
    tf.layers.dense({ units: shape.outputs, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) })
  );
  return model;
}

/**
 * Training windows: the rows up to step t predict the change of the scaled values from t to t+1
 * (the network learns the step, the twin adds it to the last value).
 */
export function windowsOf(
  matrix: FeatureMatrix,
  window: number,
  withInputs = true
): { x: Float32Array; y: Float32Array; count: number } {
  const { rows, width, targets } = matrix;
  const count = Math.max(0, rows - window);
  const x = new Float32Array(withInputs ? count * window * width : 0);
  const y = new Float32Array(count * targets);
  for (let j = 0; j < count; j++) {
    const last = j + window - 1;
    if (withInputs) x.set(matrix.features.subarray(j * width, (last + 1) * width), j * window * width);
    for (let k = 0; k < targets; k++)
      y[j * targets + k] = matrix.scaled[(last + 1) * targets + k]! - matrix.scaled[last * targets + k]!;
  }
  return { x, y, count };
}

async function artifactsOf(model: tf.LayersModel): Promise<NetworkArtifacts> {
  let saved: NetworkArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const data = a.weightData!;
      saved = {
        modelTopology: a.modelTopology as object,
        weightSpecs: a.weightSpecs!,
        weightData: Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data,
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    })
  );
  return saved!;
}

/** The plain weights of a trained network, for the fast path. */
export function weightsOf(model: tf.LayersModel, shape: NetworkShape): LstmWeights {
  const [kernel, recurrent, bias, denseKernel, denseBias] = model.getWeights().map((w) => w.dataSync() as Float32Array);
  return {
    inputs: shape.inputs,
    units: shape.units,
    outputs: shape.outputs,
    kernel: Float32Array.from(kernel!),
    recurrent: Float32Array.from(recurrent!),
    bias: Float32Array.from(bias!),
    denseKernel: Float32Array.from(denseKernel!),
    denseBias: Float32Array.from(denseBias!),
  };
}

/**
 * Trains the network on a feature matrix: windows in time order, the last `validationShare` of
 * them held out, one epoch at a time until the validation loss stops improving for `patience`
 * epochs; the best epoch's weights are the result.
 */
export async function trainNetwork(
  matrix: FeatureMatrix,
  shape: NetworkShape,
  options: TrainOptions
): Promise<TrainedNetwork> {
  const { y, count } = windowsOf(matrix, shape.window, false);
  const validation = Math.max(1, Math.floor(count * options.validationShare));
  const train = count - validation;
  if (train < options.batchSize) throw new Error(`only ${count} training windows (${matrix.rows} rows of history)`);
  const model = buildNetwork(shape, options.seed);
  if (options.initial) {
    const named = tf.io.decodeWeights(
      options.initial.weightData,
      options.initial.weightSpecs as tf.io.WeightsManifestEntry[]
    );
    model.setWeights(options.initial.weightSpecs.map((s) => named[s.name]!));
  }
  const trainer = new BlockTrainer(matrix, y, shape, model.getWeights(), options.learningRate);
  let seed = options.seed ?? 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  let best = { loss: Infinity, epoch: 0, trainLoss: NaN, weights: [] as tf.Tensor[] };
  let epoch = 0;
  try {
    while (epoch < options.maxEpochs && epoch - best.epoch < options.patience) {
      epoch++;
      const trainLoss = await trainer.epoch(train, options.batchSize, random);
      const validationLoss = await trainer.evaluate(train, validation);
      options.onEpoch?.(epoch, trainLoss, validationLoss);
      if (validationLoss < best.loss) {
        best.weights.forEach((w) => w.dispose());
        best = { loss: validationLoss, epoch, trainLoss, weights: trainer.variables.map((w) => w.clone()) };
      }
    }
    // No epoch at all (an untrained network, the baseline the evaluation compares with): the initial weights.
    if (best.weights.length) model.setWeights(best.weights);
    return {
      artifacts: await artifactsOf(model),
      weights: weightsOf(model, shape),
      epochs: epoch,
      bestEpoch: best.epoch,
      stoppedEarly: epoch < options.maxEpochs,
      trainLoss: best.trainLoss,
      validationLoss: best.loss,
      windows: { train, validation },
    };
  } finally {
    best.weights.forEach((w) => w.dispose());
    trainer.dispose();
    model.dispose();
  }
}
