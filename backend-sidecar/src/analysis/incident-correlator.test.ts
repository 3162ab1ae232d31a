import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnomalyEvent } from '../anomaly/index.ts';
import { IncidentCorrelator, isNews } from './incident-correlator.ts';
import { resourceOf } from './resource-of.ts';

const T = Date.parse('2026-11-25T10:00:00Z');
const MIN = 60_000;

function event(
  instance: string,
  start: number,
  end: number,
  metrics: [string, number, number][],
  id = `${instance}-${start}`
): AnomalyEvent {
  const total = metrics.reduce((a, [, e]) => a + e, 0);
  return {
    id,
    instance,
    start,
    end,
    open: false,
    peakScore: 4,
    severity: 'critical',
    metrics: metrics.map(([metric, excess, firstAt]) => ({ metric, excess, contribution: excess / total, firstAt })),
  };
}

test('metrics map to the resources they measure, whatever the qualifiers', () => {
  assert.deepEqual(
    [
      'mem_used_pct',
      'swap_used_pct',
      'page_faults_major_per_s',
      'cpu_user_pct',
      'cpu_steal_pct',
      'disk_await_ms.dev_vda',
      'net_latency_ms',
      'psi_io_some_avg',
      'queue_depth',
    ].map(resourceOf),
    ['memory', 'memory', 'memory', 'cpu', 'host', 'disk', 'network', 'disk', undefined]
  );
});

test('events that overlap or follow closely form one incident; its root cause is the resource that moved first and most', () => {
  const c = new IncidentCorrelator();
  // Memory climbs first; minutes later the disk swaps and latency follows.
  c.add(
    event('i-1', T, T + 5 * MIN, [
      ['mem_used_pct', 8, T],
      ['swap_used_pct', 3, T + MIN],
    ])
  );
  const incident = c.add(
    event('i-1', T + 8 * MIN, T + 12 * MIN, [
      ['disk_await_ms', 4, T + 8 * MIN],
      ['net_latency_ms', 2, T + 9 * MIN],
    ])
  );
  assert.equal(c.incidents('i-1').length, 1);
  assert.equal(incident.events.length, 2);
  assert.deepEqual([incident.start, incident.end], [T, T + 12 * MIN]);
  assert.deepEqual(
    incident.rootCauses.map((r) => r.resource),
    ['memory', 'disk', 'network']
  );
  const memory = incident.rootCauses[0]!;
  assert.deepEqual(memory.metrics, ['mem_used_pct', 'swap_used_pct']);
  assert.match(memory.evidence[0]!, /mem_used_pct: 47% of the excess, moved first/);
  assert.ok(Math.abs(incident.rootCauses.reduce((a, r) => a + r.score, 0) - 1) < 1e-9);
  assert.equal(incident.metrics.find((m) => m.metric === 'net_latency_ms')!.order, 3);
  // An event long after is another incident.
  c.add(event('i-1', T + 60 * MIN, T + 62 * MIN, [['cpu_user_pct', 1, T + 60 * MIN]]));
  assert.equal(c.incidents('i-1').length, 2);
});

test('an instance slipping back into trouble after a lull shorter than a quarter of the incident is a relapse of it', () => {
  const c = new IncidentCorrelator();
  const HOUR = 60 * MIN;
  const outage = c.add(event('i-1', T, T + 4 * HOUR, [['cpu_user_pct', 5, T]]));
  // 40 minutes later: past the 10-minute gap, within a quarter of the 4-hour incident.
  const relapse = c.add(event('i-1', T + 4 * HOUR + 40 * MIN, T + 4 * HOUR + 50 * MIN, [['cpu_user_pct', 2, T]]));
  assert.equal(relapse.id, outage.id);
  assert.equal(relapse.events.length, 2);
  assert.equal(relapse.end, T + 4 * HOUR + 50 * MIN);
  // Two hours after that, past a quarter of its 4 h 50 min: a new incident.
  c.add(event('i-1', T + 6 * HOUR + 51 * MIN, T + 7 * HOUR, [['cpu_user_pct', 2, T]]));
  assert.equal(c.incidents('i-1').length, 2);
});

