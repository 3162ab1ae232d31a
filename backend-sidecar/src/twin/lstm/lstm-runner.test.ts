import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tensorflow } from './tf-backend.ts';
import { weightsFromArtifacts } from './artifacts.ts';
import { surprisePeak, trainLstmTwin } from './lstm-training.ts';
import { DEFAULT_LSTM_OPTIONS, type LstmTwinModel } from './lstm-metadata.ts';
import { LstmTwinRunner } from './lstm-runner.ts';
import type { RegularSeries } from '../../features/index.ts';
import type { LstmWeights } from './lstm-step.ts';

const STEP = 60_000;
const ROWS = 2 * 1440;
let seed = 5;
const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 2;
const memPattern = (t: number) => 55 + 10 * Math.sin((2 * Math.PI * t) / 1440);
const memNoise = Float64Array.from({ length: ROWS }, noise);
const cpuNoise = Float64Array.from({ length: ROWS }, noise);
const memAt = (t: number) => memPattern(t) + memNoise[t]!;
const cpuAt = (t: number) => 20 + 5 * Math.sin((2 * Math.PI * t) / 720) + 2 * cpuNoise[t]!;
const series: RegularSeries = {
  from: 0,
  stepMs: STEP,
  metrics: ['mem_used_pct', 'cpu_user_pct'],
  values: [
    Float64Array.from({ length: ROWS }, (_, t) => memAt(t)),
    Float64Array.from({ length: ROWS }, (_, t) => cpuAt(t)),
  ],
};
let model: LstmTwinModel;
let weights: LstmWeights;

before(async () => {
  const trained = await trainLstmTwin({
    instance: 'w',
    version: 'v0001',
    series,
    options: { ...DEFAULT_LSTM_OPTIONS, maxEpochs: 3, features: { aggregateSteps: 10 } },
    backend: await tensorflow(),
  });
  model = trained.model;
  weights = weightsFromArtifacts(trained.artifacts, model.network);
});

function fed(rows: number): LstmTwinRunner {
  const runner = new LstmTwinRunner(model, weights);
  for (let t = 0; t < rows; t++) runner.step(t * STEP, { mem_used_pct: memAt(t), cpu_user_pct: cpuAt(t) });
  return runner;
}

test('the twin rolls itself forward on a copy: values near the pattern, the live twin untouched', () => {
  const runner = fed(200);
  const twin = fed(200);
  const a = runner.forecast(60);
  const b = runner.forecast(60);
  assert.deepEqual(a, b, 'a forecast leaves no trace on the next one');
  assert.equal(a.from, 200 * STEP);
  assert.equal(a.metrics.mem_used_pct!.values.length, 60);
  // Within a few points of the daily pattern an hour ahead.
  const worst = Math.max(...a.metrics.mem_used_pct!.values.map((v, s) => Math.abs(v - memPattern(200 + s))));
  assert.ok(worst < 6, `largest miss ${worst}`);
  assert.ok(a.metrics.mem_used_pct!.error > 0);
  // The live twin scores the next sample exactly as one that never forecast.
  const next = { mem_used_pct: memAt(200), cpu_user_pct: cpuAt(200) };
  assert.deepEqual(runner.step(200 * STEP, next)?.scores, twin.step(200 * STEP, next)?.scores);
});

test("an action's effect is applied to the rolled-forward values: more memory halves the level and the moves", () => {
  const runner = fed(300);
  const plain = runner.forecast(30).metrics.mem_used_pct!.values;
  const doubled = runner.forecast(30, {
    initial: (m, v) => (m === 'mem_used_pct' ? v / 2 : v),
    step: (m, v, previous) => (m === 'mem_used_pct' ? previous + (v - previous) / 2 : v),
  }).metrics.mem_used_pct!.values;
  assert.ok(Math.abs(doubled[0]! - plain[0]! / 2) < 1e-9);
  assert.ok(Math.max(...doubled) < 45, `${Math.max(...doubled)}`);
  const cpu = runner.forecast(30).metrics.cpu_user_pct!.values;
  assert.equal(cpu.length, 30);
  assert.throws(() => new LstmTwinRunner(model, weights).forecast(5), /seen no samples/);
  assert.throws(() => fed(3).forecast(5), /needs 16 steps of history/);
});

