import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FleetSimulator, type ScenarioRun, type SimulatorSink } from './index.ts';
import type { FailureEvent, Sample } from '../core/types.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// A Monday 00:00 UTC, so weekdays and weekends are where the test expects them.
const MONDAY = Date.UTC(2026, 10, 2);

function series(samples: Sample[], instance: string, metric: string): { ts: number[]; v: number[] } {
  const rows = samples.filter((s) => s.instance === instance);
  return { ts: rows.map((s) => s.ts), v: rows.map((s) => s.values[metric]!) };
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function correlation(a: number[], b: number[]): number {
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

function collect(sim: FleetSimulator, from: number, to: number, step: number) {
  const samples: Sample[] = [];
  const failures: FailureEvent[] = [];
  for (const tick of sim.ticks(from, to, step)) {
    samples.push(...tick.samples);
    failures.push(...tick.failures);
  }
  return { samples, failures };
}

describe('normal behaviour', () => {
  const sim = new FleetSimulator({ instances: 6, seed: 3, faultsPerInstanceDay: 0 });
  const { samples } = collect(sim, MONDAY, MONDAY + 14 * DAY, 5 * 60_000);

  test('load follows a daily cycle: afternoons are busier than nights', () => {
    const cpu = series(samples, 'sim-001', 'cpu_user_pct');
    const at = (fromH: number, toH: number) =>
      mean(
        cpu.v.filter((_, i) => {
          const h = new Date(cpu.ts[i]!).getUTCHours();
          const d = new Date(cpu.ts[i]!).getUTCDay();
          return h >= fromH && h < toH && d >= 1 && d <= 5;
        })
      );
    assert.ok(at(13, 17) > 2 * at(1, 5), `afternoon ${at(13, 17)} vs night ${at(1, 5)}`);
  });

  test('weekends are quieter than weekdays', () => {
    const cpu = series(samples, 'sim-002', 'cpu_user_pct');
    const daytime = (weekend: boolean) =>
      mean(
        cpu.v.filter((_, i) => {
          const d = new Date(cpu.ts[i]!);
          const isWeekend = d.getUTCDay() === 0 || d.getUTCDay() === 6;
          return isWeekend === weekend && d.getUTCHours() >= 10 && d.getUTCHours() < 18;
        })
      );
    assert.ok(daytime(false) > 1.25 * daytime(true), `weekday ${daytime(false)} vs weekend ${daytime(true)}`);
  });

  test('CPU, network and disk move together; values are noisy, never flat', () => {
    const cpu = series(samples, 'sim-003', 'cpu_user_pct').v;
    assert.ok(correlation(cpu, series(samples, 'sim-003', 'net_rx_bytes_per_s').v) > 0.6);
    assert.ok(correlation(cpu, series(samples, 'sim-003', 'disk_write_bytes_per_s').v) > 0.5);
    assert.ok(correlation(cpu, series(samples, 'sim-003', 'mem_used_pct').v) > 0.3);
    const diffs = cpu.slice(1).map((x, i) => Math.abs(x - cpu[i]!));
    assert.ok(diffs.filter((d) => d === 0).length < diffs.length * 0.01);
  });

  test('deploys step the memory footprint now and then', () => {
    const mem = series(samples, 'sim-004', 'mem_used_pct');
    // Mean memory at 03:00-05:00 (same load) differs between days by more than noise: deploy steps.
    const nightly: number[] = [];
    for (let d = 0; d < 14; d++) {
      const vals = mem.v.filter((_, i) => {
        const t = mem.ts[i]! - MONDAY - d * DAY;
        return t >= 3 * HOUR && t < 5 * HOUR;
      });
      nightly.push(mean(vals));
    }
    const spread = Math.max(...nightly) - Math.min(...nightly);
    assert.ok(spread > 2, `nightly memory spread ${spread.toFixed(2)}%`);
  });

  test('the same seed gives the same fleet', () => {
    const a = collect(new FleetSimulator({ instances: 2, seed: 9 }), MONDAY, MONDAY + HOUR, 60_000).samples;
    const b = collect(new FleetSimulator({ instances: 2, seed: 9 }), MONDAY, MONDAY + HOUR, 60_000).samples;
    assert.deepEqual(a, b);
  });

  test('instances carry host, zone and service labels; hosts hold several instances', () => {
    const labels = sim.profiles.map((p) => sim.labels(p.id));
    assert.equal(new Set(labels.map((l) => l.host)).size, 2);
    for (const l of labels) assert.ok(l.host && l.zone && l.service);
  });
});

describe('injected faults', () => {
  const start = MONDAY + 2 * DAY + 10 * HOUR;
  const runs: ScenarioRun[] = [
    {
      id: 'leak',
      kind: 'memory_leak',
      instances: ['sim-001'],
      host: 'host-01',
      start,
      end: start + 2 * HOUR,
      cause: 'memory',
      failure: { kind: 'crash', ts: start + 2 * HOUR },
    },
    {
      id: 'disk',
      kind: 'disk_fill',
      instances: ['sim-002'],
      host: 'host-01',
      start,
      end: start + 3 * HOUR,
      cause: 'disk',
      failure: { kind: 'outage', ts: start + 3 * HOUR },
    },
    { id: 'cpu', kind: 'cpu_runaway', instances: ['sim-004'], host: 'host-02', start, end: start + HOUR, cause: 'cpu' },
    {
      id: 'steal',
      kind: 'noisy_neighbour',
      instances: ['sim-004', 'sim-005', 'sim-006'],
      host: 'host-02',
      start: start + 2 * HOUR,
      end: start + 3 * HOUR,
      cause: 'host',
    },
    {
      id: 'net',
      kind: 'network_degradation',
      instances: ['sim-003'],
      host: 'host-01',
      start,
      end: start + HOUR,
      cause: 'network',
      failure: { kind: 'outage', ts: start + HOUR },
    },
  ];
  const sim = new FleetSimulator({ instances: 6, seed: 5, faultsPerInstanceDay: 0, extraRuns: runs });
  const { samples, failures } = collect(sim, start - 2 * HOUR, start + 5 * HOUR, 30_000);
  const at = (instance: string, metric: string, ts: number) =>
    samples.find((s) => s.instance === instance && s.ts >= ts)!.values[metric]!;

  test('memory leak: memory climbs to exhaustion, then an OOM crash at the recorded time and a restart', () => {
    assert.ok(at('sim-001', 'mem_used_pct', start - 10 * 60_000) < 85);
    assert.ok(at('sim-001', 'mem_used_pct', start + HOUR) > at('sim-001', 'mem_used_pct', start) + 10);
    assert.ok(at('sim-001', 'mem_used_pct', start + 2 * HOUR - 60_000) > 97);
    assert.ok(
      at('sim-001', 'page_faults_major_per_s', start + 2 * HOUR - 60_000) >
        3 * at('sim-001', 'page_faults_major_per_s', start - 60_000)
    );
    const crash = failures.find((f) => f.instance === 'sim-001');
    assert.deepEqual([crash?.ts, crash?.kind, crash?.cause], [start + 2 * HOUR, 'crash', 'memory']);
    // Down while it restarts (no samples), then back to its normal footprint.
    assert.equal(
      samples.filter((s) => s.instance === 'sim-001' && s.ts >= start + 2 * HOUR && s.ts < start + 2 * HOUR + 90_000)
        .length,
      0
    );
    assert.ok(at('sim-001', 'mem_used_pct', start + 2 * HOUR + 5 * 60_000) < 85);
  });

  test('disk fill: the disk reaches 100 % and the instance has an outage', () => {
    assert.ok(at('sim-002', 'disk_used_pct', start + 3 * HOUR - 60_000) > 98);
    assert.ok(
      at('sim-002', 'disk_write_bytes_per_s', start + HOUR) >
        2 * at('sim-002', 'disk_write_bytes_per_s', start - HOUR + 24 * 0)
    );
    const outage = failures.find((f) => f.instance === 'sim-002');
    assert.deepEqual([outage?.ts, outage?.kind, outage?.cause], [start + 3 * HOUR, 'outage', 'disk']);
  });

  test('CPU runaway: user CPU saturates and CPU pressure rises, no failure', () => {
    assert.ok(at('sim-004', 'cpu_user_pct', start + 30 * 60_000) > 85);
    assert.ok(at('sim-004', 'psi_cpu_some_avg10', start + 30 * 60_000) > 40);
    assert.ok(!failures.some((f) => f.instance === 'sim-004'));
  });

  test('noisy neighbour: steal time rises on every instance of the host and on no other', () => {
    const mid = start + 2.5 * HOUR;
    for (const id of ['sim-004', 'sim-005', 'sim-006']) assert.ok(at(id, 'cpu_steal_pct', mid) > 15, id);
    for (const id of ['sim-001', 'sim-003']) assert.ok(at(id, 'cpu_steal_pct', mid) < 3, id);
  });

  test('network degradation: latency and retransmits grow, then an outage', () => {
    const before = at('sim-003', 'net_latency_ms', start - 60_000);
    assert.ok(at('sim-003', 'net_latency_ms', start + 54 * 60_000) > 50 * before);
    assert.ok(at('sim-003', 'net_retrans_per_s', start + 54 * 60_000) > 20);
    const outage = failures.find((f) => f.instance === 'sim-003');
    assert.deepEqual([outage?.ts, outage?.kind, outage?.cause], [start + HOUR, 'outage', 'network']);
  });

  test('ground truth lists every injected fault', () => {
    const truth = sim
      .groundTruth(start - HOUR, start + 5 * HOUR)
      .map((r) => r.id)
      .sort();
    assert.deepEqual(truth, ['cpu', 'disk', 'leak', 'net', 'steal']);
  });
});

test('backfill writes days of history fast and records failures through the sink, as an operator would', async () => {
  const written: Sample[] = [];
  const recorded: FailureEvent[] = [];
  const sink: SimulatorSink = {
    writeSamples: async (_instance, _labels, samples) => void written.push(...samples),
    recordFailure: async (f) => void recorded.push(f),
  };
  const sim = new FleetSimulator({ instances: 8, seed: 11, faultsPerInstanceDay: 0.3 });
  const to = MONDAY + 7 * DAY;
  const result = await sim.backfill(sink, MONDAY, to, 60_000);
  assert.equal(result.samples, written.length);
  assert.ok(written.length > 8 * 7 * 1440 * 0.97, `${written.length} samples`);
  const expected = sim.groundTruth(MONDAY, to).filter((r) => r.failure && r.failure.ts >= MONDAY && r.failure.ts < to);
  assert.ok(expected.length > 0);
  assert.equal(recorded.length, expected.length);
  for (const f of recorded) assert.ok(expected.some((r) => r.failure!.ts === f.ts && r.instances.includes(f.instance)));
});
