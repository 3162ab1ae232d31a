import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Sample } from '../core/types.ts';
import { InfluxDBv1Store } from './influxdb-v1-store.ts';
import { startInfluxDB1, type TestServer } from '../testing/test-servers.ts';

// A real InfluxDB 1.6 from Debian, started for this test on a loopback port.
let influx: TestServer;
let store: InfluxDBv1Store;
before(async () => {
  influx = await startInfluxDB1();
  store = new InfluxDBv1Store({ url: influx.url, database: 'twin' });
  await store.ensureDatabase();
});
after(() => influx.stop());

const T0 = Date.UTC(2026, 10, 1);
const MIN = 60_000;

test('writes line protocol and reads windows back with InfluxQL, raw and downsampled', async () => {
  const samples: Sample[] = [];
  for (let i = 0; i < 120; i++)
    samples.push({ instance: 'web-1', ts: T0 + i * MIN, values: { cpu: i, 'disk.used': 50 } });
  samples.push({ instance: 'web-2', ts: T0, values: { cpu: 999 } });
  await store.write(samples, 7);
  assert.equal(await store.appliedSeq(), 7);
  const raw = await store.readWindow('web-1', { from: T0, to: T0 + 3 * MIN });
  assert.deepEqual(raw.ts, [T0, T0 + MIN, T0 + 2 * MIN]);
  assert.deepEqual(raw.metrics, ['cpu', 'disk.used']);
  assert.deepEqual(Array.from(raw.values[0]!), [0, 1, 2]);
  const hourly = await store.readWindow('web-1', { from: T0, to: T0 + 120 * MIN, stepMs: 60 * MIN });
  assert.deepEqual(Array.from(hourly.values[0]!), [29.5, 89.5]);
});

test('writing the same samples twice (a replay after a crash) stores them once', async () => {
  const samples: Sample[] = [{ instance: 'replay', ts: T0, values: { x: 1 } }];
  await store.write(samples, 8);
  await store.write(samples, 8);
  const w = await store.readWindow('replay', { from: T0 - 1, to: T0 + 1, metrics: ['x'] });
  assert.equal(w.ts.length, 1);
});

test('retention deletes raw points before the cutoff', async () => {
  await store.applyRetention(T0 + 60 * MIN);
  const w = await store.readWindow('web-1', { from: T0, to: T0 + 120 * MIN, metrics: ['cpu'] });
  assert.equal(w.ts[0], T0 + 60 * MIN);
});
