import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitFeatureSpec, quantile, type RegularSeries } from '../features/index.ts';
import { levelModel, rowsOutside, slowMeans } from './lstm-twin.ts';
import type { LstmTwinModel } from './lstm-model.ts';

const STEP = 60_000;
const ROWS = 1440;
let seed = 11;
const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 2;

/** A day of two gauges around 50 and 20; disk spikes to 90 for the hour from row 600 (a recorded anomaly). */
function day(): RegularSeries {
  const cpu = Float64Array.from({ length: ROWS }, () => 50 + 2 * noise());
  const disk = Float64Array.from({ length: ROWS }, (_, i) => (i >= 600 && i < 660 ? 90 : 20) + noise());
  return { from: 0, stepMs: STEP, metrics: ['cpu_pct', 'disk_busy_pct'], values: [cpu, disk] };
}

test('slow means average the finite values of the last steps', () => {
  const means = slowMeans(Float64Array.from([1, 2, NaN, 4, 5]), 3);
  assert.deepEqual(Array.from(means), [1, 1.5, 1.5, 3, 4.5]);
  assert.ok(Number.isNaN(slowMeans(Float64Array.from([NaN, NaN]), 2)[1]));
});

test('recorded anomalies are left out of the level baseline, unless they would be most of the window', () => {
  const series = day();
  const spec = fitFeatureSpec(series);
  const disk = spec.inputs.findIndex((i) => i.metric === 'disk_busy_pct');
  const all = levelModel(spec, series);
  const keep = rowsOutside(series, [{ start: 600 * STEP, end: 659 * STEP }]);
  assert.equal(
    keep.reduce((n, k) => n + (k ? 0 : 1), 0),
    60
  );
  const clean = levelModel(spec, series, keep);
  assert.equal(clean.excludedRows, 60);
  // With the spike in, disk's mean and spread are pulled up; without it they are disk's own (20, noise of 1).
  assert.ok(all.mean[disk]! > 22 && all.spread[disk]! > 10, `with the spike: ${all.mean[disk]}, ${all.spread[disk]}`);
  assert.ok(Math.abs(clean.mean[disk]! - 20) < 0.1 && clean.spread[disk]! < 1, `without: ${clean.spread[disk]}`);
  assert.ok(Math.abs(clean.slow!.mean[disk]! - 20) < 0.5, 'the slow scale too');
  // The threshold is the 99.5th percentile of the kept rows' scores: a spike of 70 spreads is far past it.
  assert.ok(clean.threshold >= 3 && clean.threshold < 6, `threshold ${clean.threshold}`);
  // Spans covering more than half the window are the new normal: nothing is left out.
  const most = rowsOutside(series, [{ start: 0, end: 1000 * STEP }]);
  assert.equal(
    most.reduce((n, k) => n + k, 0),
    ROWS
  );
});

test('the level threshold is the 99.5th percentile of the root mean square of the gauges, at the farther scale', () => {
  const series = day();
  const spec = fitFeatureSpec(series);
  const model = levelModel(spec, series);
  const columns = spec.inputs.map((i) => series.values[series.metrics.indexOf(i.metric)]!);
  const slow = columns.map((c) => slowMeans(c, 10));
  const scores = Array.from({ length: ROWS }, (_, r) => {
    const squares = columns.map((c, k) => {
      const z = Math.max(
        Math.abs(c[r]! - model.mean[k]!) / model.spread[k]!,
        Math.abs(slow[k]![r]! - model.slow!.mean[k]!) / model.slow!.spread[k]!
      );
      return Math.min(50, z) ** 2;
    });
    return Math.sqrt(squares.reduce((a, b) => a + b) / squares.length);
  });
  assert.ok(Math.abs(model.threshold - Math.max(3, quantile(Float64Array.from(scores), 0.995))) < 1e-9);
});

test('gauges the network leaves out (constant, duplicates) keep their own baseline, to be reported when they move', () => {
  const series = day();
  const constant = new Float64Array(ROWS).fill(7);
  const copy = series.values[0]!.map((v) => 2 * v + 1);
  const wider: RegularSeries = {
    ...series,
    metrics: [...series.metrics, 'swap_used_pct', 'cpu_busy_copy'],
    values: [...series.values, constant, copy],
  };
  const spec = fitFeatureSpec(wider);
  assert.deepEqual(
    spec.dropped.map((d) => d.metric),
    ['swap_used_pct']
  );
  assert.deepEqual(
    spec.duplicates.map((d) => d.metric),
    ['cpu_busy_copy']
  );
  const watched = levelModel(spec, wider).watched!;
  assert.deepEqual(
    watched.map((w) => w.metric),
    ['swap_used_pct', 'cpu_busy_copy']
  );
  // A constant gauge's spread is 1e-3 of its level: any move of it is far off.
  assert.equal(watched[0]!.mean, 7);
  assert.ok(Math.abs(watched[0]!.spread - 0.007) < 1e-12);
  assert.ok(Math.abs(watched[1]!.mean - 101) < 0.5);
});

test('the reference baseline blends the parent version reference in, its weight halving every week between windows', () => {
  const first = day();
  const spec = fitFeatureSpec(first);
  const cpu = spec.inputs.findIndex((i) => i.metric === 'cpu_pct');
  const parentLevel = levelModel(spec, first);
  // The first version's reference is its window's statistics.
  assert.deepEqual(parentLevel.reference!.mean, parentLevel.mean);
  assert.equal(parentLevel.reference!.at, (ROWS - 1) * STEP);
  const parent = { features: spec, window: { to: (ROWS - 1) * STEP }, level: parentLevel } as unknown as LstmTwinModel;

  // A week later cpu sits 10 higher, with the same noise; disk is gone and a new gauge appears.
  const week = 7 * 24 * 3_600_000;
  const later: RegularSeries = {
    from: week,
    stepMs: STEP,
    metrics: ['cpu_pct', 'mem_used_pct'],
    values: [first.values[0]!.map((v) => v + 10), Float64Array.from({ length: ROWS }, () => 40 + noise())],
  };
  const laterSpec = fitFeatureSpec(later);
  const level = levelModel(laterSpec, later, undefined, parent);
  const k = laterSpec.inputs.findIndex((i) => i.metric === 'cpu_pct');
  const mem = laterSpec.inputs.findIndex((i) => i.metric === 'mem_used_pct');
  // Half the parent's reference (a week on), half this window: cpu's reference is halfway.
  assert.ok(Math.abs(level.reference!.mean[k]! - (parentLevel.mean[cpu]! + level.mean[k]!) / 2) < 1e-9);
  assert.ok(Math.abs(level.mean[k]! - parentLevel.mean[cpu]! - 10) < 0.01, 'the level baseline is the window alone');
  const spread = Math.sqrt((parentLevel.spread[cpu]! ** 2 + level.spread[k]! ** 2) / 2);
  assert.ok(Math.abs(level.reference!.spread[k]! - spread) < 1e-9);
  // A gauge new to this version starts from its window.
  assert.equal(level.reference!.mean[mem], level.mean[mem]);
});
