import { AnomalyDetector } from '../anomaly/index.ts';
import { evidenceByKind, ExhaustionForecaster, FailurePredictor, IncidentCorrelator } from '../analysis/index.ts';
import { candidateActions, WhatIfSimulation, type WhatIfAction } from '../analysis/what-if.ts';
import type { FailureKind, Resource, Sample } from '../core/types.ts';
import type { RegularSeries } from '../features/index.ts';
import { DEFAULT_LSTM_OPTIONS, LstmTwinRunner } from '../twin/index.ts';
import { trainLstmTwin } from '../twin/lstm/lstm-training.ts';
import { weightsFromArtifacts } from '../twin/lstm/artifacts.ts';
import type { TfBackend } from '../twin/lstm/tf-backend.ts';

const MIN = 60_000;
export const HOUR = 60 * MIN;

/** Per instance, per minute: the 1-hour failure probability per kind. */
export type ProbabilityTrace = Map<string, { ts: number; crash: number; outage: number }[]>;

interface Twin {
  runner: LstmTwinRunner;
  detector: AnomalyDetector;
}

/**
 * Twin's analysis pipeline run offline, minute by minute, for evaluations: per instance a trained
 * twin and its anomaly detector; incidents and root causes; the trend forecast; the learned failure
 * model, re-fitted on the failures recorded so far; what-if on demand. The same parts the sidecar
 * wires, without its clock, store or server.
 */
export class FailurePipeline {
  readonly correlator = new IncidentCorrelator();
  // Samples come a minute apart here (the product sees 1 Hz): the trends are fitted on the last hour.
  readonly forecaster = new ExhaustionForecaster({ horizonMs: HOUR, lookbackMs: HOUR });
  readonly predictor = new FailurePredictor({ horizonsMs: [HOUR] });
  /** The learned model's predictions, and the trend forecast's alone (the model's prior). */
  readonly learned: ProbabilityTrace = new Map();
  readonly trend: ProbabilityTrace = new Map();
  readonly failures: { instance: string; ts: number; kind: FailureKind }[] = [];
  private readonly twins = new Map<string, Twin>();
  private readonly lastScore = new Map<string, number>();
  private readonly twinRisk = new Map<string, Record<FailureKind, number>>();
  private lastRefit = -Infinity;

  constructor(
    private readonly labels: (instance: string) => Record<string, string | undefined> | undefined = () => undefined
  ) {}

  /** Trains the instance's twin on its history and primes it with the history's last rows; the seconds it took. */
  async addTwin(instance: string, series: RegularSeries, epochs: number, backend: TfBackend): Promise<number> {
    const started = performance.now();
    const { model, artifacts } = await trainLstmTwin({
      instance,
      version: 'v0001',
      series,
      options: { ...DEFAULT_LSTM_OPTIONS, maxEpochs: epochs },
      backend,
    });
    const runner = new LstmTwinRunner(model, weightsFromArtifacts(artifacts, model.network));
    const rows = series.values[0]?.length ?? 0;
    for (let r = Math.max(0, rows - model.network.window - model.features.aggregates.steps - 2); r < rows; r++)
      runner.step(
        series.from + r * series.stepMs,
        Object.fromEntries(series.metrics.map((m, c) => [m, series.values[c]![r]!]))
      );
    const detector = AnomalyDetector.forTwin(instance, model);
    detector.on('opened', (e) => this.correlator.add(e));
    detector.on('closed', (e) => this.correlator.add(e));
    this.twins.set(instance, {
      runner,
      detector,
    });
    return (performance.now() - started) / 1000;
  }

