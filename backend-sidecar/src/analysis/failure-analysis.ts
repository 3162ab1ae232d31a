import type { FailureEvent, FailureKind, Sample } from '../core/types.ts';
import { errors } from '../core/errors.ts';
import type { AnomalyEvent, InstanceLiveState } from '../anomaly/index.ts';
import type { AnomalyHistory, InstanceRecord } from '../store/index.ts';
import { LstmTwinRunner } from '../twin/index.ts';
import {
  EXHAUSTIBLE,
  ExhaustionForecaster,
  type FailureForecast,
  type FindingEvidence,
} from './exhaustion-forecaster.ts';
import { IncidentCorrelator, RECURRENCE, type Incident } from './incident-correlator.ts';
import { evidenceByKind, FailurePredictor, type KindPrediction } from './failure-predictor.ts';
import type { FailureEvidence } from './failure-model.ts';
import { candidateActions, WhatIfSimulation, type RankedAction, type Simulated, type WhatIfAction } from './what-if.ts';
import { FAILURE_ANALYSIS } from './parameters.ts';

/** An action recommended for an instance, with its simulated effect. */
export type RecommendedAction = RankedAction;

/** What the analysis reads of the live twins: each instance's runner, latest score and incident. */
export interface LiveTwins {
  state(instance: string): Pick<InstanceLiveState, 'runner' | 'lastScore' | 'detector'> | undefined;
  nextValues(instance: string): Record<string, number>;
}

/** One instance's twin outputs as they are written back beside its own series. */
export interface TwinOutputs {
  instance: string;
  predictions: readonly KindPrediction[];
  anomalyScore: number | undefined;
  /** The twin's next values of the exhaustible resources. */
  next: Record<string, number>;
}

export interface FailureAnalysisOptions {
  horizonMs: number;
  twins: LiveTwins;
  /** Where closed anomaly events are kept: an instance's incidents are rebuilt from it after a restart. */
  anomalies: Pick<AnomalyHistory<AnomalyEvent>, 'latest'>;
  log: { error(details: object, message: string): void };
}

/**
 * The failure analysis of the live fleet: resources' trends towards their limits, incidents with
 * their root causes, the learned failure model's predictions per kind and horizon, and the what-if
 * simulation of actions on an instance's twin. It holds what it learns in memory, fed by the
 * scoring stage's samples and anomalies, by reports' findings and by recorded failures.
 */
export class FailureAnalysis {
  readonly forecaster: ExhaustionForecaster;
  readonly incidents = new IncidentCorrelator();
  readonly predictor: FailurePredictor;
  private readonly forecasts = new Map<string, FailureForecast[]>();
  /** The learned failure model's latest predictions per instance (every kind, every horizon). */
  private readonly predictions = new Map<string, KindPrediction[]>();
  /** Each instance's findings from its latest report, joined with its incidents. */
  private readonly latestFindings = new Map<string, { time: number; findings: FindingEvidence[] }>();
  private refitting: Promise<void> | undefined;

  constructor(private readonly options: FailureAnalysisOptions) {
    this.forecaster = new ExhaustionForecaster({ horizonMs: options.horizonMs });
    this.predictor = new FailurePredictor({
      horizonsMs: [...new Set([options.horizonMs, FAILURE_ANALYSIS.longHorizonMs.value])].sort((a, b) => a - b),
    });
  }

  /** Fresh samples: the resources' trends follow them. */
  observe(samples: readonly Sample[]): void {
    this.forecaster.observe(samples);
  }

  /** An anomaly opened or closed: it joins (or starts) an incident, with the instance's latest findings. */
  correlate(event: AnomalyEvent): Incident {
    return this.incidents.add(event, this.latestFindings.get(event.instance)?.findings);
  }

  forecastsOf(instance: string): FailureForecast[] {
    return this.forecasts.get(instance) ?? [];
  }

  allForecasts(): IterableIterator<FailureForecast[]> {
    return this.forecasts.values();
  }

  predictionsOf(instance: string): KindPrediction[] | undefined {
    return this.predictions.get(instance);
  }

  allPredictions(): IterableIterator<[string, KindPrediction[]]> {
    return this.predictions.entries();
  }

