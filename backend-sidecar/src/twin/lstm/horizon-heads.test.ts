import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tensorflow } from './tf-backend.ts';
import { weightsFromArtifacts } from './artifacts.ts';
import { trainLstmTwin } from './lstm-training.ts';
import { DEFAULT_LSTM_OPTIONS, type LstmTwinModel } from './lstm-metadata.ts';
import { LstmTwinRunner } from './lstm-runner.ts';
import { RecentScaled } from './horizon-heads.ts';
import type { LstmWeights } from './lstm-step.ts';

const STEP = 60_000;
// A mean-reverting gauge (AR(1) about 50, 0.95 a step): an hour ahead it is back near 50, so a
// forecast that knows this beats repeating the last value by far; rolled-forward one-step
// predictions need not know it.
function ar1(rows: number, seed: number): Float64Array {
  let s = seed;
  const gauss = () => {
    const u = ((s = (s * 16807) % 2147483647) + 1) / 2147483648;
    const v = ((s = (s * 16807) % 2147483647) + 1) / 2147483648;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const x = new Float64Array(rows);
  x[0] = 50;
  for (let t = 1; t < rows; t++) x[t] = 50 + 0.95 * (x[t - 1]! - 50) + 2 * gauss();
  return x;
}

const history = ar1(3 * 1440, 11);
let model: LstmTwinModel;
let weights: LstmWeights;

before(async () => {
  const trained = await trainLstmTwin({
    instance: 'ar',
    version: 'v0001',
    series: { from: 0, stepMs: STEP, metrics: ['load'], values: [history] },
    options: { ...DEFAULT_LSTM_OPTIONS, maxEpochs: 2 },
    backend: await tensorflow(),
  });
  model = trained.model;
  weights = weightsFromArtifacts(trained.artifacts, model.network);
});

test('a trained twin has direct heads at 1, 10 and 60 steps, calibrated on validation windows it was not fitted on', () => {
  const heads = model.horizons!;
  assert.deepEqual(heads.horizons, [1, 10, 60]);
  assert.deepEqual(heads.meanSteps, [16, 60]);
  // An hour ahead of a mean-reverting gauge, the fitted head beats persistence on the validation windows.
  assert.equal(heads.kinds[0]![2], 'fitted');
  assert.ok(heads.kinds[0]!.every((k) => ['fitted', 'persistence', 'network'].includes(k)));
  const [q80, q95] = [heads.q80[0]!, heads.q95[0]!];
  for (let i = 0; i < 3; i++) assert.ok(q80[i]! > 0 && q95[i]! > q80[i]!, `${q80[i]} ${q95[i]}`);
  assert.ok(q95[2]! > 1.5 * q95[0]!, 'an hour ahead is less certain than the next step');
  // The network's training hold-out (20 % of the windows) is what the intervals are calibrated on.
  assert.ok(heads.calibrated[0]![0]! > 500, String(heads.calibrated[0]));
});

test('on data it never saw, the direct forecast beats persistence an hour ahead, its intervals cover about as claimed, and the live twin is untouched', () => {
  const fresh = ar1(2 * 1440, 29);
  const runner = new LstmTwinRunner(model, weights);
  const shadow = new LstmTwinRunner(model, weights);
  const misses = { direct: [] as number[], persistence: [] as number[], rolled: [] as number[] };
  let covered80 = 0;
  let covered95 = 0;
  let n = 0;
  for (let t = 0; t < fresh.length; t++) {
    const a = runner.step(t * STEP, { load: fresh[t]! });
    const b = shadow.step(t * STEP, { load: fresh[t]! });
    assert.deepEqual(a?.scores, b?.scores);
    if (t < 100 || t % 10 !== 0 || t + 60 >= fresh.length) continue;
    const forecast = runner.horizonForecast()!;
    assert.equal(forecast.at, t * STEP);
    const f = forecast.metrics.load!;
    // Each head forecasts as what did best on the validation windows: here one step ahead the network.
    if (model.horizons!.kinds[0]![0] === 'network')
      assert.ok(Math.abs(f.mean[0]! - runner.forecast(1).metrics.load!.values[0]!) < 1e-9);
    const actual = fresh[t + 60]!;
    misses.direct.push(Math.abs(f.mean[2]! - actual));
    misses.persistence.push(Math.abs(fresh[t]! - actual));
    misses.rolled.push(Math.abs(runner.forecast(60).metrics.load!.values[59]! - actual));
    if (actual >= f.lower80[2]! && actual <= f.upper80[2]!) covered80++;
    if (actual >= f.lower95[2]! && actual <= f.upper95[2]!) covered95++;
    assert.ok(f.lower95[2]! <= f.lower80[2]! && f.upper80[2]! <= f.upper95[2]!);
    n++;
  }
  const mae = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(mae(misses.direct) < 0.85 * mae(misses.persistence), `${mae(misses.direct)} vs ${mae(misses.persistence)}`);
  assert.ok(covered80 / n > 0.7 && covered80 / n < 0.9, `80 % interval covered ${covered80 / n}`);
  assert.ok(covered95 / n > 0.88, `95 % interval covered ${covered95 / n}`);
});

test('a history too short to calibrate the longest head gives no heads; that twin forecasts by rolling forward only', async () => {
  const { model: young, artifacts } = await trainLstmTwin({
    instance: 'young',
    version: 'v0001',
    series: { from: 0, stepMs: STEP, metrics: ['load'], values: [history.subarray(0, 300)] },
    options: { ...DEFAULT_LSTM_OPTIONS, maxEpochs: 1, batchSize: 16 },
    backend: await tensorflow(),
  });
  assert.equal(young.horizons, undefined);
  const runner = new LstmTwinRunner(young, weightsFromArtifacts(artifacts, young.network));
  for (let t = 0; t < 50; t++) runner.step(t * STEP, { load: history[t]! });
  assert.equal(runner.horizonForecast(), undefined);
  assert.equal(runner.forecast(10).metrics.load!.values.length, 10);
});

test("the recent means a head reads are over what has been seen, each input's own", () => {
  const recent = new RecentScaled(2, 3);
  assert.ok(Number.isNaN(recent.mean(0, 3)));
  recent.push([1, 10]);
  recent.push([2, 20]);
  assert.equal(recent.mean(0, 3), 1.5);
  const copy = recent.clone();
  recent.push([3, 30]);
  recent.push([4, 40]);
  assert.equal(recent.mean(0, 3), 3, 'the oldest value left the ring');
  assert.equal(recent.mean(1, 2), 35);
  assert.equal(copy.mean(1, 3), 15, 'a clone goes on independently');
});

test('scored against the 10-step head, each sample is measured against the forecast made ten steps before it', async () => {
  const trained = await trainLstmTwin({
    instance: 'ar',
    version: 'v0002',
    series: { from: 0, stepMs: STEP, metrics: ['load'], values: [history] },
    options: { ...DEFAULT_LSTM_OPTIONS, maxEpochs: 1, scoreWith: 'heads', scoreHorizon: 10 },
    backend: await tensorflow(),
  });
  assert.deepEqual(trained.model.scoredAgainst, { horizon: 10 });
  const runner = new LstmTwinRunner(trained.model, weightsFromArtifacts(trained.artifacts, trained.model.network));
  const fresh = ar1(400, 31);
  const forecastsMade: number[] = [];
  let matched = 0;
  for (let t = 0; t < fresh.length; t++) {
    const result = runner.step(t * STEP, { load: fresh[t]! });
    // The sample at step t is measured against what the 10-step head said at step t - 10.
    if (result && forecastsMade[t - 10] !== undefined) {
      assert.ok(Math.abs(result.predicted.load! - forecastsMade[t - 10]!) < 1e-9, `step ${t}`);
      matched++;
    }
    const direct = runner.horizonForecast();
    if (direct) forecastsMade[t] = direct.metrics.load!.mean[1]!;
  }
  assert.ok(matched > 300, `${matched} samples checked`);
});