test('an incident starting at the time of day of incidents on two of the seven days before recurs daily, and is not news', () => {
  const c = new IncidentCorrelator();
  const DAY = 24 * 60 * MIN;
  const night = (day: number, minutes: number, metric = 'cpu_user_pct') => {
    const start = T + day * DAY + minutes * MIN;
    return event('i-1', start, start + 45 * MIN, [[metric, 3, start]]);
  };
  // A nightly job drifting by up to 50 minutes; day 0's incident is news, and so is day 1's (one day before).
  for (const [day, minutes] of [
    [0, 0],
    [1, 35],
  ] as const) {
    const e = night(day, minutes);
    assert.ok(isNews(c.add(e), e.id));
  }
  const third = night(2, -15);
  const recurring = c.add(third);
  assert.deepEqual(recurring.recurring, { days: 2 });
  assert.equal(isNews(recurring, third.id), false);
  // More than an hour from every night's time of day, or on another metric: news again.
  const afternoon = night(3, 6 * 60);
  assert.ok(isNews(c.add(afternoon), afternoon.id));
  const memory = night(3, 10, 'mem_used_pct');
  assert.ok(isNews(c.add(memory), memory.id));
  // Only the last seven days count: from day 9, days 0 and 1 are out of range, and of days 2-8 only day 2 had a CPU night.
  const late = night(9, 0);
  assert.deepEqual(c.add(late).recurring, undefined);
  assert.ok(isNews(c.incidentOf(late)!, late.id));
});

test("the latest report's findings join the incident: an OOM kill lifts memory above a louder disk", () => {
  const c = new IncidentCorrelator();
  const e = event('i-2', T, T + 5 * MIN, [
    ['disk_util_pct', 6, T],
    ['mem_used_pct', 4, T],
  ]);
  assert.equal(c.add(e).rootCauses[0]!.resource, 'disk');
  const oom = {
    id: 'oom-killer',
    title: 'Out-of-memory killer killed a process',
    severity: 'critical' as const,
    resources: ['memory'],
  };
  const joined = c.add({ ...e, open: false }, [oom]);
  assert.equal(joined.rootCauses[0]!.resource, 'memory');
  assert.deepEqual(joined.rootCauses[0]!.findings, [{ id: 'oom-killer', title: oom.title, severity: 'critical' }]);
  assert.ok(joined.rootCauses[0]!.evidence.includes('report: Out-of-memory killer killed a process'));
});

test('incidents on several instances of one host at once are given the host as their shared cause', () => {
  const c = new IncidentCorrelator();
  const labels: Record<string, Record<string, string>> = {
    a: { host: 'h1', zone: 'z1' },
    b: { host: 'h1', zone: 'z1' },
    c: { host: 'h1', zone: 'z1' },
    d: { host: 'h2', zone: 'z1' },
  };
  for (const [i, instance] of ['a', 'b', 'c'].entries())
    c.add(
      event(instance, T + i * MIN, T + 6 * MIN, [
        ['cpu_steal_pct', 3, T + i * MIN],
        ['cpu_user_pct', 2, T + i * MIN],
      ])
    );
  c.add(event('d', T + 3 * 3_600_000, T + 3 * 3_600_000 + MIN, [['mem_used_pct', 1, T + 3 * 3_600_000]]));
  const shared = c.correlateFleet((i) => labels[i], T + 4 * 3_600_000);
  assert.deepEqual(shared, [{ scope: 'host', value: 'h1', instances: ['a', 'b', 'c'] }]);
  const a = c.incidents('a')[0]!;
  assert.equal(a.rootCauses[0]!.resource, 'host');
  assert.match(a.rootCauses[0]!.evidence.at(-1)!, /3 instances on host h1 at once/);
  assert.equal(c.incidents('d')[0]!.shared, undefined);
});

test('a resource heading for its limit by its trend weighs in the open incident, with the trend as evidence', () => {
  const c = new IncidentCorrelator();
  const e = {
    ...event('i-3', T, T + 5 * MIN, [
      ['disk_util_pct', 6, T],
      ['net_errors_per_s', 2, T + MIN],
    ]),
    open: true,
  };
  assert.equal(c.add(e).rootCauses[0]!.resource, 'disk');
  c.noteTrends(
    'i-3',
    [{ resource: 'network', probability: 0.9, evidence: 'net_latency_ms 180 ms, rising: 250 ms in 12 min' }],
    T + 5 * MIN
  );
  const incident = c.incidents('i-3')[0]!;
  assert.equal(incident.rootCauses[0]!.resource, 'network');
  assert.ok(incident.rootCauses[0]!.evidence.includes('trend: net_latency_ms 180 ms, rising: 250 ms in 12 min'));
  // Long after the incident closed, trends no longer change it.
  c.add({ ...e, open: false });
  c.noteTrends('i-3', [{ resource: 'memory', probability: 0.9, evidence: 'x' }], T + 60 * MIN);
  assert.notEqual(c.incidents('i-3')[0]!.rootCauses[0]!.resource, 'memory');
});
