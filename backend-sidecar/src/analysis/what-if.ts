import type { FailureKind, Resource } from '../core/types.ts';
import type { ForecastEffect, TwinForecast } from '../twin/index.ts';
import { EXHAUSTIBLE, normalCdf } from './exhaustion-forecaster.ts';

/** An action an operator can take on an instance, as the what-if simulation applies it. */
export type WhatIfAction =
  | { type: 'add-memory'; percent: number }
  | { type: 'add-cpu'; percent: number }
  | { type: 'expand-disk'; percent: number }
  | { type: 'migrate-host' }
  | { type: 'restart' };

// The metrics a capacity change rescales (shares of that capacity), and those a move or a restart resets.
const MEMORY_SHARE = /^(mem_used_pct|swap_used_pct|psi_memory)/;
const CPU_SHARE = /^(cpu_(user|system|irq)_pct|psi_cpu)/;
const DISK_SHARE = /^(disk_used_pct|fs_used_pct)/;
const HOST_BOUND = /^(cpu_steal_pct|net_latency_ms)/;
const PROCESS_STATE = /^(mem_used_pct|swap_used_pct|page_faults_major)/;

/**
 * What actions do to the values the twin feeds itself: a capacity increase of p % divides the
 * metric's level at once and its moves from then on by 1 + p/100 (the same bytes are a smaller share
 * of more memory); a move to another host brings steal and network latency back to the instance's
 * normal level (its training median), a restart does so for memory; from there the twin's own
 * dynamics carry on.
 */
export function effectOf(
  actions: readonly WhatIfAction[],
  normal: (metric: string) => number | undefined
): ForecastEffect {
  const factor = (metric: string) => {
    let f = 1;
    for (const a of actions) {
      if (a.type === 'add-memory' && MEMORY_SHARE.test(metric)) f *= 1 + a.percent / 100;
      if (a.type === 'add-cpu' && CPU_SHARE.test(metric)) f *= 1 + a.percent / 100;
      if (a.type === 'expand-disk' && DISK_SHARE.test(metric)) f *= 1 + a.percent / 100;
    }
    return f;
  };
  const resets = (metric: string) =>
    actions.some(
      (a) =>
        (a.type === 'migrate-host' && HOST_BOUND.test(metric)) || (a.type === 'restart' && PROCESS_STATE.test(metric))
    );
  return {
    initial: (metric, value) => {
      const base = resets(metric) ? (normal(metric) ?? value) : value;
      return base / factor(metric);
    },
    step: (metric, predicted, previous) => previous + (predicted - previous) / factor(metric),
    // A move leaves the old host's trouble behind: steal or a degrading path stop drifting.
    drift: (metric) => (actions.some((a) => a.type === 'migrate-host') && HOST_BOUND.test(metric) ? 0 : 1),
  };
}

/** Where a resource is heading by its recent trend (the exhaustion forecast's fit). */
export interface ResourceTrend {
  metric: string;
  current: number;
  /** Per minute, in the metric's unit (log units for a resource forecast on a log scale). */
  slopePerMin: number;
}

/**
 * The twin's trajectories joined with the recent trends of the exhaustible resources: the twin
 * knows the instance's normal dynamics, not a drift it never saw in training (a leak, a filling
 * disk); so each such metric follows whichever is higher, the twin's values or its trend, the trend
 * carried forward under the same effect as the twin's inputs (more memory divides a leak's level
 * and rate; a restart starts it again from normal).
 */
export function withTrends(
  forecast: TwinForecast,
  trends: readonly ResourceTrend[],
  effect: ForecastEffect = {}
): TwinForecast {
  const metrics = { ...forecast.metrics };
  const steps = Math.max(0, ...Object.values(forecast.metrics).map((m) => m.values.length));
  for (const t of trends) {
    if (!(t.slopePerMin > 0)) continue;
    // A trend the action stops still starts from where the action puts the level.
    const resource = EXHAUSTIBLE.find((r) => r.metric === t.metric);
    if (!resource) continue;
    const perStep = ((t.slopePerMin * forecast.stepMs) / 60_000) * (effect.drift?.(t.metric) ?? 1);
    const toValue = (x: number) => (resource.logScale ? Math.exp(x) : x);
    const fromValue = (v: number) => (resource.logScale ? Math.log(Math.max(v, 1e-9)) : v);
    const twin = metrics[t.metric];
    const values: number[] = [];
    let level = fromValue(t.current);
    for (let s = 0; s < steps; s++) {
      const next = toValue(level + perStep);
      const previous = toValue(level);
      const moved =
        s === 0 ? (effect.initial?.(t.metric, next) ?? next) : (effect.step?.(t.metric, next, previous) ?? next);
      level = fromValue(moved);
      values.push(Math.max(moved, twin?.values[s] ?? -Infinity));
    }
    metrics[t.metric] = { values, error: twin?.error ?? Math.abs(perStep) };
  }
  return { ...forecast, metrics };
}

export interface TrajectoryRisk {
  /** Probability of each failure kind within the horizon. */
  probability: Record<FailureKind, number>;
  /** The same with the trajectories one (90 %) error band lower and higher. */
  interval: Record<FailureKind, [number, number]>;
  confidence: number;
  /** Per exhaustible resource the twin forecasts: its probability of running out and when it is forecast to. */
  resources: { resource: Resource; metric: string; kind: FailureKind; probability: number; etaMs?: number }[];
}

