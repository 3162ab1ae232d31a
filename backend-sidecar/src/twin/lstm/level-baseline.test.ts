import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitFeatureSpec, quantile, type RegularSeries } from '../../features/index.ts';
import { levelModel, REFERENCE_RANGE_SHARE, rowsOutside, slowMeans } from './level-baseline.ts';
import type { LstmTwinModel } from './lstm-metadata.ts';

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
  // The peak is over every row, the recorded anomaly too: a distance the instance showed in the window.
  assert.ok(clean.peak! > 30 && clean.peak! <= 50, `peak ${clean.peak}`);
  assert.ok(all.peak! > all.threshold && all.peak! < clean.peak!, `peak with the spike in the baseline ${all.peak}`);
  // A day of a week-long window: the peak is raised to what a week would be expected to reach.
  const young = levelModel(spec, series, keep, undefined, 7);
  assert.ok(young.peak! > clean.peak!, `young ${young.peak} against ${clean.peak}`);
  assert.equal(young.threshold, clean.threshold);
  assert.equal(levelModel(spec, series, keep, undefined, 1).peak, clean.peak);
  // Spans covering more than half the window are the new normal: nothing is left out.
  const most = rowsOutside(series, [{ start: 0, end: 1000 * STEP }]);
  assert.equal(
    most.reduce((n, k) => n + k, 0),
    ROWS
  );
});

test('the level threshold is the 99.5th percentile of the root mean square of the gauges, at the farther scale, over rows a first estimate did not find outlying', () => {
  const series = day();
  const spec = fitFeatureSpec(series);
  const model = levelModel(spec, series);
  const columns = spec.inputs.map((i) => series.values[series.metrics.indexOf(i.metric)]!);
  const slow = columns.map((c) => slowMeans(c, 10));
  const meanSd = (c: Float64Array, rows: number[]) => {
    const mean = rows.reduce((a, r) => a + c[r]!, 0) / rows.length;
    return { mean, sd: Math.sqrt(rows.reduce((a, r) => a + (c[r]! - mean) ** 2, 0) / rows.length) };
  };
  const scoresAgainst = (rows: number[]) => {
    const point = columns.map((c) => meanSd(c, rows));
    const slowStats = slow.map((c) => meanSd(c, rows));
    return Array.from({ length: ROWS }, (_, r) => {
      const squares = columns.map((c, k) => {
        const z = Math.max(
          Math.abs(c[r]! - point[k]!.mean) / point[k]!.sd,
          Math.abs(slow[k]![r]! - slowStats[k]!.mean) / slowStats[k]!.sd
        );
        return Math.min(50, z) ** 2;
      });
      return Math.sqrt(squares.reduce((a, b) => a + b) / squares.length);
    });
  };
  const all = Array.from({ length: ROWS }, (_, r) => r);
  const first = scoresAgainst(all);
  const firstThreshold = Math.max(3, quantile(Float64Array.from(first), 0.995));
  const normal = all.filter((r) => first[r]! <= firstThreshold);
  // The spike hour is not a recorded anomaly: its farthest rows are trimmed out all the same.
  assert.equal(model.outlyingRows, ROWS - normal.length);
  assert.ok(model.outlyingRows! > 0 && model.outlyingRows! <= 60, `${model.outlyingRows} rows trimmed`);
  const scores = scoresAgainst(normal);
  assert.ok(Math.abs(model.mean[0]! - meanSd(columns[0]!, normal).mean) < 1e-9);
  const expected = Math.max(3, quantile(Float64Array.from(normal.map((r) => scores[r]!)), 0.995));
  assert.ok(Math.abs(model.threshold - expected) < 1e-9, `${model.threshold} against ${expected}`);
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

test('a reference spread is at least a share of the range the gauge covered, so a gauge flat between spikes does not outrank one that moved', () => {
  // Queue depth sits near 0 and spikes to 100 once a day; cpu keeps to 50 with a spread of about 1.2.
  const queue = Float64Array.from({ length: ROWS }, (_, i) => (i === 720 ? 100 : Math.abs(noise()) * 0.1));
  const series: RegularSeries = {
    from: 0,
    stepMs: STEP,
    metrics: ['cpu_pct', 'queue_depth', 'queue_bytes'],
    values: [Float64Array.from({ length: ROWS }, () => 50 + 2 * noise()), queue, queue.map((v) => 2 * v)],
  };
  const spec = fitFeatureSpec(series);
  const cpu = spec.inputs.findIndex((i) => i.metric === 'cpu_pct');
  const q = spec.inputs.findIndex((i) => i.metric === 'queue_depth');
  const level = levelModel(spec, series);
  const range = Math.max(...queue) - Math.min(...queue);
  // Detection keeps the queue's own deviation (about 2.6); what explains an anomaly uses the floor.
  assert.ok(level.spread[q]! < 3, `level spread ${level.spread[q]}`);
  assert.ok(Math.abs(level.reference!.spread[q]! - REFERENCE_RANGE_SHARE * range) < 1e-9);
  // A duplicate the network leaves out (watched) is measured past the same floor as its original.
  const copy = level.watched!.find((w) => w.metric === 'queue_bytes')!;
  assert.ok(Math.abs(copy.spread - REFERENCE_RANGE_SHARE * 2 * range) < 1e-9, `${copy.spread}`);
  // cpu's spread is far above 1/20 of its range: its reference is its own statistics.
  assert.equal(level.reference!.spread[cpu], level.spread[cpu]);
  // Queue at 20 (a fifth of its usual spike) against cpu 6 points up: cpu is the farther off.
  const distance = (k: number, value: number) =>
    Math.abs(value - level.reference!.mean[k]!) / level.reference!.spread[k]!;
  assert.ok(distance(cpu, 56) > distance(q, 20), `cpu ${distance(cpu, 56)}, queue ${distance(q, 20)}`);
  assert.ok(Math.abs(56 - level.mean[cpu]!) / level.spread[cpu]! < (20 - level.mean[q]!) / level.spread[q]!);

  // The floor holds after a blend with a parent whose spread was smaller.
  const parent = { features: spec, window: { to: (ROWS - 1) * STEP }, level: { ...level, reference: undefined } };
  const next = levelModel(spec, { ...series, from: ROWS * STEP }, undefined, parent as unknown as LstmTwinModel);
  assert.ok(next.reference!.spread[q]! >= REFERENCE_RANGE_SHARE * range - 1e-9);
});
