import { EventEmitter } from 'node:events';
import { linearTrend } from '../features/index.ts';
import type { FailureKind, Resource, Sample } from '../core/types.ts';
import { TRENDS } from './parameters.ts';

/** A resource whose exhaustion ends in a failure: the metric that measures it and where it breaks. */
export interface ExhaustibleResource {
  resource: Resource;
  metric: string;
  kind: FailureKind;
  /** Value at which the instance fails. */
  limit: number;
  /** Forecast on log(value) (growth that compounds, like latency). */
  logScale?: boolean;
  unit: string;
}

/** The resources whose exhaustion ends in a failure, the metric that measures each and its limit. */
export const EXHAUSTIBLE: readonly ExhaustibleResource[] = [
  { resource: 'memory', metric: 'mem_used_pct', kind: 'crash', limit: 99, unit: '%' },
  { resource: 'disk', metric: 'disk_used_pct', kind: 'outage', limit: 99.5, unit: '%' },
  { resource: 'network', metric: 'net_latency_ms', kind: 'outage', limit: 250, logScale: true, unit: 'ms' },
];

export interface ResourceForecast {
  resource: Resource;
  metric: string;
  kind: FailureKind;
  /** Probability that the resource runs out within the horizon. */
  probability: number;
  /** Probability range from the trend's uncertainty (slope +/- one standard error). */
  interval: [number, number];
  /** 0..1: how much evidence is behind the forecast (points and fit quality). */
  confidence: number;
  current: number;
  /** Per minute, in the metric's unit. */
  slopePerMin: number;
  /** Expected time to exhaustion in ms, when the trend points there. */
  etaMs?: number | undefined;
  evidence: string;
}

export interface FailureForecast {
  instance: string;
  ts: number;
  horizonMs: number;
  kind: FailureKind;
  probability: number;
  interval: [number, number];
  confidence: number;
  /** The resources behind the forecast, most likely first. */
  causes: ResourceForecast[];
}

export interface ForecasterEvents {
  forecast: [FailureForecast];
  alert: [FailureForecast];
  clear: [FailureForecast];
}

export interface ForecasterOptions {
  horizonMs: number;
  /** How much recent history the trends are fitted on. */
  lookbackMs?: number;
  alertAbove?: number;
  clearBelow?: number;
}

/** What the forecaster needs of a report finding: the resources it implicates and how bad it is. */
export interface FindingEvidence {
  id: string;
  title: string;
  severity: 'info' | 'warning' | 'critical';
  resources: readonly string[];
}

/**
 * How likely a resource is to run out within the horizon on the word of a recent report finding
 * alone (an OOM kill says memory is at its limit whatever the trend shows). Priors until the learned
 * failure model replaces them.
 */
const FINDING_PROBABILITY = TRENDS.findingProbability.value;

interface History {
  ts: number[];
  values: Map<string, number[]>;
  /** The instance's sampling interval, a running average of the gaps between its samples. */
  intervalMs?: number;
}

/** Samples a trend needs before it is forecast. */
const MIN_TREND_SAMPLES = TRENDS.minTrendSamples.value;
/** The longest a trend's lookback grows to for an instance that reports seldom. */
const MAX_LOOKBACK_MS = TRENDS.maxLookbackMs.value;

/**
 * Forecasts failures from where resources are heading: fits the recent trend of each exhaustible
 * resource and gives the probability that it reaches its limit within the horizon, from the trend
 * and its uncertainty. (The learned failure model comes on top of this.)
 */
export class ExhaustionForecaster extends EventEmitter<ForecasterEvents> {
  private readonly histories = new Map<string, History>();
  private readonly alerting = new Map<string, boolean>();
  private readonly findings = new Map<string, (FindingEvidence & { ts: number })[]>();
  private readonly lookbackMs: number;

  constructor(private readonly options: ForecasterOptions) {
    super();
    this.lookbackMs = options.lookbackMs ?? 20 * 60_000;
  }