/**
 * Failure risk of a forecast: for each exhaustible resource the twin forecasts, the chance that it
 * reaches its limit at some step (its forecast error growing with the square root of the steps),
 * combined per failure kind as independent resources.
 */
export function riskOf(forecast: TwinForecast): TrajectoryRisk {
  const resources: TrajectoryRisk['resources'] = [];
  const atShift = (shift: number) => {
    const byKind: Record<FailureKind, number> = { crash: 0, outage: 0 };
    const survive: Record<FailureKind, number> = { crash: 1, outage: 1 };
    for (const r of EXHAUSTIBLE) {
      const m = forecast.metrics[r.metric];
      if (!m) continue;
      let p = 0;
      let etaMs: number | undefined;
      m.values.forEach((v, s) => {
        const sigma = Math.max(1e-9, m.error * Math.sqrt(s + 1));
        const q = 1 - normalCdf((r.limit - (v + shift * 1.645 * sigma)) / sigma);
        if (q > p) p = q;
        if (etaMs === undefined && v >= r.limit) etaMs = (s + 1) * forecast.stepMs;
      });
      survive[r.kind] *= 1 - p;
      if (shift === 0)
        resources.push({
          resource: r.resource,
          metric: r.metric,
          kind: r.kind,
          probability: p,
          ...(etaMs ? { etaMs } : {}),
        });
    }
    for (const kind of ['crash', 'outage'] as const) byKind[kind] = 1 - survive[kind];
    return byKind;
  };
  const probability = atShift(0);
  const low = atShift(-1);
  const high = atShift(1);
  const interval = {
    crash: [low.crash, high.crash] as [number, number],
    outage: [low.outage, high.outage] as [number, number],
  };
  const widest = Math.max(interval.crash[1] - interval.crash[0], interval.outage[1] - interval.outage[0]);
  return {
    probability,
    interval,
    confidence: 1 - widest,
    resources: resources.sort((a, b) => b.probability - a.probability),
  };
}

/** The actions worth simulating for an incident's root causes (all of them when none is known). */
export function candidateActions(causes: readonly string[]): WhatIfAction[] {
  const all: Record<string, WhatIfAction[]> = {
    memory: [{ type: 'add-memory', percent: 50 }, { type: 'restart' }],
    cpu: [{ type: 'add-cpu', percent: 50 }],
    disk: [{ type: 'expand-disk', percent: 50 }],
    host: [{ type: 'migrate-host' }],
    network: [{ type: 'migrate-host' }],
  };
  const picked = (causes.length ? causes : Object.keys(all)).flatMap((c) => all[c] ?? []);
  return picked.filter((a, i) => picked.findIndex((b) => JSON.stringify(b) === JSON.stringify(a)) === i);
}

/** A forecast and its failure risk. */
export interface Simulated {
  forecast: TwinForecast;
  risk: TrajectoryRisk;
}

/** An action with the failure probability the simulation predicts with it, and the drop from without. */
export interface RankedAction {
  action: WhatIfAction;
  /** The worst failure kind's probability with the action. */
  probability: number;
  /** How much lower that is than without it. */
  drop: number;
  confidence: number;
}

/** The part of a twin a simulation needs: its features' normal levels and its own forecast. */
export interface ForecastingTwin {
  readonly model: { features: { inputs: readonly { metric: string; center: number }[] } };
  forecast(steps: number, effect?: ForecastEffect): TwinForecast;
}

const worstOf = (r: TrajectoryRisk) => Math.max(r.probability.crash, r.probability.outage);

/**
 * What-if for one instance: its twin rolled forward `steps` steps, joined with the resources'
 * trends, as it is or under actions; the plain run is done once and shared by every comparison.
 */
export class WhatIfSimulation {
  private readonly normal: Map<string, number>;
  private plainRun: Simulated | undefined;

  constructor(
    private readonly twin: ForecastingTwin,
    private readonly trends: readonly ResourceTrend[],
    readonly steps: number
  ) {
    this.normal = new Map(twin.model.features.inputs.map((i) => [i.metric, i.center]));
  }

  /** Without any action. */
  get plain(): Simulated {
    return (this.plainRun ??= this.run(this.twin.forecast(this.steps), undefined));
  }

  /** Under the actions (the plain run when there are none). */
  simulate(actions: readonly WhatIfAction[]): Simulated {
    if (actions.length === 0) return this.plain;
    const effect = effectOf(actions, (m) => this.normal.get(m));
    return this.run(this.twin.forecast(this.steps, effect), effect);
  }

  /** Each action alone, ranked by how much it lowers the worst failure kind's probability. */
  rank(actions: readonly WhatIfAction[]): RankedAction[] {
    const before = worstOf(this.plain.risk);
    return actions
      .map((action) => {
        const risk = this.simulate([action]).risk;
        return { action, probability: worstOf(risk), drop: before - worstOf(risk), confidence: risk.confidence };
      })
      .sort((a, b) => b.drop - a.drop);
  }

  private run(forecast: TwinForecast, effect: ForecastEffect | undefined): Simulated {
    const joined = withTrends(forecast, this.trends, effect);
    return { forecast: joined, risk: riskOf(joined) };
  }
}
