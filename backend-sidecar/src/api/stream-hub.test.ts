import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamHub, type StreamEvent } from './stream-hub.ts';

const collect = () => {
  const ids: number[] = [];
  return { ids, sink: { write: (e: StreamEvent) => (ids.push(e.id), 0), close: () => undefined } };
};

test('the replay ring keeps the last events in order once it wraps; older ids are reported missed', () => {
  const hub = new StreamHub({ replay: 3 });
  for (let i = 0; i < 5; i++) hub.publish('anomaly_score', 'i-1', { score: i });
  const late = collect();
  assert.equal(hub.subscribe({}, late.sink, 1).missed, true);
  assert.deepEqual(late.ids, [3, 4, 5]);
  const recent = collect();
  assert.equal(hub.subscribe({}, recent.sink, 3).missed, false);
  assert.deepEqual(recent.ids, [4, 5]);
  hub.publish('anomaly_score', 'i-1', { score: 5 });
  assert.deepEqual(recent.ids, [4, 5, 6]);
  const fresh = collect();
  hub.subscribe({}, fresh.sink, 6);
  assert.deepEqual(fresh.ids, []);
});
