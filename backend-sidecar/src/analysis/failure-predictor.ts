import type { FailureKind } from '../core/types.ts';
import type { FindingEvidence } from './exhaustion-forecaster.ts';
import type { Incident } from './incident-correlator.ts';
import {
  FailureModel,
  featuresOf,
  type FailureEvidence,
  type FailurePrediction,
  type FitSummary,
} from './failure-model.ts';

export const FAILURE_KINDS: readonly FailureKind[] = ['crash', 'outage'];

export interface KindPrediction extends FailurePrediction {
  kind: FailureKind;
  horizonMs: number;
}

interface Moment {
  ts: number;
  /** Float32: a week of moments a minute is about 1 MB per instance this way, twice that in float64. */
  x: Record<FailureKind, Float32Array>;
}

export interface FailurePredictorOptions {
  horizonsMs: readonly number[];
  /** How long moments are kept to learn from (per instance). */
  keepMs?: number;
}

/**
 * The learned failure model of the fleet, one per failure kind and horizon: it keeps each instance's
 * evidence at regular moments, labels the moments by whether a failure of the kind followed within
 * the horizon once the horizon has passed, and re-fits when failures are recorded. Moments whose
 * horizon is still running are not used, failed or not.
 */
export class FailurePredictor {
  private readonly moments = new Map<string, Moment[]>();
  private readonly failures = new Map<string, { ts: number; kind: FailureKind }[]>();
  readonly models = new Map<string, FailureModel>();
  private readonly keepMs: number;

  constructor(private readonly options: FailurePredictorOptions) {
    this.keepMs = options.keepMs ?? 7 * 86_400_000;
    for (const kind of FAILURE_KINDS)
      for (const h of options.horizonsMs) this.models.set(key(kind, h), new FailureModel());
  }

  /** Records an instance's evidence at `ts` and returns its predictions for every kind and horizon. */
  observe(instance: string, ts: number, evidence: Record<FailureKind, FailureEvidence>): KindPrediction[] {
    const list = this.moments.get(instance) ?? [];
    this.moments.set(instance, list);
    list.push({
      ts,
      x: {
        crash: Float32Array.from(featuresOf(evidence.crash)),
        outage: Float32Array.from(featuresOf(evidence.outage)),
      },
    });
    while (list.length && list[0]!.ts < ts - this.keepMs) list.shift();
    return this.predict(evidence);
  }

  /**
   * Per kind, the horizons in ascending order, each at least as likely as the one before (a failure
   * within the hour is a failure within the day: each horizon's model alone need not say so).
   */
  predict(evidence: Record<FailureKind, FailureEvidence>): KindPrediction[] {
    const horizons = [...this.options.horizonsMs].sort((a, b) => a - b);
    return FAILURE_KINDS.flatMap((kind) => {
      let shorter: KindPrediction | undefined;
      return horizons.map((horizonMs) => {
        const own = this.models.get(key(kind, horizonMs))!.predict(evidence[kind]);
        const interval: [number, number] = shorter
          ? [Math.max(shorter.interval[0], own.interval[0]), Math.max(shorter.interval[1], own.interval[1])]
          : own.interval;
        shorter = {
          kind,
          horizonMs,
          ...own,
          probability: Math.max(shorter?.probability ?? 0, own.probability),
          interval,
          confidence: 1 - (interval[1] - interval[0]),
        };
        return shorter;
      });
    });
  }

  recordFailure(instance: string, ts: number, kind: FailureKind): void {
    const list = this.failures.get(instance) ?? [];
    list.push({ ts, kind });
    this.failures.set(instance, list);
  }

  /** Re-fits every model on the moments whose outcome is known at `now`. */
  refit(now: number): Record<string, FitSummary> {
    const out: Record<string, FitSummary> = {};
    for (const kind of FAILURE_KINDS)
      for (const h of this.options.horizonsMs) {
        const examples: { x: Float32Array; y: 0 | 1; ts: number }[] = [];
        let recorded = 0;
        for (const [instance, moments] of this.moments) {
          const failures = (this.failures.get(instance) ?? []).filter((f) => f.kind === kind);
          recorded += failures.filter((f) => f.ts <= now - h).length;
          for (const m of moments) {
            // Only moments whose horizon has passed: counting the ones that already failed but not
            // the ones still waiting would make failures look common right after one.
            if (m.ts + h > now) continue;
            const failed = failures.some((f) => f.ts > m.ts && f.ts <= m.ts + h);
            // Moments while the instance is down (a failure just before) say nothing about the next one.
            if (failures.some((f) => f.ts <= m.ts && f.ts > m.ts - 5 * 60_000)) continue;
            examples.push({ x: m.x[kind], y: failed ? 1 : 0, ts: m.ts });
          }
        }
        out[key(kind, h)] = this.fitJudged(key(kind, h), examples, recorded);
      }
    return out;
  }

  /**
   * Fits on the earlier 70 % of the moments (in time) and keeps the fit only when it predicts the
   * later 30 % better than the prior does (then re-fitted on all of them); otherwise the model
   * stays the prior. A few failures must not teach the model something that the next ones refute.
   */
  private fitJudged(
    name: string,
    examples: { x: Float32Array; y: 0 | 1; ts: number }[],
    failures: number
  ): FitSummary & { adopted: boolean } {
    examples.sort((a, b) => a.ts - b.ts);
    const cut = Math.floor(examples.length * 0.7);
    const candidate = new FailureModel();
    candidate.fit(examples.slice(0, cut));
    const prior = new FailureModel();
    const held = examples.slice(cut);
    const adopted = held.some((e) => e.y === 1) && candidate.logLoss(held) < prior.logLoss(held);
    const model = new FailureModel();
    const summary = adopted
      ? model.fit(examples, undefined, failures)
      : { ...prior.fit([]), examples: examples.length, positives: examples.filter((e) => e.y === 1).length };
    this.models.set(name, adopted ? model : prior);
    return { ...summary, adopted };
  }
}

function key(kind: FailureKind, horizonMs: number): string {
  return `${kind}/${horizonMs}`;
}

/** What is known of an instance at a moment, from which its failure evidence per kind is drawn. */
export interface EvidenceSources {
  now: number;
  horizonMs: number;
  /** The trend forecast's probability per kind, and the twin's own extrapolation's. */
  trend: Record<FailureKind, number>;
  twin: Record<FailureKind, number>;
  anomalyScore: number;
  incidentOpen: boolean;
  /** The instance's latest incident, if any (it counts while open or within a horizon of its end). */
  incident?: Incident | undefined;
  /** The findings of its latest report, when that report is recent enough to count. */
  findings?: readonly FindingEvidence[];
}

/** The failure model's evidence per kind, the same way for the sidecar and its evaluation. */
export function evidenceByKind(s: EvidenceSources): Record<FailureKind, FailureEvidence> {
  const recent = s.incident && (s.incident.open || s.incident.end > s.now - s.horizonMs) ? s.incident : undefined;
  const findings = s.findings ?? [];
  const finding = findings.some((f) => f.severity === 'critical')
    ? ('critical' as const)
    : findings.some((f) => f.severity === 'warning')
      ? ('warning' as const)
      : undefined;
  const of = (kind: FailureKind): FailureEvidence => ({
    trendProbability: s.trend[kind],
    twinProbability: s.twin[kind],
    anomalyScore: s.anomalyScore,
    incidentOpen: s.incidentOpen,
    rootCause: recent?.rootCauses[0]?.resource,
    finding,
  });
  return { crash: of('crash'), outage: of('outage') };
}
