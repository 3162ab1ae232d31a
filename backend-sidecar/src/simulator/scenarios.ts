import { hashSeed, Random } from '../core/random.ts';
import type { FailureKind, Resource } from '../core/types.ts';

export type ScenarioKind = 'memory_leak' | 'disk_fill' | 'cpu_runaway' | 'noisy_neighbour' | 'network_degradation';

export const SCENARIO_KINDS: readonly ScenarioKind[] = [
  'memory_leak',
  'disk_fill',
  'cpu_runaway',
  'noisy_neighbour',
  'network_degradation',
];

/** What each scenario does to an instance, and whether it ends in a failure. */
export const SCENARIO_OUTCOME: Record<ScenarioKind, { cause: Resource; failure?: FailureKind; downtimeMs: number }> = {
  memory_leak: { cause: 'memory', failure: 'crash', downtimeMs: 90_000 },
  disk_fill: { cause: 'disk', failure: 'outage', downtimeMs: 120_000 },
  cpu_runaway: { cause: 'cpu', downtimeMs: 0 },
  noisy_neighbour: { cause: 'host', downtimeMs: 0 },
  network_degradation: { cause: 'network', failure: 'outage', downtimeMs: 120_000 },
};

const DURATION_RANGE_MS: Record<ScenarioKind, [number, number]> = {
  memory_leak: [60 * 60_000, 4 * 3_600_000],
  disk_fill: [2 * 3_600_000, 6 * 3_600_000],
  cpu_runaway: [20 * 60_000, 90 * 60_000],
  noisy_neighbour: [30 * 60_000, 2 * 3_600_000],
  network_degradation: [30 * 60_000, 2 * 3_600_000],
};

/** One injected fault: its ground truth. A failure, when the scenario has one, happens at `end`. */
export interface ScenarioRun {
  id: string;
  kind: ScenarioKind;
  /** Instances affected (several for a host-wide noisy neighbour). */
  instances: string[];
  host: string;
  start: number;
  end: number;
  cause: Resource;
  failure?: { kind: FailureKind; ts: number };
}

export interface FleetMember {
  id: string;
  host: string;
}

const DAY_MS = 86_400_000;

/**
 * Background faults over a time range: each instance draws, per day, whether a fault starts that day
 * (deterministic from the seed, so a restarted simulator sees the same past).
 */
export function planBackgroundScenarios(
  fleet: readonly FleetMember[],
  seed: number,
  from: number,
  to: number,
  ratePerDay: number
): ScenarioRun[] {
  const runs: ScenarioRun[] = [];
  if (ratePerDay <= 0) return runs;
  for (let day = Math.floor(from / DAY_MS); day * DAY_MS < to; day++) {
    for (const member of fleet) {
      const rng = new Random(hashSeed(seed, member.id, day, 'scenario'));
      if (rng.next() >= ratePerDay) continue;
      const kind = rng.pick(SCENARIO_KINDS);
      const [minMs, maxMs] = DURATION_RANGE_MS[kind];
      const start = day * DAY_MS + Math.floor(rng.next() * DAY_MS);
      const end = start + Math.floor(rng.between(minMs, maxMs));
      if (end < from || start >= to) continue;
      runs.push(makeRun(`bg-${member.id}-${day}`, kind, member, fleet, start, end));
    }
  }
  return runs;
}

/**
 * A short show for a live demo: one of each scenario on different instances, starting soon after `t0`
 * and reaching its failure within minutes, so a newcomer sees twins catch them.
 */
export function planDemoScenarios(fleet: readonly FleetMember[], t0: number, speed = 1): ScenarioRun[] {
  const plan: [ScenarioKind, number, number][] = [
    ['memory_leak', 1, 22],
    ['network_degradation', 3, 18],
    ['disk_fill', 2, 28],
    ['cpu_runaway', 5, 12],
    ['noisy_neighbour', 8, 12],
  ];
  const runs: ScenarioRun[] = [];
  plan.forEach(([kind, startMin, durationMin], i) => {
    const member = fleet[(i + 1) % fleet.length];
    if (!member || fleet.length < 2) return;
    const start = t0 + (startMin * 60_000) / speed;
    runs.push(makeRun(`demo-${kind}-${t0}`, kind, member, fleet, start, start + (durationMin * 60_000) / speed));
  });
  return runs;
}

function makeRun(
  id: string,
  kind: ScenarioKind,
  member: FleetMember,
  fleet: readonly FleetMember[],
  start: number,
  end: number
): ScenarioRun {
  const outcome = SCENARIO_OUTCOME[kind];
  const instances =
    kind === 'noisy_neighbour' ? fleet.filter((m) => m.host === member.host).map((m) => m.id) : [member.id];
  return {
    id,
    kind,
    instances,
    host: member.host,
    start,
    end,
    cause: outcome.cause,
    ...(outcome.failure ? { failure: { kind: outcome.failure, ts: end } } : {}),
  };
}

/** How far into its run a scenario is at `ts`: 0 at start, 1 at end; undefined outside. */
export function progress(run: ScenarioRun, ts: number): number | undefined {
  if (ts < run.start || ts >= run.end) return undefined;
  return (ts - run.start) / (run.end - run.start);
}