  observe(samples: readonly Sample[], now = Date.now()): void {
    const oldest = now - this.lookbackMs;
    for (const s of samples) {
      if (s.ts < oldest) continue; // history being loaded is not a live trend
      let h = this.histories.get(s.instance);
      if (!h) this.histories.set(s.instance, (h = { ts: [], values: new Map() }));
      const lastTs = h.ts[h.ts.length - 1];
      if (lastTs !== undefined && s.ts <= lastTs) continue;
      if (lastTs !== undefined) {
        // One long gap (an agent that was down) barely moves it; a slower rate takes over within samples.
        const gap = Math.min(s.ts - lastTs, 4 * (h.intervalMs ?? Infinity));
        h.intervalMs = h.intervalMs === undefined ? gap : h.intervalMs + 0.1 * (gap - h.intervalMs);
      }
      h.ts.push(s.ts);
      for (const r of EXHAUSTIBLE) {
        let list = h.values.get(r.metric);
        if (!list) h.values.set(r.metric, (list = new Array(h.ts.length - 1).fill(NaN)));
        list.push(s.values[r.metric] ?? NaN);
      }
      const cutoff = s.ts - this.lookbackOf(h);
      let drop = 0;
      while (drop < h.ts.length && h.ts[drop]! < cutoff) drop++;
      if (drop > 0) {
        h.ts.splice(0, drop);
        for (const list of h.values.values()) list.splice(0, drop);
      }
    }
  }

  /**
   * How far back an instance's trend reaches: the configured lookback, or, for an instance that
   * reports seldom (every minute or five, as Telegraf or CloudWatch may), as long as its trend
   * needs to hold enough samples, up to 6 hours.
   */
  private lookbackOf(h: History): number {
    const enough = (MIN_TREND_SAMPLES + 1) * (h.intervalMs ?? 0);
    return Math.max(this.lookbackMs, Math.min(enough, MAX_LOOKBACK_MS));
  }

  /** Report findings of an instance: evidence for the resources they implicate, for one horizon. */
  noteFindings(instance: string, findings: readonly FindingEvidence[], ts: number): void {
    const kept = (this.findings.get(instance) ?? []).filter((f) => f.ts > ts - this.options.horizonMs);
    for (const f of findings) kept.push({ id: f.id, title: f.title, severity: f.severity, resources: f.resources, ts });
    this.findings.set(instance, kept);
  }

  /** Forgets an instance's trend (after a restart the old trend no longer holds). */
  reset(instance: string): void {
    this.histories.delete(instance);
  }

  forecast(instance: string, now: number): FailureForecast[] {
    const h = this.histories.get(instance);
    if (!h || h.ts.length < MIN_TREND_SAMPLES) return [];
    const byKind = new Map<FailureKind, ResourceForecast[]>();
    for (const r of EXHAUSTIBLE) {
      const values = h.values.get(r.metric);
      if (!values) continue;
      const trend = forecastResource(r, h.ts, values, now, this.options.horizonMs);
      if (!trend) continue;
      const f = this.withFindings(instance, trend, now);
      const list = byKind.get(r.kind) ?? [];
      list.push(f);
      byKind.set(r.kind, list);
    }
    const out: FailureForecast[] = [];
    for (const [kind, causes] of byKind) {
      causes.sort((a, b) => b.probability - a.probability);
      // Independent resources: the instance survives only if none runs out.
      const survive = causes.reduce((p, c) => p * (1 - c.probability), 1);
      const surviveLo = causes.reduce((p, c) => p * (1 - c.interval[0]), 1);
      const surviveHi = causes.reduce((p, c) => p * (1 - c.interval[1]), 1);
      out.push({
        instance,
        ts: now,
        horizonMs: this.options.horizonMs,
        kind,
        probability: 1 - survive,
        interval: [1 - surviveLo, 1 - surviveHi],
        confidence: causes[0]!.confidence,
        causes,
      });
    }
    return out;
  }

