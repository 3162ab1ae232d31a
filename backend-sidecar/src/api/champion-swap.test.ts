import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ingestSimulatedHistory, startTestSidecar } from '../testing/test-sidecar.ts';
import type { Sidecar } from './sidecar.ts';
import type { AnomalyEvent } from '../anomaly/index.ts';

const MIN = 60_000;
let sidecar: Sidecar;
let now: number;

before(async () => {
  sidecar = await startTestSidecar({}, { TWIN_TRAIN_EPOCHS: '2', TWIN_MIN_HISTORY: '1d' });
  now = Math.floor(Date.now() / MIN) * MIN - 60 * MIN;
  await ingestSimulatedHistory(sidecar, { instances: 1, seed: 5, days: 2, now });
  await sidecar.trainer.train('sim-001', now);
  await sidecar.trainer.train('sim-001', now);
});
after(() => sidecar.stop());

test('a version promoted in the middle of an incident carries its event on: reported once, closed once', async () => {
  const opened: AnomalyEvent[] = [];
  const closed: AnomalyEvent[] = [];
  sidecar.on('anomalyOpened', (e) => opened.push(e));
  sidecar.on('anomalyClosed', (e) => closed.push(e));
  const window = await sidecar.readWindow('sim-001', now - 10 * MIN, now);
  const normal = Object.fromEntries(window.metrics.map((m, i) => [m, window.values[i]!.at(-1)!]));
  // Memory and disk pinned far from where this instance keeps them.
  const incident = { ...normal, mem_used_pct: 99, disk_util_pct: 100, cpu_iowait_pct: 60 };
  let ts = now;
  const feed = async (values: Record<string, number>, minutes: number) => {
    for (let m = 0; m < minutes; m++) {
      await sidecar.ingest.ingest({ instance: 'sim-001', samples: [{ ts: (ts += MIN), values }] });
      await sidecar.ingest.drain();
    }
  };
  // The sample that makes the sidecar switch to the version, then its twin's warm-up.
  const switchTo = async (version: string, values: Record<string, number>) => {
    await feed(values, 1);
    while (sidecar.scorer.state('sim-001')?.version !== version || !sidecar.scorer.state('sim-001')?.runner)
      await new Promise((r) => setTimeout(r, 50));
  };

  await sidecar.models.promote('sim-001', 'v0001');
  await switchTo('v0001', normal);
  await feed(normal, 3);
  await feed(incident, 8);
  assert.equal(opened.length, 1, 'the incident opened under v0001');
  assert.equal(sidecar.scorer.state('sim-001')!.detector.openEvent?.id, opened[0]!.id);

  await sidecar.models.promote('sim-001', 'v0002');
  await switchTo('v0002', incident);
  await feed(incident, 5);
  assert.equal(opened.length, 1, 'not reported again by the new version');
  assert.equal(closed.length, 0);
  assert.equal(sidecar.scorer.state('sim-001')!.detector.openEvent?.id, opened[0]!.id);

  // Back to normal (the slow scale of the level score takes a while to forget the incident).
  await feed(normal, 40);
  assert.equal(closed.length, 1);
  assert.equal(closed[0]!.id, opened[0]!.id);
  assert.ok(
    closed[0]!.end - closed[0]!.start >= 12 * MIN,
    `one event over both versions: ${closed[0]!.end - closed[0]!.start} ms`
  );
});
