import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  buildFeatureMatrix,
  fitFeatureSpec,
  FeatureBuilder,
  toRegular,
  withinBounds,
  type RegularSeries,
} from './index.ts';
import { loadSmdPart, SHARED_DATA } from '../eval/smd-data.ts';

const SMD = path.join(SHARED_DATA, 'smd');
const DAY = 86_400_000;

test('on real SMD data: constant metrics dropped, duplicates folded into the metric that stands for them', () => {
  const data = loadSmdPart(SMD, 'train', 'machine-1-2');
  const spec = fitFeatureSpec(data);
  const constant = spec.dropped.filter((d) => d.reason === 'constant').map((d) => d.metric);
  // Columns that never move in this machine's training half.
  for (const metric of constant) {
    const series = data.values[data.metrics.indexOf(metric)]!;
    assert.ok(
      series.every((v) => v === series[0]),
      `${metric} is constant`
    );
  }
  assert.ok(constant.length >= 3, `${constant.length} constant columns`);
  assert.ok(spec.inputs.length >= 15 && spec.inputs.length < 38, `${spec.inputs.length} inputs`);
  for (const d of spec.duplicates) {
    assert.ok(Math.abs(d.correlation) >= 0.995);
    const column = spec.columns.find((c) => c.kind === 'value' && c.sources[0] === d.of)!;
    assert.ok(column.sources.includes(d.metric), 'the kept column names the duplicate among its sources');
  }
  // Every kept input has its value column first, then aggregates; every column says where it comes from.
  assert.deepEqual(
    spec.columns.slice(0, spec.inputs.length).map((c) => c.sources[0]),
    spec.inputs.map((i) => i.metric)
  );
  for (const c of spec.columns) if (c.kind !== 'season') assert.ok(c.sources.length >= 1, c.name);
});

test('a stored spec reproduces the training features exactly at inference', () => {
  const data = loadSmdPart(SMD, 'train', 'machine-1-3', 0, 3000);
  const spec = fitFeatureSpec(data);
  const matrix = buildFeatureMatrix(spec, data);
  const restored = JSON.parse(JSON.stringify(spec)) as typeof spec;
  const live = new FeatureBuilder(restored);
  const index = FeatureBuilder.indexOf(restored, data.metrics);
  const row = new Float32Array(live.width);
  const scaled = new Float64Array(live.targets);
  for (let t = 0; t < 3000; t++) {
    live.push(
      t * data.stepMs,
      index.map((m) => data.values[m]![t]!),
      row,
      scaled
    );
    if (t % 499 === 0)
      assert.deepEqual(row, matrix.features.subarray(t * live.width, (t + 1) * live.width), `row ${t}`);
  }
});

function synthetic(n: number, stepMs: number, metrics: Record<string, (i: number) => number>): RegularSeries {
  return {
    from: 0,
    stepMs,
    metrics: Object.keys(metrics),
    values: Object.values(metrics).map((f) => Float64Array.from({ length: n }, (_, i) => f(i))),
  };
}

test('gaps are imputed with the last value and flagged in a mask column, never silent zeros', () => {
  let seed = 7;
  const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.1;
  const data = synthetic(500, 60_000, {
    mem: (i) => (i >= 200 && i < 210 ? NaN : 50 + i / 10 + noise()),
    cpu: (i) => 20 + 5 * Math.sin(i / 7) + noise(),
  });
  const spec = fitFeatureSpec(data);
  assert.equal(spec.inputs.find((i) => i.metric === 'mem')!.masked, true);
  assert.equal(spec.inputs.find((i) => i.metric === 'cpu')!.masked, false);
  const m = buildFeatureMatrix(spec, data);
  const valueCol = spec.columns.findIndex((c) => c.name === 'mem');
  const maskCol = spec.columns.findIndex((c) => c.name === 'missing(mem)');
  const at = (t: number, c: number) => m.features[t * m.width + c]!;
  assert.equal(at(199, maskCol), 0);
  for (let t = 200; t < 210; t++) {
    assert.equal(at(t, maskCol), 1);
    assert.equal(at(t, valueCol), at(199, valueCol), 'the last observed value is carried');
    assert.notEqual(at(t, valueCol), 0);
  }
  assert.equal(m.observed[205 * m.targets + spec.inputs.findIndex((i) => i.metric === 'mem')], 0);
});

test('counters become rates, a reset gives a missing value rather than a negative rate', () => {
  const data = synthetic(400, 1000, {
    requests_total: (i) => (i < 300 ? 1000 + 5 * i + (i % 3) : 2 * (i - 300)),
    temp: (i) => 40 + Math.sin(i / 9) + (i % 5) / 10,
  });
  const spec = fitFeatureSpec(data);
  const counter = spec.inputs.find((i) => i.metric === 'requests_total')!;
  assert.equal(counter.transform, 'rate');
  assert.equal(spec.inputs.find((i) => i.metric === 'temp')!.transform, 'gauge');
  assert.equal(spec.columns[0]!.name, 'rate(requests_total)');
  const builder = new FeatureBuilder(spec);
  const row = new Float64Array(builder.width);
  const scaled = new Float64Array(builder.targets);
  const observed: number[] = [];
  for (let i = 295; i < 305; i++) {
    observed.push(builder.push(i * 1000, [data.values[0]![i]!, data.values[1]![i]!], row, scaled));
  }
  // First reading (no previous) and the reset step: the rate is missing there.
  assert.deepEqual(observed, [1, 2, 2, 2, 2, 1, 2, 2, 2, 2]);
});