test('a sustained shift the one-step twin follows stays in view through the level score', () => {
  const level = model.level!;
  assert.ok(level.threshold >= 3 && level.threshold < 6, `level threshold ${level.threshold}`);
  // mem's training mean and spread: a sine of amplitude 10 around 55 plus noise.
  assert.ok(Math.abs(level.mean[0]! - 55) < 1, `mean ${level.mean[0]}`);
  assert.ok(Math.abs(level.spread[0]! - Math.sqrt(50 + 1 / 3)) < 0.5, `spread ${level.spread[0]}`);
  const runner = fed(300);
  const shifted = (t: number) => ({ mem_used_pct: memAt(t) + 60, cpu_user_pct: cpuAt(t) });
  for (let t = 300; t < 360; t++) runner.step(t * STEP, shifted(t));
  // An hour into the shift, memory's level is far past the threshold; cpu's is not.
  const step = runner.step(360 * STEP, shifted(360))!;
  // Each gauge's distance is the farther of its value's and its last ten steps' mean's; the score their root mean square.
  const last10 = (f: (t: number) => number) =>
    Array.from({ length: 10 }, (_, i) => f(351 + i)).reduce((a, b) => a + b) / 10;
  const slow = level.slow!;
  assert.equal(slow.steps, 10);
  const distance = (k: number, value: number, slowValue: number) =>
    Math.min(
      50,
      Math.max(
        Math.abs(value - level.mean[k]!) / level.spread[k]!,
        Math.abs(slowValue - slow.mean[k]!) / slow.spread[k]!
      )
    );
  const mem = distance(
    0,
    memAt(360) + 60,
    last10((t) => memAt(t) + 60)
  );
  const cpu = distance(1, cpuAt(360), last10(cpuAt));
  assert.ok(Math.abs(step.scores['*level']! - Math.sqrt((mem * mem + cpu * cpu) / 2)) < 1e-9);
  assert.ok(step.scores['*level']! > level.threshold);
  // Its parts: memory, shifted up, counts above the baseline; the two parts make up the whole.
  const above = step.scores['*level+']!;
  const below = step.scores['*level-']!;
  assert.ok(Math.abs(above * above + below * below - step.scores['*level']! ** 2) < 1e-9);
  assert.ok(above >= mem / Math.sqrt(2) - 1e-9 && below <= cpu / Math.sqrt(2) + 1e-9, `above ${above}, below ${below}`);
  // The window's largest of each part, as of the whole: none of them is a shift of 60.
  assert.ok(level.sides!.above <= level.peak! && level.sides!.below <= level.peak!);
  assert.ok(level.sides!.above > 1 && level.sides!.below > 1 && above > level.sides!.above);
  // Per gauge, the value's own distance (what an event's contributions are shared by).
  assert.ok(
    Math.abs(step.levels!.mem_used_pct! - Math.abs(memAt(360) + 60 - level.mean[0]!) / level.spread[0]!) < 1e-9
  );
  assert.ok(step.levels!.mem_used_pct! > level.threshold && step.levels!.cpu_user_pct! < level.threshold);
});

test('a gauge the network leaves out is reported by its distance from its training mean, outside the level score', () => {
  const watching: LstmTwinModel = {
    ...model,
    level: { ...model.level!, watched: [{ metric: 'swap_used_pct', mean: 7, spread: 0.007 }] },
  };
  const runner = new LstmTwinRunner(watching, weights);
  const plain = fed(100);
  for (let t = 0; t < 100; t++)
    runner.step(t * STEP, { mem_used_pct: memAt(t), cpu_user_pct: cpuAt(t), swap_used_pct: 7 });
  const step = runner.step(100 * STEP, { mem_used_pct: memAt(100), cpu_user_pct: cpuAt(100), swap_used_pct: 7.07 })!;
  assert.ok(Math.abs(step.levels!.swap_used_pct! - 10) < 1e-9);
  const same = plain.step(100 * STEP, { mem_used_pct: memAt(100), cpu_user_pct: cpuAt(100) })!;
  assert.equal(step.scores['*level'], same.scores['*level']);
  assert.equal(step.scores.swap_used_pct, undefined);
});

test("a gauge's reported distance is from its reference baseline; the level score stays on the window's", () => {
  const level = model.level!;
  const moved: LstmTwinModel = {
    ...model,
    level: {
      ...level,
      reference: { at: level.reference!.at, mean: [level.mean[0]! + 30, level.mean[1]!], spread: level.spread },
    },
  };
  const runner = new LstmTwinRunner(moved, weights);
  const plain = fed(100);
  for (let t = 0; t < 100; t++) runner.step(t * STEP, { mem_used_pct: memAt(t), cpu_user_pct: cpuAt(t) });
  const sample = { mem_used_pct: memAt(100), cpu_user_pct: cpuAt(100) };
  const step = runner.step(100 * STEP, sample)!;
  const same = plain.step(100 * STEP, sample)!;
  assert.equal(step.scores['*level'], same.scores['*level']);
  assert.ok(
    Math.abs(step.levels!.mem_used_pct! - Math.abs(memAt(100) - level.mean[0]! - 30) / level.spread[0]!) < 1e-9
  );
  assert.equal(step.levels!.cpu_user_pct, same.levels!.cpu_user_pct);
});

test("the model keeps its training window's largest surprise, which replaying that window live reaches and does not pass", () => {
  const peak = model.surprisePeak!;
  assert.ok(peak > 0 && Number.isFinite(peak), `peak ${peak}`);
  const runner = new LstmTwinRunner(model, weights);
  let live = 0;
  for (let t = 0; t < ROWS; t++) {
    const step = runner.step(t * STEP, { mem_used_pct: memAt(t), cpu_user_pct: cpuAt(t) });
    for (const m of model.metrics) {
      const score = step?.scores[m.name];
      if (score !== undefined) live = Math.max(live, score / m.threshold);
    }
  }
  assert.ok(Math.abs(live - peak) < 1e-3 * peak, `live ${live} against the recorded ${peak}`);
});

test("a young twin's surprise peak is what its whole window would be expected to reach: higher, the threshold unchanged", () => {
  // The scores of the model's own metrics on a made-up set of errors: one metric, an exponential tail.
  let s = 5;
  const errors = [
    Float64Array.from({ length: 5000 }, () => -Math.log(1 - (s = (s * 16807) % 2147483647) / 2147483647)),
  ];
  const metrics = [{ name: 'cpu_user_pct', errorScale: 1, threshold: 4 }];
  const full = surprisePeak(errors, metrics);
  assert.equal(full, Math.max(...errors[0]!) / 4);
  assert.equal(surprisePeak(errors, metrics, 1), full);
  const young = surprisePeak(errors, metrics, 3.5);
  assert.ok(young > full && Math.abs(young - full - Math.log(3.5) / 4) < 0.1, `young ${young}, full ${full}`);
});
