import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestSidecar } from '../../testing/test-sidecar.ts';
import type { Sidecar } from '../sidecar.ts';

let sidecar: Sidecar;
before(async () => {
  sidecar = await startTestSidecar();
});
after(() => sidecar.stop());

test("the detector's events become incidents with root causes joined with the latest report, served by the API", async () => {
  const T = Date.parse('2026-11-25T10:00:00Z');
  const report = await fetch(`${sidecar.url}/api/v1/reports?instance=web-9&time=2026-11-25T09:59:00Z`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: '[ 100.000000] Out of memory: Killed process 812 (java) total-vm:8000000kB\n',
  });
  assert.equal(report.status, 201);
  const seen: string[] = [];
  sidecar.events.on('incident', (i) => seen.push(i.rootCauses[0]!.resource));
  sidecar.events.emit('anomalyClosed', {
    id: 'e-1',
    instance: 'web-9',
    start: T,
    end: T + 300_000,
    open: false,
    peakScore: 5,
    severity: 'critical',
    metrics: [
      { metric: 'disk_util_pct', contribution: 0.6, excess: 6, firstAt: T },
      { metric: 'mem_used_pct', contribution: 0.4, excess: 4, firstAt: T },
    ],
  });
  assert.deepEqual(seen, ['memory']);
  const response = await fetch(`${sidecar.url}/api/v1/incidents?instance=web-9`);
  const body = (await response.json()) as {
    total: number;
    items: { events: string[]; rootCauses: { resource: string; findings: { id: string }[] }[] }[];
  };
  assert.equal(body.total, 1);
  assert.deepEqual(body.items[0]!.events, ['e-1']);
  assert.deepEqual(
    body.items[0]!.rootCauses.map((r) => r.resource),
    ['memory', 'disk']
  );
  assert.equal(body.items[0]!.rootCauses[0]!.findings[0]!.id, 'oom-killer');
});

test('live instances get learned failure predictions per kind and horizon, marked as prior until failures are recorded', async () => {
  const now = Date.now();
  await sidecar.ingest.ingest({
    instance: 'app-1',
    samples: [{ ts: now - 1000, values: { mem_used_pct: 50, cpu_user_pct: 10 } }],
  });
  while (!sidecar.instances.get('app-1')) await new Promise((r) => setTimeout(r, 20));
  await sidecar.predictFailures(now);
  const body = (await (await fetch(`${sidecar.url}/api/v1/instances/app-1`)).json()) as {
    failurePredictions: { kind: string; horizonMs: number; prior: boolean; probability: number; interval: number[] }[];
  };
  assert.deepEqual(
    body.failurePredictions.map((p) => [p.kind, p.horizonMs, p.prior]),
    [
      ['crash', 3_600_000, true],
      ['crash', 86_400_000, true],
      ['outage', 3_600_000, true],
      ['outage', 86_400_000, true],
    ]
  );
  for (const p of body.failurePredictions)
    assert.ok(p.interval[0]! <= p.probability && p.probability <= p.interval[1]!);
});

test('failures are listed a page at a time, with the total', async () => {
  for (let i = 0; i < 3; i++)
    await fetch(`${sidecar.url}/api/v1/failures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instance: 'paged-1', ts: Date.parse('2026-11-25T10:00:00Z') + i * 60_000, kind: 'crash' }),
    });
  const page = (await (await fetch(`${sidecar.url}/api/v1/failures?instance=paged-1&limit=2&offset=1`)).json()) as {
    items: { ts: number }[];
    total: number;
  };
  assert.equal(page.total, 3);
  assert.equal(page.items.length, 2);
});