  /** A resource forecast raised by the instance's recent findings that implicate the resource. */
  private withFindings(instance: string, f: ResourceForecast, now: number): ResourceForecast {
    const recent = (this.findings.get(instance) ?? []).filter(
      (x) => x.ts > now - this.options.horizonMs && x.resources.includes(f.resource)
    );
    if (recent.length === 0) return f;
    const p = Math.max(...recent.map((x) => FINDING_PROBABILITY[x.severity]));
    const raise = (q: number) => 1 - (1 - q) * (1 - p);
    return {
      ...f,
      probability: raise(f.probability),
      interval: [raise(f.interval[0]), raise(f.interval[1])],
      evidence: `${f.evidence}; report: ${[...new Set(recent.map((x) => x.title))].join(', ')}`,
    };
  }

  /** Forecasts every instance seen and emits alerts when a probability crosses the thresholds. */
  evaluate(now = Date.now()): FailureForecast[] {
    const all: FailureForecast[] = [];
    const above = this.options.alertAbove ?? 0.5;
    const below = this.options.clearBelow ?? 0.3;
    for (const instance of this.histories.keys()) {
      for (const f of this.forecast(instance, now)) {
        all.push(f);
        this.emit('forecast', f);
        const key = `${instance}/${f.kind}`;
        const wasAlerting = this.alerting.get(key) ?? false;
        if (!wasAlerting && f.probability >= above) {
          this.alerting.set(key, true);
          this.emit('alert', f);
        } else if (wasAlerting && f.probability < below) {
          this.alerting.set(key, false);
          this.emit('clear', f);
        }
      }
    }
    return all;
  }
}

function forecastResource(
  r: ExhaustibleResource,
  ts: readonly number[],
  raw: readonly number[],
  now: number,
  horizonMs: number
): ResourceForecast | undefined {
  const stride = Math.max(1, Math.floor(ts.length / 300));
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < ts.length; i += stride) {
    const v = raw[i]!;
    if (!Number.isFinite(v) || (r.logScale && v <= 0)) continue;
    x.push((ts[i]! - now) / 60_000);
    y.push(r.logScale ? Math.log(v) : v);
  }
  if (x.length < 10) return undefined;
  const fit = linearTrend(x, y);
  const level = fit.intercept; // at x = 0, i.e. now
  const limit = r.logScale ? Math.log(r.limit) : r.limit;
  const horizonMin = horizonMs / 60_000;
  const need = limit - level;
  const se = Math.max(fit.slopeStdErr, 1e-9);
  const pAt = (slope: number) => (need <= 0 ? 1 : 1 - normalCdf((need / horizonMin - slope) / se));
  const probability = pAt(fit.slope);
  const interval: [number, number] = [pAt(fit.slope - se), pAt(fit.slope + se)];
  const confidence = Math.max(0, Math.min(1, (fit.n / (fit.n + 60)) * (0.4 + 0.6 * Math.max(0, fit.r2))));
  const current = r.logScale ? Math.exp(level) : level;
  const slopePerMin = r.logScale ? current * fit.slope : fit.slope;
  const etaMs = fit.slope > 0 && need > 0 ? (need / fit.slope) * 60_000 : need <= 0 ? 0 : undefined;
  const trend = `${slopePerMin >= 0 ? '+' : ''}${slopePerMin.toFixed(slopePerMin > 10 ? 0 : 2)}${r.unit}/min`;
  return {
    resource: r.resource,
    metric: r.metric,
    kind: r.kind,
    probability,
    interval: [Math.min(...interval), Math.max(...interval)],
    confidence,
    current,
    slopePerMin,
    etaMs,
    evidence: `${r.metric} ${current.toFixed(1)}${r.unit}, ${trend}, limit ${r.limit}${r.unit}`,
  };
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 erf approximation, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(z) / Math.SQRT2));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(z * z) / 2);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
