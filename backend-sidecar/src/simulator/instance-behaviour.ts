import { hashSeed, Random } from '../core/random.ts';
import { progress, type ScenarioRun } from './scenarios.ts';

export const SIMULATED_METRICS = [
  'cpu_user_pct',
  'cpu_system_pct',
  'cpu_iowait_pct',
  'cpu_steal_pct',
  'load1',
  'run_queue',
  'mem_used_pct',
  'mem_cached_pct',
  'swap_used_pct',
  'page_faults_minor_per_s',
  'page_faults_major_per_s',
  'psi_cpu_some_avg10',
  'psi_memory_some_avg10',
  'psi_io_some_avg10',
  'disk_used_pct',
  'disk_read_bytes_per_s',
  'disk_write_bytes_per_s',
  'disk_iops',
  'disk_await_ms',
  'disk_util_pct',
  'net_rx_bytes_per_s',
  'net_tx_bytes_per_s',
  'net_retrans_per_s',
  'net_errors_per_s',
  'net_latency_ms',
] as const;

export type SimulatedMetric = (typeof SIMULATED_METRICS)[number];

const SERVICES = {
  web: { amplitude: 0.75, net: 1.5, io: 0.6, memBase: 45 },
  api: { amplitude: 0.65, net: 1.2, io: 0.8, memBase: 50 },
  db: { amplitude: 0.45, net: 0.8, io: 2.0, memBase: 62 },
  cache: { amplitude: 0.55, net: 1.8, io: 0.3, memBase: 68 },
  batch: { amplitude: 0.35, net: 0.4, io: 1.5, memBase: 40 },
} as const;

export type ServiceKind = keyof typeof SERVICES;
export const SERVICE_KINDS = Object.keys(SERVICES) as ServiceKind[];

export interface InstanceProfile {
  id: string;
  host: string;
  zone: string;
  service: ServiceKind;
  cores: number;
  seed: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;
/** Time constants (ms) of the AR(1) noise of each kind of signal. */
const TAU = { load: 15 * 60_000, fast: 20_000, mem: 10 * 60_000 };

/**
 * The normal behaviour of one simulated instance (diurnal and weekly load, correlated CPU, memory,
 * disk and network, noise, occasional deploy steps) plus the effects of the faults injected into it.
 */
export class InstanceBehaviour {
  private readonly rng: Random;
  private readonly noiseState = new Map<string, number>();
  private lastTs: number | undefined;
  private readonly service: (typeof SERVICES)[ServiceKind];
  private readonly phaseHours: number;
  private readonly diskBase: number;
  private readonly diskWeeklyGrowth: number;
  private readonly deployPeriodMs: number;

  constructor(readonly profile: InstanceProfile) {
    this.rng = new Random(hashSeed(profile.seed, profile.id, 'noise'));
    const traits = new Random(hashSeed(profile.seed, profile.id, 'traits'));
    this.service = SERVICES[profile.service];
    this.phaseHours = traits.between(-1.5, 1.5);
    this.diskBase = traits.between(30, 55);
    this.diskWeeklyGrowth = traits.between(3, 10);
    this.deployPeriodMs = traits.between(30, 60) * HOUR_MS;
  }

  /** Load in [0, 1]: a daily cycle peaking mid-afternoon, quieter weekends, slow noise. */
  load(ts: number, noise: number): number {
    const hour = (ts % DAY_MS) / HOUR_MS;
    const diurnal = 0.5 - 0.5 * Math.cos((2 * Math.PI * (hour - 4 - this.phaseHours)) / 24);
    const weekday = new Date(ts).getUTCDay();
    const weekFactor = weekday === 0 || weekday === 6 ? 0.6 : 1;
    return clamp(0.08 + this.service.amplitude * diurnal * weekFactor + 0.05 * noise, 0.02, 1);
  }

  /** The step changes a deploy brings: a new memory footprint and CPU cost per request, constant until the next deploy. */
  deployEffects(ts: number): { memStep: number; cpuFactor: number; index: number } {
    const index = Math.floor(ts / this.deployPeriodMs);
    const r = new Random(hashSeed(this.profile.seed, this.profile.id, 'deploy', index));
    return { memStep: r.between(-4, 4), cpuFactor: r.between(0.9, 1.15), index };
  }

  private noise(name: string, tauMs: number, dtMs: number): number {
    const phi = Math.exp(-dtMs / tauMs);
    const prev = this.noiseState.get(name) ?? this.rng.gaussian();
    const next = phi * prev + Math.sqrt(1 - phi * phi) * this.rng.gaussian();
    this.noiseState.set(name, next);
    return next;
  }

