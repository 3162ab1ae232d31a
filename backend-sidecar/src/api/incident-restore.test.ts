import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ingestSimulatedHistory, startTestSidecar, tempDir } from '../testing/test-sidecar.ts';
import type { Sidecar } from './sidecar.ts';
import type { AnomalyEvent } from '../anomaly/index.ts';
import type { Incident } from '../analysis/index.ts';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const env = { TWIN_DATA_DIR: tempDir(), TWIN_TRAIN_EPOCHS: '2', TWIN_MIN_HISTORY: '1d' };
const running: Sidecar[] = [];
after(() => Promise.all(running.map((s) => s.stop())));

function night(id: string, start: number): AnomalyEvent {
  return {
    id,
    instance: 'sim-001',
    start,
    end: start + 40 * MIN,
    open: false,
    peakScore: 4,
    severity: 'critical',
    metrics: [{ metric: 'disk_util_pct', contribution: 1, excess: 5, firstAt: start }],
  };
}

test("after a restart, an instance's incidents of the last week are rebuilt from its anomaly history as its twin starts", async () => {
  const now = Math.floor(Date.now() / MIN) * MIN - 60 * MIN;
  const first = await startTestSidecar({}, env);
  running.push(first);
  await ingestSimulatedHistory(first, { instances: 1, seed: 5, days: 2, now });
  await first.trainer.train('sim-001', now);
  // Three nights of a nightly job, recorded as the leader records closed events; one older than a week.
  for (const [id, start] of [
    ['old', now - 9 * DAY],
    ['n-3', now - 3 * DAY],
    ['n-2', now - 2 * DAY + 20 * MIN],
    ['n-1', now - DAY - 15 * MIN],
  ] as const)
    await first.anomalies.append(night(id, start));
  await first.stop();
  running.pop();

  const second = await startTestSidecar({}, env);
  running.push(second);
  const incidents = async () =>
    ((await (await fetch(`${second.url}/api/v1/incidents?instance=sim-001`)).json()) as { items: Incident[] }).items;
  assert.deepEqual(await incidents(), [], 'nothing is known before the instance reports');
  const window = await second.readWindow('sim-001', now - 10 * MIN, now);
  const values = Object.fromEntries(window.metrics.map((m, i) => [m, window.values[i]!.at(-1)!]));
  await second.ingest.ingest({ instance: 'sim-001', samples: [{ ts: now + MIN, values }] });
  await second.ingest.drain();
  while (!second.scorer.state('sim-001')?.runner) await new Promise((r) => setTimeout(r, 50));

  const rebuilt = await incidents();
  assert.deepEqual(
    rebuilt.map((i) => i.events),
    [['n-1'], ['n-2'], ['n-3']],
    'the last week, newest first'
  );
  assert.deepEqual(rebuilt[0]!.recurring, { days: 2 }, 'the third night recurs');
  assert.equal(rebuilt[0]!.rootCauses[0]!.resource, 'disk');
});
