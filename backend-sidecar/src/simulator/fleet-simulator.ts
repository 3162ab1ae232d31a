import { hashSeed, Random } from '../core/random.ts';
import type { FailureEvent, InstanceLabels, Sample } from '../core/types.ts';
import { InstanceBehaviour, SERVICE_KINDS, type InstanceProfile } from './instance-behaviour.ts';
import { planBackgroundScenarios, planDemoScenarios, SCENARIO_OUTCOME, type ScenarioRun } from './scenarios.ts';

/** Where the simulator sends what it produces: the sidecar in-process, or over HTTP like any agent. */
export interface SimulatorSink {
  writeSamples(instance: string, labels: InstanceLabels, samples: Sample[]): Promise<void>;
  recordFailure(failure: Omit<FailureEvent, 'id'> & { id: string }): Promise<void>;
}

export interface FleetSimulatorOptions {
  instances: number;
  seed?: number;
  /** Instances per host; a noisy neighbour hits every instance of its host. */
  instancesPerHost?: number;
  /** Chance per instance and day that a background fault starts. */
  faultsPerInstanceDay?: number;
  /** Start a demo run of every scenario at this time (live demos and tests). */
  demoStart?: number;
  /** Compress the demo's minutes (2 = twice as fast). */
  demoSpeed?: number;
  /** Add these runs to the plan (tests inject exactly what they measure). */
  extraRuns?: ScenarioRun[];
}

export interface SimulatedTick {
  ts: number;
  samples: Sample[];
  failures: FailureEvent[];
}

const ZONES = ['zone-a', 'zone-b'];

/** N virtual instances with realistic behaviour and injected faults whose ground truth it keeps. */
export class FleetSimulator {
  readonly profiles: InstanceProfile[];
  private readonly behaviours = new Map<string, InstanceBehaviour>();
  private readonly seed: number;
  private readonly faultRate: number;
  private readonly fixedRuns: ScenarioRun[];
  private planCache: { from: number; to: number; runs: ScenarioRun[] } | undefined;
  private lastTs = -Infinity;

  constructor(private readonly options: FleetSimulatorOptions) {
    this.seed = options.seed ?? 1;
    this.faultRate = options.faultsPerInstanceDay ?? 0.12;
    const perHost = Math.max(1, options.instancesPerHost ?? 3);
    const traits = new Random(hashSeed(this.seed, 'fleet'));
    this.profiles = Array.from({ length: options.instances }, (_, i) => {
      const hostIndex = Math.floor(i / perHost);
      return {
        id: `sim-${String(i + 1).padStart(3, '0')}`,
        host: `host-${String(hostIndex + 1).padStart(2, '0')}`,
        zone: ZONES[hostIndex % ZONES.length]!,
        service: SERVICE_KINDS[i % SERVICE_KINDS.length]!,
        cores: traits.pick([2, 4, 8]),
        seed: this.seed,
      };
    });
    for (const p of this.profiles) this.behaviours.set(p.id, new InstanceBehaviour(p));
    const members = this.profiles.map((p) => ({ id: p.id, host: p.host }));
    this.fixedRuns = [
      ...(options.demoStart !== undefined ? planDemoScenarios(members, options.demoStart, options.demoSpeed) : []),
      ...(options.extraRuns ?? []),
    ];
  }

  labels(id: string): InstanceLabels {
    const p = this.profiles.find((x) => x.id === id);
    if (!p) throw new Error(`no simulated instance ${id}`);
    return { host: p.host, zone: p.zone, service: p.service, source: 'simulator' };
  }

  /** Ground truth: every fault that overlaps [from, to). */
  groundTruth(from: number, to: number): ScenarioRun[] {
    const members = this.profiles.map((p) => ({ id: p.id, host: p.host }));
    return [...planBackgroundScenarios(members, this.seed, from - 86_400_000, to, this.faultRate), ...this.fixedRuns]
      .filter((r) => r.end + SCENARIO_OUTCOME[r.kind].downtimeMs > from && r.start < to)
      .sort((a, b) => a.start - b.start);
  }

