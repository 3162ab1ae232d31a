import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { tensorflow, tf } from './tf-backend.ts';
import { trainNetwork, windowsOf, type NetworkShape, type TrainOptions } from './lstm-network.ts';
import { LstmPredictor, LstmStream } from './lstm-step.ts';
import { buildFeatureMatrix, fitFeatureSpec } from '../../features/index.ts';
import { loadSmdPart, SHARED_DATA } from '../../eval/smd-data.ts';

// Real data: the first 2,000 minutes of an SMD machine, with a small network so the test is quick.
const data = loadSmdPart(path.join(SHARED_DATA, 'smd'), 'train', 'machine-1-4', 0, 2000);
const spec = fitFeatureSpec(data, { aggregateSteps: 10, aggregateKinds: ['mean', 'max'] });
const matrix = buildFeatureMatrix(spec, data);
const shape: NetworkShape = { window: 8, units: 8, inputs: matrix.width, outputs: matrix.targets };
const options: TrainOptions = { maxEpochs: 3, patience: 2, batchSize: 64, learningRate: 3e-3, validationShare: 0.2 };

test('the backend is chosen once (tfjs-node is not installed here: the WebAssembly backend is used)', async () => {
  const messages: string[] = [];
  const backend = await tensorflow((m) => messages.push(m));
  assert.equal(backend, process.env.TWIN_TF_BACKEND ?? 'wasm');
  assert.equal(tf.getBackend(), backend);
});

test('the fast path computes what tfjs computes, to 1e-5, for windows and for the live stream', async () => {
  await tensorflow();
  const trained = await trainNetwork(matrix, shape, options);
  const model = await tf.loadLayersModel(tf.io.fromMemory(trained.artifacts));
  const { x, count } = windowsOf(matrix, shape.window);
  const per = shape.window * shape.inputs;
  const picks = [0, 1, Math.floor(count / 2), count - 1];
  const expected = model.predict(
    tf.tensor3d(Float32Array.from(picks.flatMap((j) => [...x.subarray(j * per, (j + 1) * per)])), [
      picks.length,
      shape.window,
      shape.inputs,
    ])
  ) as tf.Tensor;
  const want = (await expected.data()) as Float32Array;
  const predictor = new LstmPredictor(trained.weights);
  const out = new Float64Array(shape.outputs);
  let worst = 0;
  picks.forEach((j, p) => {
    predictor.predictWindow(x.subarray(j * per, (j + 1) * per), shape.window, out);
    for (let k = 0; k < shape.outputs; k++) worst = Math.max(worst, Math.abs(out[k]! - want[p * shape.outputs + k]!));
  });
  assert.ok(worst < 1e-5, `largest difference ${worst}`);

  // The stream (each row projected once, kept in a ring) gives the same as the whole window.
  const stream = new LstmStream(predictor, shape.window);
  const j = picks[2]!;
  for (let s = 0; s < shape.window + 3; s++) {
    const row = j - 3 + s;
    stream.push(matrix.features.subarray(row * shape.inputs, (row + 1) * shape.inputs));
  }
  const streamed = stream.predict(new Float64Array(shape.outputs));
  const windowed = predictor.predictWindow(
    x.subarray(j * per, (j + 1) * per),
    shape.window,
    new Float64Array(shape.outputs)
  );
  assert.deepEqual([...streamed], [...windowed]);
  tf.dispose([expected]);
  model.dispose();
});

test('training stops early on a stale validation loss and keeps the best epoch; a warm start begins ahead', async () => {
  await tensorflow();
  const scratch = await trainNetwork(matrix, shape, { ...options, maxEpochs: 40, patience: 1, learningRate: 1e-2 });
  assert.ok(scratch.stoppedEarly && scratch.epochs < 40, `${scratch.epochs} epochs`);
  assert.equal(scratch.bestEpoch, scratch.epochs - 1);
  const first: number[] = [];
  const again = await trainNetwork(matrix, shape, {
    ...options,
    maxEpochs: 1,
    initial: scratch.artifacts,
    onEpoch: (_e, _t, v) => first.push(v),
  });
  const cold: number[] = [];
  await trainNetwork(matrix, shape, { ...options, maxEpochs: 1, onEpoch: (_e, _t, v) => cold.push(v) });
  assert.ok(first[0]! < cold[0]!, `warm ${first[0]} against cold ${cold[0]} after one epoch`);
  assert.ok(again.validationLoss <= scratch.validationLoss * 1.5);
});
