import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../testing/temp-dir.ts';
import type { Sample } from '../core/types.ts';
import { DuckDBMetricStore } from './duckdb-metric-store.ts';
import { EmbeddedDatabase } from './embedded-database.ts';

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1);

let db: EmbeddedDatabase;
let store: DuckDBMetricStore;
before(async () => {
  db = await EmbeddedDatabase.open(tempDir('twin-duck-'));
  store = await DuckDBMetricStore.open(db);
});
after(async () => {
  await store.close();
  db.close();
});

test('a window reads back aligned series at the asked resolution, NaN where a metric is missing', async () => {
  const samples: Sample[] = [];
  for (let i = 0; i < 120; i++) {
    samples.push({ instance: 'w', ts: T0 + i * MIN, values: i % 2 ? { cpu: i, mem: 2 * i } : { cpu: i } });
  }
  await store.write(samples);
  const raw = await store.readWindow('w', { from: T0, to: T0 + 4 * MIN });
  assert.deepEqual(raw.ts, [T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN]);
  const mem = raw.values[raw.metrics.indexOf('mem')]!;
  assert.ok(Number.isNaN(mem[0]!));
  assert.equal(mem[1], 2);
  const hourly = await store.readWindow('w', { from: T0, to: T0 + 2 * 60 * MIN, stepMs: 60 * MIN });
  assert.deepEqual(hourly.ts, [T0, T0 + 60 * MIN]);
  assert.equal(hourly.values[hourly.metrics.indexOf('cpu')]![0], 29.5);
  assert.deepEqual(await store.listSeries('w'), ['cpu', 'mem']);
});

test('a range without points reads back as an empty window of the known metrics, not an error', async () => {
  await store.write([{ instance: 'sparse', ts: T0, values: { cpu: 1, mem: 2 } }]);
  const empty = await store.readWindow('sparse', { from: T0 + DAY, to: T0 + 2 * DAY, stepMs: MIN });
  assert.deepEqual(empty.ts, []);
  assert.deepEqual(empty.metrics, ['cpu', 'mem']);
  assert.deepEqual(
    empty.values.map((v) => v.length),
    [0, 0]
  );
});

test('the applied log sequence is stored with the samples, in one transaction', async () => {
  await store.write([{ instance: 'q', ts: T0, values: { a: 1 } }], 41);
  assert.equal(await store.appliedSeq(), 41);
});

test('retention keeps raw points for the window and 5-minute rollups (mean, count-weighted) beyond', async () => {
  const own = await EmbeddedDatabase.open(tempDir('twin-duck-'));
  const store = await DuckDBMetricStore.open(own);
  const samples: Sample[] = [];
  for (let t = T0; t < T0 + 10 * DAY; t += MIN)
    samples.push({ instance: 'r', ts: t, values: { x: ((t - T0) / MIN) % 10 } });
  await store.write(samples);
  const now = T0 + 10 * DAY;
  const result = await store.applyRetention(now - 7 * DAY, now - 90 * DAY);
  assert.equal(result.rolledUp, 3 * 1440);
  const old = await store.readWindow('r', { from: T0, to: T0 + DAY });
  assert.equal(old.ts.length, 288, 'one point per 5 minutes where only rollups remain');
  const x = old.values[0]!;
  assert.equal(x[0], 2, 'mean of 0..4');
  assert.equal(x[1], 7, 'mean of 5..9');
  const recent = await store.readWindow('r', { from: now - DAY, to: now });
  assert.equal(recent.ts.length, 1440, 'raw minutes within the window');
  const daily = await store.readWindow('r', { from: T0, to: now, stepMs: DAY });
  assert.deepEqual(Array.from(daily.values[0]!), Array(10).fill(4.5), 'daily means are the same across the boundary');
  // Running it again changes nothing (nothing is rolled up twice).
  assert.deepEqual(await store.applyRetention(now - 7 * DAY, now - 90 * DAY), { rolledUp: 0, dropped: 0 });
  assert.equal((await store.applyRetention(now - 7 * DAY, T0 + 2 * DAY)).dropped, 2 * 288);
  await store.close();
  own.close();
});