  /** The instance's metrics at `ts` (call with increasing timestamps) under the faults active then. */
  sample(ts: number, runs: readonly ScenarioRun[]): Record<SimulatedMetric, number> {
    const dt = this.lastTs === undefined ? 60_000 : Math.max(1, ts - this.lastTs);
    this.lastTs = ts;
    const n = (name: string, tau: number = TAU.fast) => this.noise(name, tau, dt);
    const white = () => this.rng.gaussian();
    const { memStep, cpuFactor } = this.deployEffects(ts);
    const L = this.load(ts, n('load', TAU.load));
    const s = this.service;
    const cores = this.profile.cores;

    let cpuUser = cpuFactor * (3 + 60 * L) + 1.2 * n('cpu');
    let steal = 0.3 + 0.25 * Math.abs(white());
    let iowait = 0.4 + 2.5 * L * s.io + 0.3 * Math.abs(n('io'));
    let memUsed = s.memBase + memStep + 12 * L + 0.5 * n('mem', TAU.mem);
    let cached = 22 - 6 * L + 0.5 * n('cached', TAU.mem);
    let swap = 0.8 + 0.1 * Math.abs(n('swap', TAU.mem));
    const minorFaults = 1800 * (0.3 + L) * (1 + 0.08 * white());
    let majorFaults = Math.max(0, 0.4 + 2 * L + 0.4 * white());
    let diskUsed = this.diskBase + (this.diskWeeklyGrowth * (ts % WEEK_MS)) / WEEK_MS + 0.02 * white();
    const diskRead = 2e6 * s.io * (0.2 + L) * (1 + 0.15 * n('dr'));
    let diskWrite = 3e6 * s.io * (0.2 + L) * (1 + 0.15 * n('dw'));
    let netScale = s.net * (1 + 0.1 * n('net'));
    let latency = 0.6 + 0.4 * L + 0.08 * Math.abs(white());
    let retrans = Math.max(0, 0.2 + 1.2 * L + 0.3 * white());
    let netErrors = Math.max(0, 0.02 * white());
    let psiCpuExtra = 0;

    for (const run of runs) {
      if (!run.instances.includes(this.profile.id)) continue;
      const p = progress(run, ts);
      if (p === undefined) continue;
      switch (run.kind) {
        case 'memory_leak':
          memUsed += (99.6 - memUsed) * Math.pow(p, 1.3);
          cached *= 1 - 0.8 * p;
          swap += 30 * Math.max(0, p - 0.6);
          majorFaults *= 1 + 25 * Math.max(0, p - 0.65);
          break;
        case 'disk_fill':
          diskUsed += (100 - diskUsed) * Math.min(1, p * 1.01);
          diskWrite *= 3;
          iowait *= 1.6;
          break;
        case 'cpu_runaway': {
          const ramp = Math.min(1, p / 0.05);
          cpuUser += (95 - cpuUser) * ramp;
          psiCpuExtra += 55 * ramp;
          break;
        }
        case 'noisy_neighbour': {
          const ramp = Math.min(1, p / 0.1, (1 - p) / 0.1);
          steal += (28 + 6 * n('steal')) * ramp;
          psiCpuExtra += 20 * ramp;
          latency += 0.8 * ramp;
          break;
        }
        case 'network_degradation':
          latency *= Math.exp(Math.log(400) * p * p);
          retrans += 60 * p * p;
          netErrors += 6 * p * p;
          netScale *= 1 - 0.6 * p;
          break;
      }
    }

    cpuUser = clamp(cpuUser, 0.5, 100 - steal);
    const cpuSystem = clamp(0.25 * cpuUser + 0.4 * white(), 0.2, 100);
    memUsed = clamp(memUsed, 5, 99.9);
    const busy = cpuUser + cpuSystem + iowait;
    const load1 = Math.max(0.01, ((cores * busy) / 100) * 1.1 + 0.15 * Math.abs(white()) + (psiCpuExtra / 30) * cores);
    return {
      cpu_user_pct: cpuUser,
      cpu_system_pct: cpuSystem,
      cpu_iowait_pct: clamp(iowait, 0, 100),
      cpu_steal_pct: clamp(steal, 0, 100),
      load1,
      run_queue: Math.max(0, load1 * 0.8 + 0.3 * white()),
      mem_used_pct: memUsed,
      mem_cached_pct: clamp(cached, 0.5, 60),
      swap_used_pct: clamp(swap, 0, 100),
      page_faults_minor_per_s: Math.max(0, minorFaults),
      page_faults_major_per_s: majorFaults,
      psi_cpu_some_avg10: clamp(Math.max(0, busy + steal - 65) * 0.6 + psiCpuExtra + 0.3 * Math.abs(white()), 0, 100),
      psi_memory_some_avg10: clamp(80 * Math.pow(Math.max(0, memUsed - 85) / 15, 2) + 0.05 * Math.abs(white()), 0, 100),
      psi_io_some_avg10: clamp(iowait * 0.8 + 0.2 * Math.abs(white()), 0, 100),
      disk_used_pct: clamp(diskUsed, 0, 100),
      disk_read_bytes_per_s: Math.max(0, diskRead),
      disk_write_bytes_per_s: Math.max(0, diskWrite),
      disk_iops: Math.max(0, (diskRead + diskWrite) / 32_768),
      disk_await_ms: Math.max(0.1, 1.2 + 2 * L * s.io + 0.2 * white()),
      disk_util_pct: clamp(8 + 35 * L * s.io + 2 * white(), 0, 100),
      net_rx_bytes_per_s: Math.max(0, netScale * 1.2e6 * (0.1 + L)),
      net_tx_bytes_per_s: Math.max(0, netScale * 0.8e6 * (0.1 + L)),
      net_retrans_per_s: retrans,
      net_errors_per_s: Math.max(0, netErrors),
      net_latency_ms: Math.max(0.05, latency),
    };
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