  /** The instance's incidents, newest first (every instance's without one). */
  incidentsOf(instance?: string): Incident[] {
    return this.incidents.incidents(instance);
  }

  /** The resources' trends, at the forecaster's cadence; rising ones become evidence for the open incident. */
  evaluateForecasts(now = Date.now()): void {
    const updated = new Set<string>();
    for (const f of this.forecaster.evaluate(now)) {
      const list = (this.forecasts.get(f.instance) ?? []).filter((x) => x.kind !== f.kind);
      list.push(f);
      this.forecasts.set(f.instance, list);
      updated.add(f.instance);
    }
    for (const instance of updated)
      this.incidents.noteTrends(
        instance,
        this.forecasts.get(instance)!.flatMap((f) => f.causes),
        now
      );
  }

  /**
   * Incidents are kept in memory: an instance's incidents of the last week are rebuilt from its
   * anomaly history, so that after a restart its incidents, their root causes and what recurs daily
   * are known again (without the report findings they were joined with). A history that cannot be
   * read is logged, and the twin starts all the same.
   */
  async restoreIncidents(instance: string, now: number): Promise<void> {
    try {
      const from = now - RECURRENCE.lookbackDays * 86_400_000;
      const events = await this.options.anomalies.latest(
        instance,
        from,
        now + 1,
        FAILURE_ANALYSIS.incidentEventsRestored.value
      );
      // Oldest first, as they happened (the history's order), so that each joins or recurs as it did.
      for (const event of events) if (!this.incidents.incidentOf(event)) this.incidents.add(event);
    } catch (err) {
      this.options.log.error({ err, instance }, 'incidents could not be rebuilt from the anomaly history');
    }
  }

  /** A report's findings as evidence for the instance's failure analysis. */
  noteFindings(instance: string, time: number, findings: FindingEvidence[]): void {
    this.forecaster.noteFindings(instance, findings, time);
    const latest = this.latestFindings.get(instance);
    if (!latest || latest.time <= time) this.latestFindings.set(instance, { time, findings });
  }

  /** The instance failed: its trends start again. */
  forgetTrends(instance: string): void {
    this.forecaster.reset(instance);
  }

  /** The failure model learns from a recorded failure (re-fitted off the request path). */
  learnFailure(event: FailureEvent): void {
    this.predictor.recordFailure(event.instance, event.ts, event.kind);
    this.scheduleRefit();
  }

  /** What the failure model reads of an instance now, per failure kind. */
  failureEvidence(
    instance: string,
    now = Date.now(),
    reportFindings?: readonly FindingEvidence[]
  ): Record<FailureKind, FailureEvidence> {
    const live = this.options.twins.state(instance);
    const latest = this.latestFindings.get(instance);
    const forecasts = this.forecasts.get(instance) ?? [];
    const trend = (kind: FailureKind) => forecasts.find((f) => f.kind === kind)?.probability ?? 0;
    const { horizonMs } = this.options;
    return evidenceByKind({
      now,
      horizonMs,
      trend: { crash: trend('crash'), outage: trend('outage') },
      twin: this.extrapolate(instance),
      anomalyScore: live?.lastScore ?? 0,
      incidentOpen: live?.detector.inIncident ?? false,
      incident: this.incidents.incidents(instance)[0],
      findings: reportFindings ?? (latest && latest.time > now - horizonMs ? latest.findings : []),
    });
  }

  /** The failure model's predictions for an instance's evidence, without learning from it. */
  predict(instance: string, now = Date.now(), reportFindings?: readonly FindingEvidence[]): KindPrediction[] {
    return this.predictor.predict(this.failureEvidence(instance, now, reportFindings));
  }

  /**
   * Every live instance's evidence becomes a moment to learn from and a prediction per kind and
   * horizon, handed to `onPredicted` one instance at a time.
   */
  async predictFleet(
    instances: readonly InstanceRecord[],
    isLive: (record: InstanceRecord) => boolean,
    onPredicted: (instance: string, predictions: KindPrediction[]) => Promise<void>,
    now = Date.now()
  ): Promise<void> {
    for (const record of instances) {
      if (!isLive(record)) continue;
      const predictions = this.predictor.observe(record.id, now, this.failureEvidence(record.id, now));
      this.predictions.set(record.id, predictions);
      await onPredicted(record.id, predictions);
    }
  }

