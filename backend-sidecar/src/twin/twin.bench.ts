import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { report } from '../bench/load-generator.ts';
import { buildFeatureMatrix, fitFeatureSpec, type RegularSeries } from '../features/index.ts';
import { loadSmdPart, SHARED_DATA } from '../eval/smd-data.ts';
import { tensorflow, tf } from './lstm/tf-backend.ts';
import { trainNetwork, windowsOf, type NetworkShape } from './lstm/lstm-network.ts';
import { DEFAULT_LSTM_OPTIONS, type LstmTwinModel } from './lstm/lstm-metadata.ts';
import { LstmTwinRunner } from './lstm/lstm-runner.ts';
import { tempDir } from '../testing/temp-dir.ts';

const TORCH_PEER = fileURLToPath(new URL('../../scripts/lstm-torch-peer.py', import.meta.url));
const WEEK_OF_MINUTES = 7 * 24 * 60;

/**
 * `npm run bench -- twin`: training one instance on 7 days of 1-minute data with 38 metrics (the
 * first week of an SMD machine), Twin (tfjs) against the same network in PyTorch on one thread fed
 * the same windows, the same epochs; then the fleet path: live twins scoring samples and
 * predicting the next step, per core, against tfjs predicting the same windows in one batch; and
 * the memory a loaded twin takes.
 */
