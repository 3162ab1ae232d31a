import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExhaustionForecaster, normalCdf } from './exhaustion-forecaster.ts';

const MIN = 60_000;

function feed(f: ExhaustionForecaster, now: number, minutes: number, mem: (m: number) => number) {
  for (let s = minutes * 60; s >= 0; s -= 5) {
    const m = -s / 60;
    f.observe([
      { instance: 'i-1', ts: now + m * MIN, values: { mem_used_pct: mem(m), disk_used_pct: 40, net_latency_ms: 1 } },
    ]);
  }
}

test('a memory leak heading for the limit within the horizon gives a high crash probability with its evidence', () => {
  const f = new ExhaustionForecaster({ horizonMs: 60 * MIN });
  const now = Date.now();
  const alerts: string[] = [];
  f.on('alert', (x) => alerts.push(`${x.instance}/${x.kind}`));
  // 70 % now, rising 1 %/min: 29 minutes to the 99 % limit.
  feed(f, now, 20, (m) => 70 + m + 0.2 * Math.sin(m * 7));
  const crash = f.evaluate(now).find((x) => x.kind === 'crash')!;
  assert.ok(crash.probability > 0.95, `p=${crash.probability}`);
  assert.equal(crash.causes[0]!.resource, 'memory');
  assert.ok(Math.abs(crash.causes[0]!.etaMs! / MIN - 29) < 2, `eta ${crash.causes[0]!.etaMs! / MIN} min`);
  assert.ok(crash.interval[0] <= crash.probability && crash.probability <= crash.interval[1]);
  assert.ok(crash.confidence > 0.5);
  assert.deepEqual(alerts, ['i-1/crash']);
  const outage = f.forecast('i-1', now).find((x) => x.kind === 'outage')!;
  assert.ok(outage.probability < 0.01, 'flat disk and network: no outage risk');
});

test('a slow trend that reaches the limit only after the horizon gives a low probability', () => {
  const f = new ExhaustionForecaster({ horizonMs: 60 * MIN });
  const now = Date.now();
  feed(f, now, 20, (m) => 50 + 0.1 * m + 0.2 * Math.sin(m * 7));
  assert.ok(f.forecast('i-1', now).find((x) => x.kind === 'crash')!.probability < 0.05);
});

test('normalCdf is accurate', () => {
  assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-7);
  assert.ok(Math.abs(normalCdf(1.96) - 0.9750021) < 1e-6);
  assert.ok(Math.abs(normalCdf(-1) - 0.1586553) < 1e-6);
});

test("a report's OOM finding raises the memory cause for one horizon, with the finding as evidence", () => {
  const f = new ExhaustionForecaster({ horizonMs: 60 * MIN });
  const now = Date.now();
  feed(f, now, 20, (m) => 50 + 0.1 * m + 0.2 * Math.sin(m * 7));
  const before = f.forecast('i-1', now).find((x) => x.kind === 'crash')!.probability;
  const oom = {
    id: 'oom-killer',
    title: 'Out-of-memory killer killed a process',
    severity: 'critical' as const,
    resources: ['memory'],
  };
  f.noteFindings('i-1', [oom], now - 5 * MIN);
  const crash = f.forecast('i-1', now).find((x) => x.kind === 'crash')!;
  assert.ok(Math.abs(crash.probability - (1 - (1 - before) * 0.5)) < 1e-9, `p=${crash.probability}`);
  assert.match(crash.causes[0]!.evidence, /report: Out-of-memory killer killed a process/);
  assert.ok(f.forecast('i-1', now).find((x) => x.kind === 'outage')!.probability < 0.01, 'disk and network untouched');
  // A horizon later the finding no longer counts.
  assert.ok(Math.abs(f.forecast('i-1', now + 61 * MIN).find((x) => x.kind === 'crash')!.probability - before) < 0.05);
});

test('an instance that reports once a minute gets its trend forecast: the lookback grows to hold enough samples', () => {
  const f = new ExhaustionForecaster({ horizonMs: 60 * MIN });
  const now = Date.now();
  // A disk filling 0.5 %/min, sampled every minute for the last hour: 20 minutes hold only 20 samples.
  for (let m = -60; m <= 0; m++)
    f.observe(
      [
        {
          instance: 'i-1',
          ts: now + m * MIN,
          values: { mem_used_pct: 40, disk_used_pct: 80 + 0.5 * m + 0.1 * Math.sin(m), net_latency_ms: 1 },
        },
      ],
      now + m * MIN
    );
  const outage = f.forecast('i-1', now).find((x) => x.kind === 'outage');
  assert.ok(outage, 'a forecast from the last half hour of samples');
  assert.equal(outage.causes[0]!.resource, 'disk');
  assert.ok(outage.probability > 0.9, `p=${outage.probability}`);
});

test("one long gap (an agent that was down) does not stretch a 1 Hz instance's lookback over what came before it", () => {
  const f = new ExhaustionForecaster({ horizonMs: 60 * MIN });
  const now = Date.now();
  const sample = (ts: number, disk: number) => ({
    instance: 'i-2',
    ts,
    values: { mem_used_pct: 40, disk_used_pct: disk, net_latency_ms: 1 },
  });
  // Ten minutes at 10 % an hour ago, then five seconds at 50 % now: too little for a trend of its own.
  for (let s = 0; s < 600; s++) f.observe([sample(now - 70 * MIN + s * 1000, 10)], now - 70 * MIN + s * 1000);
  for (let s = 0; s < 5; s++) f.observe([sample(now - 5000 + s * 1000, 50)], now - 5000 + s * 1000);
  const outage = f.forecast('i-2', now).find((x) => x.kind === 'outage');
  assert.equal(outage, undefined, `p=${outage?.probability}: the samples before the gap stayed in the trend`);
});