test('what a metric can take is learnt from training: rates and gauges never below 0 stay so, shares never past 100', () => {
  const data = synthetic(400, 1000, {
    requests_total: (i) => 1000 + 5 * i + (i % 3),
    mem_used_pct: (i) => 60 + 30 * Math.sin(i / 20),
    'disk_used_pct.dev_vda': (i) => 40 + (i % 7),
    temp_delta: (i) => Math.sin(i / 9) * 3 + (i % 5) / 10,
    queue_depth: (i) => 3 + (i % 11) + Math.sin(i),
  });
  const bounds = Object.fromEntries(fitFeatureSpec(data).inputs.map((i) => [i.metric, [i.floor, i.ceiling]]));
  assert.deepEqual(bounds, {
    requests_total: [0, undefined],
    mem_used_pct: [0, 100],
    'disk_used_pct.dev_vda': [0, 100],
    temp_delta: [undefined, undefined],
    queue_depth: [0, undefined],
  });
  assert.equal(withinBounds({ floor: 0, ceiling: 100 }, -3), 0);
  assert.equal(withinBounds({ floor: 0, ceiling: 100 }, 104), 100);
  assert.equal(withinBounds({}, -3), -3);
});

test('daily seasonality is found from the data when the window holds two days, and not in noise', () => {
  let seed = 3;
  const noise = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
  const steps = (3 * DAY) / 300_000;
  const daily = synthetic(steps, 300_000, {
    load: (i) => 10 + 5 * Math.sin((2 * Math.PI * i * 300_000) / DAY) + noise(),
    cpu: (i) => 30 + 10 * Math.sin((2 * Math.PI * i * 300_000) / DAY + 1) + noise(),
  });
  const spec = fitFeatureSpec(daily);
  assert.deepEqual(
    spec.seasonality.map((s) => s.periodMs),
    [DAY]
  );
  assert.ok(spec.columns.some((c) => c.name === 'sin(1d)'));
  const flat = fitFeatureSpec(synthetic(steps, 300_000, { a: noise, b: noise }));
  assert.deepEqual(flat.seasonality, []);
  // One day of data cannot show a daily period.
  assert.deepEqual(fitFeatureSpec(synthetic(steps / 3, 300_000, { load: (i) => Math.sin(i / 20) })).seasonality, []);
});

test('irregular samples land on a regular grid; empty steps are missing', () => {
  const r = toRegular([0, 20_000, 65_000, 190_000], ['x'], [Float64Array.from([1, 3, 5, 7])], 60_000);
  assert.deepEqual([...r.values[0]!], [2, 5, NaN, 7]);
});

test('rolling aggregates kept incrementally equal a recomputation over the window, over a long stream', () => {
  let seed = 11;
  const noise = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const data = synthetic(3000, 60_000, { a: () => noise() * 10, b: (i) => Math.sin(i / 30) + noise() });
  const spec = fitFeatureSpec(data, { aggregateSteps: 25 });
  const builder = new FeatureBuilder(spec);
  const row = new Float64Array(builder.width);
  const scaled = new Float64Array(builder.targets);
  const history: number[][] = [];
  const k = builder.targets;
  for (let t = 0; t < 3000; t++) {
    builder.push(t * 60_000, [data.values[0]![t]!, data.values[1]![t]!], row, scaled);
    history.push([...scaled]);
    const recent = history.slice(-25);
    for (let i = 0; i < k; i++) {
      const xs = recent.map((r) => r[i]!);
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      const spread = Math.sqrt(Math.max(0, xs.reduce((s, x) => s + x * x, 0) / xs.length - mean * mean));
      const col = (kind: string) =>
        row[spec.columns.findIndex((c) => c.name === `${kind}25(${spec.inputs[i]!.metric})`)]!;
      assert.ok(Math.abs(col('mean') - mean) < 1e-9, `mean at ${t}`);
      assert.ok(Math.abs(col('spread') - spread) < 1e-6, `spread at ${t}`);
      assert.equal(col('min'), Math.min(...xs));
      assert.equal(col('max'), Math.max(...xs));
    }
  }
});

test("the twin's own outputs written back into the store are never its inputs", () => {
  const n = 200;
  const wave = (k: number) => Float64Array.from({ length: n }, (_, i) => 50 + 10 * Math.sin(i / (5 + k)));
  const spec = fitFeatureSpec({
    from: 0,
    stepMs: 60_000,
    metrics: ['mem_used_pct', 'twin_failure_probability.kind_crash.horizon_60m', 'twin_anomaly_score'],
    values: [wave(0), wave(1), wave(2)],
  });
  assert.deepEqual(
    spec.inputs.map((i) => i.metric),
    ['mem_used_pct']
  );
  assert.deepEqual(
    spec.dropped.map((d) => d.reason),
    ["the twin's own output", "the twin's own output"]
  );
});
