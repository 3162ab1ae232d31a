import { test } from 'node:test';
import assert from 'node:assert/strict';
import { candidateActions, effectOf, riskOf, withTrends } from './what-if.ts';
import type { TwinForecast } from '../twin/lstm/lstm-runner.ts';

const leak = (from: number, perStep: number, steps = 60): number[] =>
  Array.from({ length: steps }, (_, s) => from + perStep * (s + 1));

test('more memory divides the memory share and its moves; a move resets steal and latency to normal; others untouched', () => {
  const normal = (m: string) => ({ cpu_steal_pct: 0.5, net_latency_ms: 2, mem_used_pct: 40 })[m];
  const more = effectOf([{ type: 'add-memory', percent: 100 }], normal);
  assert.equal(more.initial!('mem_used_pct', 90), 45);
  assert.equal(
    more.step!('mem_used_pct', 46, 45),
    45.5,
    'the twin, fed 45, rises by 1: half of that in twice the memory'
  );
  assert.equal(more.initial!('cpu_user_pct', 70), 70);
  const moved = effectOf([{ type: 'migrate-host' }], normal);
  assert.equal(moved.initial!('cpu_steal_pct', 30), 0.5);
  assert.equal(moved.initial!('net_latency_ms', 80), 2);
  assert.equal(moved.step!('net_latency_ms', 3, 2), 3, 'from there the twin carries on');
  const restarted = effectOf([{ type: 'restart' }, { type: 'add-cpu', percent: 50 }], normal);
  assert.equal(restarted.initial!('mem_used_pct', 95), 40);
  assert.equal(restarted.initial!('cpu_user_pct', 90), 60);
});

test('the risk of a forecast: a leak that crosses the limit is a near-certain crash, one that stays far below is not', () => {
  const forecast = (mem: number[], disk = 40): TwinForecast => ({
    from: 0,
    stepMs: 60_000,
    metrics: {
      mem_used_pct: { values: mem, error: 0.5 },
      disk_used_pct: { values: mem.map(() => disk), error: 0.2 },
    },
  });
  const crossing = riskOf(forecast(leak(80, 0.5)));
  assert.ok(crossing.probability.crash > 0.99, `${crossing.probability.crash}`);
  assert.equal(crossing.resources[0]!.resource, 'memory');
  assert.equal(crossing.resources[0]!.etaMs, 38 * 60_000);
  assert.ok(crossing.probability.outage < 1e-6);
  const halved = riskOf(forecast(leak(40, 0.25)));
  assert.ok(halved.probability.crash < 1e-3, `${halved.probability.crash}`);
  const near = riskOf(forecast(leak(90, 0.1)));
  assert.ok(near.interval.crash[0] <= near.probability.crash && near.probability.crash <= near.interval.crash[1]);
  assert.ok(near.confidence < crossing.confidence, 'a forecast near the limit is less certain than one far past it');
});

test('candidate actions follow the root causes', () => {
  assert.deepEqual(candidateActions(['memory']), [{ type: 'add-memory', percent: 50 }, { type: 'restart' }]);
  assert.deepEqual(candidateActions(['host', 'network']), [{ type: 'migrate-host' }]);
  assert.equal(candidateActions([]).length, 5);
});

test("joined with a rising trend: the twin's flat forecast follows the trend; more memory halves it; a move stops a path's drift", () => {
  const flat: TwinForecast = {
    from: 0,
    stepMs: 60_000,
    metrics: {
      mem_used_pct: { values: Array(60).fill(80), error: 0.5 },
      net_latency_ms: { values: Array(60).fill(20), error: 1 },
    },
  };
  const trends = [
    { metric: 'mem_used_pct', current: 80, slopePerMin: 0.5 },
    { metric: 'net_latency_ms', current: 20, slopePerMin: Math.log(2) / 10 },
  ];
  const joined = withTrends(flat, trends);
  assert.equal(joined.metrics.mem_used_pct!.values[59], 110);
  assert.ok(riskOf(joined).probability.crash > 0.99);
  const normal = (m: string) => ({ net_latency_ms: 5, mem_used_pct: 40 })[m];
  const more = effectOf([{ type: 'add-memory', percent: 100 }], normal);
  assert.ok(
    Math.abs(withTrends(flat, trends, more).metrics.mem_used_pct!.values[59]! - 80) < 1e-9,
    'level 40 +0.25 a minute, or the twin'
  );
  const moved = effectOf([{ type: 'migrate-host' }], normal);
  const latency = withTrends(flat, trends, moved).metrics.net_latency_ms!.values;
  assert.ok(
    latency.every((v) => v <= 20),
    'back to normal and no longer degrading (the twin says 20)'
  );
  assert.ok(riskOf(withTrends(flat, trends)).probability.outage > 0.99);
  assert.ok(riskOf(withTrends(flat, trends, moved)).probability.outage < 0.01);
});