  /** One minute of the fleet: scores, incidents, forecasts and a prediction per instance. */
  tick(ts: number, samples: readonly Sample[]): void {
    this.forecaster.observe(samples, ts);
    for (const s of samples) {
      const twin = this.twins.get(s.instance);
      const step = twin?.runner.step(s.ts, s.values);
      if (step)
        this.lastScore.set(s.instance, twin!.detector.score(s.ts, step.scores, () => step.levels ?? {}).instanceScore);
    }
    if (ts % (10 * MIN) === 0) this.correlator.correlateFleet(this.labels, ts);
    const trendP = new Map<string, Record<FailureKind, number>>();
    const causes = new Map<string, { resource: Resource; probability: number; evidence: string }[]>();
    for (const f of this.forecaster.evaluate(ts)) {
      const byKind = trendP.get(f.instance) ?? { crash: 0, outage: 0 };
      byKind[f.kind] = f.probability;
      trendP.set(f.instance, byKind);
      causes.set(f.instance, [...(causes.get(f.instance) ?? []), ...f.causes]);
    }
    for (const [instance, c] of causes) this.correlator.noteTrends(instance, c, ts);
    for (const [instance, twin] of this.twins) {
      const p = trendP.get(instance) ?? { crash: 0, outage: 0 };
      // Where the twin, rolled forward and joined with the trends, takes the resources (every 5 minutes).
      if (ts % (5 * MIN) === 0) this.twinRisk.set(instance, this.extrapolate(instance, ts));
      const predictions = this.predictor.observe(
        instance,
        ts,
        evidenceByKind({
          now: ts,
          horizonMs: HOUR,
          trend: p,
          twin: this.twinRisk.get(instance) ?? { crash: 0, outage: 0 },
          anomalyScore: this.lastScore.get(instance) ?? 0,
          incidentOpen: twin.detector.inIncident,
          incident: this.correlator.incidents(instance)[0],
        })
      );
      const of = (kind: FailureKind) => predictions.find((x) => x.kind === kind)!.probability;
      push(this.learned, instance, { ts, crash: of('crash'), outage: of('outage') });
      push(this.trend, instance, { ts, crash: p.crash, outage: p.outage });
    }
    // The product re-fits when failures are recorded; here at most every 6 simulated hours, for speed.
    if (this.failures.length && ts - this.lastRefit >= 6 * HOUR) {
      this.predictor.refit(ts);
      this.lastRefit = ts;
    }
  }

  /** The failure risk of the twin's own forecast over the next hour, joined with the resources' trends. */
  private extrapolate(instance: string, now: number): Record<FailureKind, number> {
    try {
      return this.simulation(instance, now).plain.risk.probability;
    } catch {
      return { crash: 0, outage: 0 }; // too little history to forecast yet
    }
  }

  recordFailure(instance: string, ts: number, kind: FailureKind): void {
    this.failures.push({ instance, ts, kind });
    this.predictor.recordFailure(instance, ts, kind);
  }

  /**
   * What the pipeline blames now for a failure in the making: the resources and metrics of the
   * instance's incident since `since`, or without one the resources its trend forecast sees rising.
   */
  rootCauses(instance: string, now: number, since: number): { resources: string[]; metrics: string[] } {
    const incident = this.correlator.incidents(instance).find((i) => i.start <= now && i.end >= since);
    if (incident)
      return { resources: incident.rootCauses.map((c) => c.resource), metrics: incident.metrics.map((m) => m.metric) };
    const resources = this.forecaster
      .forecast(instance, now)
      .flatMap((f) => f.causes)
      .filter((c) => c.probability >= 0.05)
      .sort((a, b) => b.probability - a.probability)
      .map((c) => c.resource);
    return { resources, metrics: [] };
  }

  /** What-if over the next hour for every candidate action, ranked by the drop of the worst failure kind. */
  whatIfRanking(instance: string, now: number): { action: WhatIfAction; drop: number }[] {
    return this.simulation(instance, now).rank(candidateActions([]));
  }

  /** The instance's twin over the next hour, joined with its resources' trends now. */
  private simulation(instance: string, now: number): WhatIfSimulation {
    const trends = this.forecaster.forecast(instance, now).flatMap((f) => f.causes);
    return new WhatIfSimulation(this.twins.get(instance)!.runner, trends, 60);
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}
