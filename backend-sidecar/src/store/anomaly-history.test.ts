import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../testing/temp-dir.ts';
import { AnomalyHistory } from './anomaly-history.ts';
import { FileObjectStore } from './file-object-store.ts';

const T = Date.UTC(2026, 10, 20);
const H = 3_600_000;
type Ev = { id: string; instance: string; start: number; end: number; peak: number };

test('events are kept append-only, partitioned by instance and day, and found by time range', async () => {
  const root = tempDir('twin-history-');
  const history = new AnomalyHistory<Ev>(new FileObjectStore(root));
  const events = [
    { id: 'a', instance: 'web-1', start: T + 1 * H, end: T + 1.5 * H, peak: 3 },
    { id: 'b', instance: 'web-1', start: T + 23.5 * H, end: T + 24.5 * H, peak: 2 }, // spans midnight
    { id: 'c', instance: 'web-1', start: T + 30 * H, end: T + 31 * H, peak: 5 },
    { id: 'd', instance: 'web-2', start: T + 1 * H, end: T + 2 * H, peak: 1 },
  ];
  for (const e of events) await history.append(e);
  assert.equal(AnomalyHistory.keyOf(events[0]!), `anomalies/web-1/2026-11-20/${T + H}-${T + 1.5 * H}-a.json`);
  assert.deepEqual(await history.days('web-1'), ['2026-11-20', '2026-11-21']);
  const ids = async (from: number, to: number) => (await history.query('web-1', from, to)).map((e) => e.id);
  assert.deepEqual(await ids(T, T + 48 * H), ['a', 'b', 'c']);
  assert.deepEqual(await ids(T + 24 * H, T + 25 * H), ['b'], 'an event that started the day before is found');
  assert.deepEqual(await ids(T + 2 * H, T + 23 * H), []);
  assert.deepEqual(await history.query('web-3', T, T + 48 * H), []);
  assert.deepEqual(
    (await history.latest('web-1', T, T + 48 * H, 2)).map((e) => e.id),
    ['b', 'c'],
    'the latest two, oldest first'
  );

  // A new process builds its index from the store.
  const reopened = new AnomalyHistory<Ev>(new FileObjectStore(root));
  assert.deepEqual(
    (await reopened.query('web-1', T + 29 * H, T + 30.5 * H)).map((e) => e.peak),
    [5]
  );
});