  private runsAround(ts: number): ScenarioRun[] {
    const day = 86_400_000;
    if (!this.planCache || ts < this.planCache.from || ts >= this.planCache.to) {
      const from = Math.floor(ts / day) * day - day;
      this.planCache = { from, to: from + 3 * day, runs: this.groundTruth(from, from + 3 * day) };
    }
    return this.planCache.runs;
  }

  /** The fleet at one moment. Timestamps must increase from call to call. */
  tick(ts: number): SimulatedTick {
    const runs = this.runsAround(ts);
    // Failures that happened before the first tick belong to history this run did not produce.
    const previous = this.lastTs === -Infinity ? ts - 1 : this.lastTs;
    this.lastTs = ts;
    const failures: FailureEvent[] = [];
    const down = new Set<string>();
    for (const run of runs) {
      if (!run.failure) continue;
      if (run.failure.ts > previous && run.failure.ts <= ts) {
        for (const instance of run.instances) {
          failures.push({
            id: `${run.id}:${instance}`,
            instance,
            ts: run.failure.ts,
            kind: run.failure.kind,
            cause: run.cause,
            source: 'simulator',
            detail: run.kind,
          });
        }
      }
      if (ts >= run.failure.ts && ts < run.failure.ts + SCENARIO_OUTCOME[run.kind].downtimeMs) {
        for (const instance of run.instances) down.add(instance);
      }
    }
    const samples: Sample[] = [];
    for (const profile of this.profiles) {
      if (down.has(profile.id)) continue;
      samples.push({ instance: profile.id, ts, values: this.behaviours.get(profile.id)!.sample(ts, runs) });
    }
    return { ts, samples, failures };
  }

  /** Every tick from `from` (inclusive) to `to` (exclusive) at `stepMs`. */
  *ticks(from: number, to: number, stepMs: number): Generator<SimulatedTick> {
    const start = Math.ceil(from / stepMs) * stepMs;
    for (let ts = start; ts < to; ts += stepMs) yield this.tick(ts);
  }

  /**
   * Writes history from `from` to `to` fast (in batches per instance), then returns; failures on the
   * way are recorded as an operator would record them.
   */
  async backfill(
    sink: SimulatorSink,
    from: number,
    to: number,
    stepMs: number,
    onProgress?: (fraction: number) => void
  ): Promise<{ samples: number; failures: number }> {
    const batchTicks = Math.max(1, Math.floor(2000 / Math.max(1, this.profiles.length)) * 4);
    let pending = new Map<string, Sample[]>();
    let ticks = 0;
    let samples = 0;
    let failures = 0;
    const flush = async () => {
      for (const [instance, list] of pending) await sink.writeSamples(instance, this.labels(instance), list);
      pending = new Map();
    };
    for (const tick of this.ticks(from, to, stepMs)) {
      for (const s of tick.samples) {
        let list = pending.get(s.instance);
        if (!list) pending.set(s.instance, (list = []));
        list.push(s);
      }
      samples += tick.samples.length;
      if (tick.failures.length) {
        await flush();
        for (const f of tick.failures) await sink.recordFailure(f);
        failures += tick.failures.length;
      }
      if (++ticks % batchTicks === 0) {
        await flush();
        onProgress?.((tick.ts - from) / Math.max(1, to - from));
      }
    }
    await flush();
    onProgress?.(1);
    return { samples, failures };
  }

  /** Streams the fleet live at `stepMs` until the returned stop function is called. */
  live(sink: SimulatorSink, stepMs = 1000, onError?: (err: Error) => void): () => void {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const step = async () => {
      if (stopped) return;
      const ts = Math.floor(Date.now() / stepMs) * stepMs;
      if (ts > this.lastTs) {
        const tick = this.tick(ts);
        try {
          await Promise.all(tick.samples.map((s) => sink.writeSamples(s.instance, this.labels(s.instance), [s])));
          for (const f of tick.failures) await sink.recordFailure(f);
        } catch (err) {
          onError?.(err as Error);
        }
      }
      if (!stopped) timer = setTimeout(step, stepMs - (Date.now() % stepMs) + 5);
    };
    void step();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }
}
