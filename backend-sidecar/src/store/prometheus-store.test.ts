import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PrometheusStore } from './prometheus-store.ts';
import { startPrometheus, type TestServer } from '../testing/test-servers.ts';
import type { Sample } from '../core/types.ts';

// A real Prometheus from Debian (with the remote-write receiver), started for this test.
let prom: TestServer;
let store: PrometheusStore;
before(async () => {
  prom = await startPrometheus();
  store = new PrometheusStore({ url: prom.url });
});
after(() => prom.stop());

test('twin outputs written by remote write are read back with query_range', async () => {
  const now = Math.floor(Date.now() / 1000) * 1000;
  const samples: Sample[] = [];
  for (let i = 60; i >= 1; i--) {
    samples.push({
      instance: 'web-1',
      ts: now - i * 15_000,
      values: { twin_anomaly_score: i / 10, twin_failure_probability: 0.01 * i },
    });
  }
  await store.write(samples);
  const w = await store.readWindow('web-1', {
    from: now - 60 * 15_000,
    to: now,
    stepMs: 15_000,
    metrics: ['twin_anomaly_score'],
  });
  assert.ok(w.ts.length >= 55, `${w.ts.length} points`);
  assert.equal(w.values[0]![0], 6);
  assert.deepEqual(await store.listSeries('web-1'), ['twin_anomaly_score', 'twin_failure_probability']);
});

test('node_exporter history is read through PromQL as Twin metrics (counters as rates)', async () => {
  const now = Math.floor(Date.now() / 1000) * 1000;
  const series = (name: string, f: (k: number) => number) =>
    Array.from({ length: 40 }, (_, k) => ({
      instance: 'node-1',
      ts: now - (40 - k) * 15_000,
      values: { [name]: f(k) },
    }));
  // Written as node_exporter would expose them, through remote write.
  await new PrometheusStore({ url: prom.url }).write([
    ...series('node_memory_MemTotal_bytes', () => 8e9),
    ...series('node_memory_MemAvailable_bytes', (k) => 6e9 - k * 1e7),
    ...series('node_load1', () => 0.5),
  ]);
  const w = await store.readWindow('node-1', {
    from: now - 30 * 15_000,
    to: now,
    stepMs: 15_000,
    metrics: ['mem_used_pct', 'load1'],
  });
  const mem = w.values[0]!;
  assert.ok(Math.abs(mem[0]! - 100 * (1 - (6e9 - 10 * 1e7) / 8e9)) < 0.5, `mem ${mem[0]}`);
  assert.ok(mem[mem.length - 1]! > mem[0]!, 'memory use rises as available memory falls');
  assert.equal(w.values[1]![0], 0.5);
});

test('Prometheus errors are reported, not swallowed', async () => {
  await assert.rejects(
    new PrometheusStore({ url: prom.url }).readWindow('x', { from: 0, to: 1000, metrics: ['bad{'] }),
    /Prometheus \/api\/v1\/query_range: /
  );
});