  /** What the twins say of every predicted instance, to be written back as series. */
  outputs(): TwinOutputs[] {
    return [...this.predictions].map(([instance, predictions]) => {
      const next = this.options.twins.nextValues(instance);
      const exhaustible: Record<string, number> = {};
      for (const r of EXHAUSTIBLE) if (next[r.metric] !== undefined) exhaustible[r.metric] = next[r.metric]!;
      return { instance, predictions, anomalyScore: this.options.twins.state(instance)?.lastScore, next: exhaustible };
    });
  }

  /**
   * What-if: the instance's twin rolled forward over the horizon as it is and with the actions
   * applied, each with its failure risk against the resources' limits.
   */
  whatIf(
    instance: string,
    actions: readonly WhatIfAction[],
    horizonMs = this.options.horizonMs
  ): { model: string; horizonMs: number; without: Simulated; with: Simulated } {
    const runner = this.simulatingTwin(instance);
    const simulation = this.simulation(runner, instance, horizonMs);
    try {
      return {
        model: runner.model.version,
        horizonMs: simulation.steps * runner.model.window.stepMs,
        without: simulation.plain,
        with: simulation.simulate(actions),
      };
    } catch (error) {
      throw errors.conflict(`${instance}: ${(error as Error).message}`);
    }
  }

  /**
   * Actions for an instance's root causes (its latest incident's and its resources' trends), ranked
   * by how much each lowers the failure probability the what-if simulation predicts.
   */
  recommendActions(instance: string, horizonMs = this.options.horizonMs): RecommendedAction[] {
    const incident = this.incidents.incidents(instance)[0];
    const causes = new Set<string>(
      incident?.rootCauses.filter((c) => c.score >= FAILURE_ANALYSIS.actionCauseScore.value).map((c) => c.resource) ??
        []
    );
    for (const f of this.forecasts.get(instance) ?? [])
      for (const c of f.causes)
        if (c.probability >= FAILURE_ANALYSIS.actionTrendProbability.value) causes.add(c.resource);
    const runner = this.simulatingTwin(instance);
    try {
      return this.simulation(runner, instance, horizonMs).rank(candidateActions([...causes]));
    } catch (error) {
      throw errors.conflict(`${instance}: ${(error as Error).message}`);
    }
  }

  /** The failure risk of the instance's twin rolled forward over the horizon, joined with its resources' trends. */
  private extrapolate(instance: string): Record<FailureKind, number> {
    const runner = this.options.twins.state(instance)?.runner;
    if (!(runner instanceof LstmTwinRunner)) return { crash: 0, outage: 0 };
    try {
      return this.simulation(runner, instance, this.options.horizonMs).plain.risk.probability;
    } catch {
      return { crash: 0, outage: 0 }; // the twin has too little history to forecast yet
    }
  }

  /** What-if for an instance's twin over a horizon, joined with its resources' trends. */
  private simulation(runner: LstmTwinRunner, instance: string, horizonMs: number): WhatIfSimulation {
    const steps = Math.max(1, Math.round(horizonMs / runner.model.window.stepMs));
    // The twin knows normal dynamics, not a drift it never saw: rising resource trends join its trajectories.
    return new WhatIfSimulation(
      runner,
      (this.forecasts.get(instance) ?? []).flatMap((f) => f.causes),
      steps
    );
  }

  /** The instance's live LSTM twin, or a 404 / 409 saying why there is none to simulate with. */
  private simulatingTwin(instance: string): LstmTwinRunner {
    const state = this.options.twins.state(instance);
    if (!state) throw errors.notFound('live twin of instance', instance);
    const runner = state.runner;
    if (!(runner instanceof LstmTwinRunner))
      throw errors.conflict(
        runner
          ? `the twin of ${instance} is a ${runner.model.kind} model, which cannot simulate actions (TWIN_MODEL=lstm can)`
          : `the twin of ${instance} is still starting`
      );
    return runner;
  }

  /** Re-fits the failure model off the request path, one fit at a time. */
  private scheduleRefit(): void {
    this.refitting ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => {
        this.predictor.refit(Date.now());
      })
      .finally(() => {
        this.refitting = undefined;
      });
  }
}