export async function twinBench(options: { json: boolean; epochs?: number; fleet?: number }): Promise<void> {
  const epochs = options.epochs ?? 5;
  const backend = await tensorflow();
  const series: RegularSeries = loadSmdPart(path.join(SHARED_DATA, 'smd'), 'train', 'machine-1-2', 0, WEEK_OF_MINUTES);
  const o = DEFAULT_LSTM_OPTIONS;

  let started = performance.now();
  const spec = fitFeatureSpec(series);
  const matrix = buildFeatureMatrix(spec, series);
  const featureSeconds = (performance.now() - started) / 1000;
  const shape: NetworkShape = { window: o.window, units: o.units, inputs: matrix.width, outputs: matrix.targets };
  process.stderr.write(
    `data: ${matrix.rows} rows x ${series.metrics.length} metrics -> ${shape.inputs} features, ${shape.outputs} predicted; ` +
      `LSTM ${shape.units} units over ${shape.window} steps; ${epochs} epochs, batch ${o.batchSize}; tfjs backend ${backend}\n`
  );
  started = performance.now();
  const trained = await trainNetwork(matrix, shape, {
    maxEpochs: epochs,
    patience: epochs,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    validationShare: o.validationShare,
  });
  const twinSeconds = (performance.now() - started) / 1000;

  // The peer trains on the very same windows.
  const dir = tempDir('twin-bench-');
  const { x, y, count } = windowsOf(matrix, shape.window);
  fs.writeFileSync(path.join(dir, 'x.f32'), x);
  fs.writeFileSync(path.join(dir, 'y.f32'), y);
  const peerArgs = {
    x: path.join(dir, 'x.f32'),
    y: path.join(dir, 'y.f32'),
    windows: count,
    train: trained.windows.train,
    ...shape,
    epochs,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
  };
  const { stdout } = await promisify(execFile)('/usr/bin/python3', [TORCH_PEER, JSON.stringify(peerArgs)], {
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  const peer = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    seconds: number;
    torch: string;
    validationLoss: number;
  };
  fs.rmSync(dir, { recursive: true, force: true });

  // The fleet path: many live twins of this model, each fed one sample a "second".
  const fleet = options.fleet ?? 1000;
  const model = {
    kind: 'lstm',
    window: { stepMs: 60_000 },
    features: spec,
    network: shape,
    metrics: spec.inputs.map((i) => ({ name: i.metric, errorScale: 0.1, threshold: 5 })),
  } as unknown as LstmTwinModel;
  // Every instance has a model of its own: each twin gets its own copy of the weights.
  const copy = (w: typeof trained.weights) => ({
    ...w,
    kernel: w.kernel.slice(),
    recurrent: w.recurrent.slice(),
    bias: w.bias.slice(),
    denseKernel: w.denseKernel.slice(),
    denseBias: w.denseBias.slice(),
  });
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = used();
  const twins = Array.from({ length: fleet }, () => new LstmTwinRunner(model, copy(trained.weights)));
  const perTwinKb = (used() - before) / fleet / 1024;
  const sample = (row: number) =>
    Object.fromEntries(series.metrics.map((m, c) => [m, series.values[c]![row % matrix.rows]!]));
  const samples = Array.from({ length: 200 }, (_, r) => sample(r));
  // Prime each twin with a window of steps. Then, timed apart: whole steps (one sample a step, so
  // each call completes a step: features, the network's prediction of the next step, scores), and
  // samples within a step (scored against the step's prediction; the network does not run).
  for (let s = 0; s < shape.window + 2; s++) twins.forEach((t) => t.step(s * 60_000, samples[s]!));
  const timed = (work: () => number) => {
    const cpu0 = process.cpuUsage();
    const n = work();
    const cpu = process.cpuUsage(cpu0);
    return n / ((cpu.user + cpu.system) / 1e6);
  };
  let minute = shape.window + 2;
  const predictionsPerCoreS = timed(() => {
    for (let r = 0; r < 20; r++, minute++)
      for (let i = 0; i < fleet; i++) twins[i]!.step(minute * 60_000, samples[(minute + i) % samples.length]!);
    return 20 * fleet;
  });
  const samplesPerCoreS = timed(() => {
    let n = 0;
    for (let sec = 1; sec < 60; sec++)
      for (let i = 0; i < fleet; i++)
        if (twins[i]!.step(minute * 60_000 + sec * 1000, samples[(sec + i) % samples.length]!)) n++;
    return n;
  });

  // Peer: tfjs predicting every twin's window in one batched call.
  const tfModel = await tf.loadLayersModel(tf.io.fromMemory(trained.artifacts));
  const per = shape.window * shape.inputs;
  const batch = new Float32Array(fleet * per);
  for (let i = 0; i < fleet; i++) batch.set(x.subarray((i % count) * per, ((i % count) + 1) * per), i * per);
  const input = tf.tensor3d(batch, [fleet, shape.window, shape.inputs]);
  (tfModel.predict(input) as tf.Tensor).dispose();
  const peerCpu0 = process.cpuUsage();
  const peerRounds = 5;
  for (let r = 0; r < peerRounds; r++) {
    const out = tfModel.predict(input) as tf.Tensor;
    await out.data();
    out.dispose();
  }
  const peerCpu = process.cpuUsage(peerCpu0);
  const peerPredictionsPerCoreS = (peerRounds * fleet) / ((peerCpu.user + peerCpu.system) / 1e6);
  input.dispose();
  tfModel.dispose();

  // A fleet at 1 Hz on 1-minute twins: 59 samples scored within a step, then one that completes it.
  const blendedPerCoreS = 60 / (59 / samplesPerCoreS + 1 / predictionsPerCoreS);
  const fmt = (v: number, d = 0) => v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  report(
    `twin: one instance, 7 days of 1-minute data, ${series.metrics.length} metrics (SMD machine-1-2); fleet of ${fleet} live twins`,
    [
      [
        `training, ${epochs} epochs, seconds (peer: PyTorch ${peer.torch}, 1 thread)`,
        fmt(twinSeconds, 1),
        fmt(peer.seconds, 1),
        (twinSeconds / peer.seconds).toFixed(2),
      ],
      ['validation loss after training', trained.validationLoss.toFixed(4), peer.validationLoss.toFixed(4), ''],
      ['feature engineering, seconds', fmt(featureSeconds, 2), '', ''],
      [
        'next-step predictions per second per core (peer: tfjs, one batch)',
        fmt(predictionsPerCoreS),
        fmt(peerPredictionsPerCoreS),
        (predictionsPerCoreS / peerPredictionsPerCoreS).toFixed(2),
      ],
      [
        'instance-predictions per second per core at 1 Hz (every sample; the network once a 60 s step)',
        fmt(blendedPerCoreS),
        '',
        '',
      ],
      ['samples scored within a step, per second per core', fmt(samplesPerCoreS), '', ''],
      ['memory per loaded twin, KB (its weights and state)', fmt(perTwinKb, 1), '', ''],
      ['weights per model, KB', fmt(trained.artifacts.weightData.byteLength / 1024, 1), '', ''],
    ],
    options.json,
    {
      bench: 'twin',
      backend,
      cpus: os.availableParallelism(),
      shape,
      epochs,
      twin: {
        trainingSeconds: twinSeconds,
        featureSeconds,
        predictionsPerCoreSecond: predictionsPerCoreS,
        samplesPerCoreSecond: samplesPerCoreS,
        instancePredictionsPerCoreSecondAt1Hz: blendedPerCoreS,
        kbPerTwin: perTwinKb,
      },
      peer: {
        name: `PyTorch ${peer.torch} (Debian), 1 thread; tfjs batched predict`,
        trainingSeconds: peer.seconds,
        predictionsPerCoreSecond: peerPredictionsPerCoreS,
      },
      ratio: { training: twinSeconds / peer.seconds, predictions: predictionsPerCoreS / peerPredictionsPerCoreS },
    }
  );
}
