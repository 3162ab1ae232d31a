import path from 'node:path';
import { EventEmitter } from 'node:events';
import type { FastifyInstance } from 'fastify';
import type { TwinConfig } from '../core/config.ts';
import type { FailureEvent, FailureKind, Sample } from '../core/types.ts';
import { toSamples, type ColumnarBatch } from '../core/columnar.ts';
import { IngestService, LineProtocolWorkers, LiveFeed } from '../ingest/index.ts';
import {
  EmbeddedDatabase,
  FailureStore,
  InstanceRegistry,
  AnomalyHistory,
  WriteAheadLog,
  openMetricStore,
  openObjectStore,
  type MetricStore,
  type ObjectStore,
  type NewFailure,
} from '../store/index.ts';
import {
  ModelRegistry,
  startTwinFromHistory,
  TrainingPool,
  TwinTrainer,
  trainerOptions,
  DriftMonitor,
  type LiveTwin,
  type TwinModel,
  type VersionDecision,
} from '../twin/index.ts';
import { AnomalyDetector, type AnomalyEvent } from '../anomaly/index.ts';
import {
  ExhaustionForecaster,
  IncidentCorrelator,
  FailurePredictor,
  RECURRENCE,
  evidenceByKind,
  type FailureEvidence,
  type FailureForecast,
  type KindPrediction,
  type FindingEvidence,
  type Incident,
} from '../analysis/index.ts';
import {
  candidateActions,
  WhatIfSimulation,
  type RankedAction,
  type Simulated,
  type WhatIfAction,
} from '../analysis/what-if.ts';
import { LstmTwinRunner } from '../twin/lstm-runner.ts';
import { errors } from '../core/errors.ts';
import { EXHAUSTIBLE } from '../analysis/exhaustion-forecaster.ts';
import { StreamHub } from './stream-hub.ts';
import { AuditLog, loadRemediationConfig, NO_REMEDIATION, RemediationEngine } from '../remediation/index.ts';
import {
  analyzeReport,
  loadCatalogue,
  ReportStore,
  type Catalogue,
  type OperatingReport,
  type StoredReport,
} from '../reports/index.ts';
import { buildServer } from './server.ts';
import { nodeId } from '../cluster/node-id.ts';
import { loadRegistrySnapshots, saveRegistrySnapshot } from '../cluster/registry-snapshots.ts';
import { loadSharedFailures, saveSharedFailure } from '../cluster/shared-failures.ts';

export interface SidecarEvents {
  trainingProgress: [{ instance: string; fraction: number; version: string }];
  trained: [{ instance: string; model: TwinModel; decision: VersionDecision }];
  drift: [{ instance: string; version: string; why: string }];
  trainingFailed: [{ instance: string; error: Error }];
  anomalyOpened: [AnomalyEvent];
  anomalyClosed: [AnomalyEvent];
  failureAlert: [FailureForecast];
  failureClear: [FailureForecast];
  failureRecorded: [FailureEvent];
  reportFlagged: [StoredReport];
  incident: [Incident];
}

/** Live state of one instance's twin: what the API and the terminal show. */
export interface InstanceLiveState {
  runner: LiveTwin | undefined;
  /** The model the runner is (being) started for. */
  version: string;
  detector: AnomalyDetector;
  drift: DriftMonitor;
  lastScore: number;
  lastScoredTs: number;
}

const LIVE_WITHIN_MS = 120_000;
/** Anomaly events read back per instance after a restart: the latest of the week, as many as an instance's incidents kept. */
const INCIDENT_EVENTS_RESTORED = 200;

/** An action recommended for an instance, with its simulated effect. */
export type RecommendedAction = RankedAction;
const FORECAST_LOOKBACK_MS = 20 * 60_000;

/**
 * The sidecar: opens the stores, wires ingest -> twin -> anomaly -> analysis, runs the periodic
 * work (registry flush, training, forecasting, retention) and serves the API.
 */
export class Sidecar extends EventEmitter<SidecarEvents> {
  readonly feed = new LiveFeed();
  readonly live = new Map<string, InstanceLiveState>();
  readonly forecasts = new Map<string, FailureForecast[]>();
  readonly incidents = new IncidentCorrelator();
  /** Live events for SSE and WebSocket subscribers. */
  readonly stream = new StreamHub();
  /** The learned failure model's latest predictions per instance (every kind, every horizon). */
  readonly predictions = new Map<string, KindPrediction[]>();
  predictor!: FailurePredictor;
  remediation!: RemediationEngine;
  private refitting: Promise<void> | undefined;
  /** Each instance's findings from its latest report, joined with its incidents. */
  private readonly latestFindings = new Map<string, { time: number; findings: FindingEvidence[] }>();
  ingest!: IngestService;
  instances!: InstanceRegistry;
  failures!: FailureStore;
  models!: ModelRegistry;
  trainer!: TwinTrainer;
  trainingPool: TrainingPool | undefined;
  /** With REDIS_URL: training jobs on BullMQ, this node's worker (role `all`) and the fleet bus. */
  trainingQueue: import('../twin/training-queue.ts').TrainingJobs | undefined;
  trainingWorker: import('../twin/training-queue.ts').TrainingWorker | undefined;
  bus: import('../cluster/fleet-bus.ts').FleetBus | undefined;
  /** This node's name (kept in its data folder). */
  node = '';

  /** Whether this node acts for the fleet (remediation, anomaly history, write-back): alone, or the leader of several. */
  get leads(): boolean {
    return !this.bus || this.bus.leader;
  }
  forecaster!: ExhaustionForecaster;
  server!: FastifyInstance;
  url = '';
  wal!: WriteAheadLog;
  objects!: ObjectStore;
  anomalies!: AnomalyHistory<AnomalyEvent>;
  reports!: ReportStore;
  catalogue!: Catalogue;
  /** Samples re-applied from the write-ahead log at start-up (after a crash). */
  recovered = 0;
  private db!: EmbeddedDatabase;
  private metrics!: MetricStore;
  private timers: NodeJS.Timeout[] = [];
  private parsers: LineProtocolWorkers | undefined;
  private stopping: Promise<void> | undefined;

  constructor(readonly config: TwinConfig) {
    super();
  }

  async start(): Promise<this> {
    const { config } = this;
    this.db = await EmbeddedDatabase.open(config.dataDir);
    this.node = await nodeId(config.dataDir);
    this.metrics = await openMetricStore(config.metricStore, this.db, this.node);
    this.instances = await InstanceRegistry.open(this.db);
    this.failures = await FailureStore.open(this.db);
    this.objects = openObjectStore(config);
    this.models = new ModelRegistry(this.objects);
    this.anomalies = new AnomalyHistory<AnomalyEvent>(this.objects);
    this.catalogue = loadCatalogue(config.catalogueFiles);
    this.reports = new ReportStore(this.objects);
    this.remediation = new RemediationEngine(
      config.remediationFile ? loadRemediationConfig(config.remediationFile) : NO_REMEDIATION,
      new AuditLog(this.objects)
    );
    await this.models.loadChampions();
    this.wal = await WriteAheadLog.open(path.join(config.dataDir, 'wal'));
    this.parsers = config.parseWorkers > 0 ? new LineProtocolWorkers(config.parseWorkers) : undefined;
    if (config.redisUrl) {
      // Loaded only when used: a sidecar without Redis does not pay for ioredis and BullMQ at start-up.
      const { FleetBus } = await import('../cluster/fleet-bus.ts');
      this.bus = await FleetBus.open(config.redisUrl, this.node, true);
      await loadRegistrySnapshots(this.objects, this.instances);
      await this.bus.lead();
      const bus = this.bus;
      bus.onSamples((batches) => this.ingest.deliver(batches));
      bus.onModel((change) => {
        if (change.node !== this.node)
          this.models.refresh(change.instance).catch((err: Error) => this.server?.log.error({ err }, 'model refresh'));
      });
      this.models.on('champion', (instance, reason) => void bus.publishModel(instance, reason).catch(() => undefined));
      bus.onEvent((event) => {
        if (event.type === 'findings') this.noteFindings(event.instance, event.time, event.findings);
        else
          this.applyFailure(event.failure).catch((err: Error) =>
            this.server?.log.error({ err }, 'failure from the bus')
          );
      });
    }
    this.ingest = new IngestService(this.wal, this.metrics, this.instances, this.feed, {
      maxQueuedSamples: config.maxQueuedSamples,
      ...(this.parsers ? { lineProtocolParser: this.parsers } : {}),
      ...(this.bus ? { fanOut: (batches) => this.bus!.publishSamples(batches) } : {}),
    });
    this.recovered = await this.ingest.recover();

    // An API-only node trains nothing itself (its twin workers do).
    this.trainingPool =
      config.twinModel === 'lstm' && config.role === 'all' ? new TrainingPool(config.trainThreads) : undefined;
    if (config.redisUrl) {
      const { TrainingJobs, TrainingWorker } = await import('../twin/training-queue.ts');
      const { runTrainingJob } = await import('../twin/training-job.ts');
      this.trainingQueue = new TrainingJobs(config.redisUrl);
      if (config.role === 'all')
        this.trainingWorker = new TrainingWorker(
          config.redisUrl,
          (_, job) => runTrainingJob(this.trainer, this.models, job, this.node),
          { concurrency: config.trainThreads, name: this.node }
        );
    }
    this.trainer = new TwinTrainer(
      this.metrics,
      this.models,
      trainerOptions(config, {
        pool: this.trainingPool,
        queue: this.trainingQueue,
        objects: this.objects,
        openAnomalySince: (instance) => this.live.get(instance)?.detector.openEvent?.start,
      })
    );
    this.trainer.on('progress', (p) => this.emit('trainingProgress', p));
    this.trainer.on('trained', (t) => this.emit('trained', t));
    this.trainer.on('failed', (f) => this.emit('trainingFailed', f));

    this.forecaster = new ExhaustionForecaster({ horizonMs: config.horizonMs });
    this.predictor = new FailurePredictor({
      horizonsMs: [...new Set([config.horizonMs, 24 * 3_600_000])].sort((a, b) => a - b),
    });
    // Failures other API nodes recorded (before this one started, too) are known here.
    if (this.bus)
      for (const failure of await loadSharedFailures(this.objects)) {
        await this.failures.record(failure);
        this.predictor.recordFailure(failure.instance, failure.ts, failure.kind);
      }
    this.forecaster.on('alert', (f) => this.emit('failureAlert', f));
    this.forecaster.on('clear', (f) => this.emit('failureClear', f));

    this.feed.subscribe((samples) => this.score(samples));
    // Anomaly events become incidents with root causes, as they open and again as they close.
    const correlate = (event: AnomalyEvent) =>
      this.emit('incident', this.incidents.add(event, this.latestFindings.get(event.instance)?.findings));
    this.on('anomalyOpened', correlate);
    this.on('anomalyClosed', correlate);
    this.on('anomalyOpened', (e) => this.stream.publish('anomaly', e.instance, { event: e }));
    this.on('anomalyClosed', (e) => this.stream.publish('anomaly', e.instance, { event: e }));
    this.on('incident', (i) => this.stream.publish('incident', i.instance, { incident: i }));
    this.on('anomalyClosed', (event) => {
      if (!this.leads) return; // every API node sees the event; the leader keeps it
      this.anomalies
        .append(event)
        .catch((err: Error) => this.server?.log.error({ err }, 'anomaly history write failed'));
    });

    this.server = await buildServer(this);
    this.url = await this.server.listen({ host: config.host, port: config.port });

    this.every(5_000, () => this.instances.flush());
    if (this.bus) {
      const bus = this.bus;
      this.every(10_000, () => saveRegistrySnapshot(this.objects, this.node, this.instances));
      this.every(5_000, () => bus.lead());
    }
    this.every(30_000, () => this.ingest.compactLog());
    this.every(10_000, () => this.trainer.runDue(this.instances.list()));
    this.every(10_000, () => this.evaluateForecasts());
    this.every(60_000, () => this.predictFailures());
    this.every(30_000, () => this.incidents.correlateFleet((id) => this.instances.get(id)?.labels));
    const retain = () =>
      this.metrics.applyRetention(Date.now() - config.rawRetentionMs, Date.now() - config.historyRetentionMs);
    this.every(3_600_000, retain);
    setImmediate(() => void retain().catch(() => undefined));
    setImmediate(() => void this.trainer.runDue(this.instances.list()));
    return this;
  }

  private every(ms: number, task: () => Promise<unknown> | unknown): void {
    const timer = setInterval(() => {
      Promise.resolve()
        .then(task)
        .catch((err: Error) => this.server?.log.error({ err }, 'periodic task failed'));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  /**
   * Incidents are kept in memory: an instance's incidents of the last week are rebuilt from its
   * anomaly history, so that after a restart its incidents, their root causes and what recurs daily
   * are known again (without the report findings they were joined with). A history that cannot be
   * read is logged, and the twin starts all the same.
   */
  private async restoreIncidents(instance: string, now: number): Promise<void> {
    try {
      const from = now - RECURRENCE.lookbackDays * 86_400_000;
      const events = await this.anomalies.latest(instance, from, now + 1, INCIDENT_EVENTS_RESTORED);
      // Oldest first, as they happened (the history's order), so that each joins or recurs as it did.
      for (const event of events) if (!this.incidents.incidentOf(event)) this.incidents.add(event);
    } catch (err) {
      this.server?.log.error({ err, instance }, 'incidents could not be rebuilt from the anomaly history');
    }
  }

  /** Runs each instance's twin over fresh samples and feeds anomalies and trends onward. */
  private score(batches: readonly ColumnarBatch[]): void {
    const recent = Date.now() - FORECAST_LOOKBACK_MS;
    for (const batch of batches) {
      // History being loaded in bulk is stored, not scored: only live samples and twins' instances.
      const hasTwin = this.models.champion(batch.instance) !== undefined;
      const samples = toSamples(
        batch,
        hasTwin ? (this.live.get(batch.instance)?.lastScoredTs ?? -Infinity) + 1 : recent
      );
      if (samples.length) this.scoreSamples(samples);
    }
  }

  private scoreSamples(samples: ReturnType<typeof toSamples>): void {
    this.forecaster.observe(samples);
    for (const s of samples) {
      const loaded = this.models.loadedChampion(s.instance);
      if (!loaded) continue;
      let state = this.live.get(s.instance);
      if (!state || state.version !== loaded.model.version) {
        const detector = AnomalyDetector.forTwin(s.instance, loaded.model);
        detector.on('opened', (e) => this.emit('anomalyOpened', e));
        detector.on('closed', (e) => this.emit('anomalyClosed', e));
        // A new version taking over mid-incident carries the incident's event on.
        if (state) detector.continueFrom(state.detector);
        const started: InstanceLiveState = {
          drift: new DriftMonitor(),
          runner: undefined,
          version: loaded.model.version,
          detector,
          lastScore: 0,
          lastScoredTs: 0,
        };
        // The first twin of this instance since the sidecar started: its incidents are rebuilt too,
        // before it scores anything (a new event then joins or recurs as it would have).
        const restored = state ? undefined : this.restoreIncidents(s.instance, s.ts);
        this.live.set(s.instance, started);
        state = started;
        // Samples that arrive while the twin reads its recent history are in the store, and in that history.
        Promise.all([
          startTwinFromHistory(loaded, (from, to, stepMs) => this.readWindow(s.instance, from, to, stepMs), s.ts),
          restored,
        ])
          .then(([runner]) => {
            started.runner = runner;
          })
          .catch((err: Error) => this.server?.log.error({ err, instance: s.instance }, 'twin could not start'));
      }
      if (!state.runner || s.ts <= state.lastScoredTs) continue;
      state.lastScoredTs = s.ts;
      const step = state.runner.step(s.ts, s.values);
      if (!step) continue;
      const point = state.detector.score(step.ts, step.scores, () => step.levels ?? {});
      state.lastScore = point.instanceScore;
      this.stream.publish('anomaly_score', s.instance, {
        ts: step.ts,
        score: point.instanceScore,
        anomalous: point.anomalous,
      });
      const scores = Object.entries(step.scores)
        .filter(([metric]) => !metric.startsWith('*'))
        .map(([, score]) => score);
      const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
      if (state.drift.observe(mean, state.detector.inIncident)) {
        const why = `mean score ${state.drift.currentLevel!.toFixed(2)} against ${state.drift.baselineLevel!.toFixed(2)} when the twin started, no incident open`;
        this.trainer.requestRetrain(s.instance, why);
        this.emit('drift', { instance: s.instance, version: state.version, why });
      }
    }
  }

  private evaluateForecasts(now = Date.now()): void {
    const updated = new Set<string>();
    for (const f of this.forecaster.evaluate(now)) {
      const list = (this.forecasts.get(f.instance) ?? []).filter((x) => x.kind !== f.kind);
      list.push(f);
      this.forecasts.set(f.instance, list);
      updated.add(f.instance);
    }
    // Resources heading for their limit are evidence for the instance's open incident.
    for (const instance of updated)
      this.incidents.noteTrends(
        instance,
        this.forecasts.get(instance)!.flatMap((f) => f.causes),
        now
      );
  }

  isLive(lastSeen: number, now = Date.now()): boolean {
    return now - lastSeen <= LIVE_WITHIN_MS;
  }

  /** Records a failure (the failure model learns from it), on every API node when there are several. */
  async recordFailure(failure: NewFailure): Promise<FailureEvent> {
    const event = await this.applyFailure(failure);
    if (this.bus) {
      await saveSharedFailure(this.objects, event);
      await this.bus.publishEvent({ type: 'failure', failure: event }).catch(() => undefined);
    }
    return event;
  }

  private async applyFailure(failure: NewFailure): Promise<FailureEvent> {
    const event = await this.failures.record(failure);
    this.forecaster.reset(event.instance);
    this.live.get(event.instance)?.detector.close();
    this.predictor.recordFailure(event.instance, event.ts, event.kind);
    this.scheduleRefit();
    this.emit('failureRecorded', event);
    return event;
  }

  /** What the failure model reads of an instance now, per failure kind. */
  failureEvidence(
    instance: string,
    now = Date.now(),
    reportFindings?: readonly FindingEvidence[]
  ): Record<FailureKind, FailureEvidence> {
    const live = this.live.get(instance);
    const latest = this.latestFindings.get(instance);
    const forecasts = this.forecasts.get(instance) ?? [];
    const trend = (kind: FailureKind) => forecasts.find((f) => f.kind === kind)?.probability ?? 0;
    return evidenceByKind({
      now,
      horizonMs: this.config.horizonMs,
      trend: { crash: trend('crash'), outage: trend('outage') },
      twin: this.extrapolate(instance),
      anomalyScore: live?.lastScore ?? 0,
      incidentOpen: live?.detector.inIncident ?? false,
      incident: this.incidents.incidents(instance)[0],
      findings: reportFindings ?? (latest && latest.time > now - this.config.horizonMs ? latest.findings : []),
    });
  }

  /** The twin's prediction for the instance's step under way (LSTM twins; empty otherwise). */
  nextValues(instance: string): Record<string, number> {
    const runner = this.live.get(instance)?.runner;
    return runner instanceof LstmTwinRunner ? runner.predictedNext() : {};
  }

  /** The failure risk of the instance's twin rolled forward over the horizon, joined with its resources' trends. */
  private extrapolate(instance: string): Record<FailureKind, number> {
    const runner = this.live.get(instance)?.runner;
    if (!(runner instanceof LstmTwinRunner)) return { crash: 0, outage: 0 };
    try {
      return this.simulation(runner, instance, this.config.horizonMs).plain.risk.probability;
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
    const state = this.live.get(instance);
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

  /** Every live instance's evidence becomes a moment to learn from and a prediction per kind and horizon. */
  async predictFailures(now = Date.now()): Promise<void> {
    for (const record of this.instances.list()) {
      if (!this.isLive(record.lastSeen, now)) continue;
      const predictions = this.predictor.observe(record.id, now, this.failureEvidence(record.id, now));
      this.predictions.set(record.id, predictions);
      for (const p of predictions) this.stream.publish('failure_probability', record.id, { ts: now, ...p });
      await this.remediate(record.id, predictions);
    }
    if (this.config.writeBack && this.leads) await this.writeBackOutputs(now);
  }

  /**
   * Writes the twins' outputs into the metric store (InfluxDB or Prometheus), beside the instances'
   * own series: `twin_failure_probability.kind_<kind>.horizon_<minutes>m`, `twin_anomaly_score` and
   * `twin_prediction.<metric>` for the exhaustible resources. Training leaves `twin_*` out.
   */
  async writeBackOutputs(now = Date.now()): Promise<number> {
    const samples: Sample[] = [];
    for (const [instance, predictions] of this.predictions) {
      const values: Record<string, number> = {};
      for (const p of predictions)
        values[`twin_failure_probability.kind_${p.kind}.horizon_${p.horizonMs / 60_000}m`] = p.probability;
      const live = this.live.get(instance);
      if (live) values.twin_anomaly_score = live.lastScore;
      const next = this.nextValues(instance);
      for (const r of EXHAUSTIBLE)
        if (next[r.metric] !== undefined) values[`twin_prediction.${r.metric}`] = next[r.metric]!;
      samples.push({ instance, ts: now, values });
    }
    if (samples.length) await this.metrics.write(samples);
    return samples.length;
  }

  /** Holds an instance's predictions against the remediation policies, with each action's predicted effect. */
  private async remediate(instance: string, predictions: KindPrediction[]): Promise<void> {
    const { policies } = this.remediation.config;
    if (policies.length === 0 || !this.leads) return;
    const inputs = predictions.map((p) => ({ instance, ...p }));
    const lowest = Math.min(...policies.map((p) => p.minProbability));
    let effects: Record<string, unknown> = {};
    if (inputs.some((p) => p.probability >= lowest)) {
      try {
        effects = Object.fromEntries(
          this.recommendActions(instance).map((r) => [r.action.type, { probability: r.probability, drop: r.drop }])
        );
      } catch {
        // No live LSTM twin to simulate with: the decision goes without a predicted effect.
      }
    }
    await this.remediation.evaluate(inputs, effects);
  }

  /**
   * What-if: the instance's twin rolled forward over the horizon as it is and with the actions
   * applied, each with its failure risk against the resources' limits.
   */
  whatIf(
    instance: string,
    actions: readonly WhatIfAction[],
    horizonMs = this.config.horizonMs
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
  recommendActions(instance: string, horizonMs = this.config.horizonMs): RecommendedAction[] {
    const incident = this.incidents.incidents(instance)[0];
    const causes = new Set<string>(incident?.rootCauses.filter((c) => c.score >= 0.2).map((c) => c.resource) ?? []);
    for (const f of this.forecasts.get(instance) ?? [])
      for (const c of f.causes) if (c.probability >= 0.05) causes.add(c.resource);
    const runner = this.simulatingTwin(instance);
    try {
      return this.simulation(runner, instance, horizonMs).rank(candidateActions([...causes]));
    } catch (error) {
      throw errors.conflict(`${instance}: ${(error as Error).message}`);
    }
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

  /** A report's findings as evidence for the instance's failure analysis. */
  private noteFindings(instance: string, time: number, findings: FindingEvidence[]): void {
    this.forecaster.noteFindings(instance, findings, time);
    const latest = this.latestFindings.get(instance);
    if (!latest || latest.time <= time) this.latestFindings.set(instance, { time, findings });
  }

  /**
   * Stores an operating information report with what the catalogue finds in it (durably: the
   * object is synced before this returns). Findings that mean the instance failed are recorded as
   * failures; the rest reach the failure analysis as evidence for the resources they implicate.
   */
  async ingestReport(report: OperatingReport): Promise<StoredReport> {
    const stored = await this.reports.save(report, analyzeReport(report, this.catalogue));
    this.noteFindings(report.instance, report.time, stored.findings);
    await this.bus
      ?.publishEvent({ type: 'findings', instance: report.instance, time: report.time, findings: stored.findings })
      .catch(() => undefined);
    for (const finding of stored.findings) {
      if (!finding.failure) continue;
      await this.recordFailure({
        id: `${stored.id}:${finding.id}`,
        instance: report.instance,
        ts: finding.first ?? report.time,
        kind: finding.failure,
        source: 'report',
        detail: `${finding.title}: ${finding.evidence[0] ?? ''}`.slice(0, 2000),
      });
    }
    if (stored.overall !== 'ok') this.emit('reportFlagged', stored);
    return stored;
  }

  readWindow(instance: string, from: number, to: number, stepMs?: number, metrics?: string[]) {
    return this.metrics.readWindow(instance, {
      from,
      to,
      ...(stepMs ? { stepMs } : {}),
      ...(metrics ? { metrics } : {}),
    });
  }

  /** Stops serving, finishes in-flight writes and closes the stores; safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const t of this.timers) clearInterval(t);
      await this.server?.close();
      // Training in progress is abandoned (its thread ends); the version is trained again next time.
      const training = this.trainer?.stop();
      await this.trainingPool?.close();
      // A job cut short here is retried by BullMQ, on this node after a restart or on another.
      await this.trainingWorker?.close();
      await this.trainingQueue?.close();
      await training;
      await this.ingest?.drain().catch(() => undefined);
      await this.wal?.close();
      await this.parsers?.close();
      for (const state of this.live.values()) state.detector.close();
      await this.metrics?.close();
      await this.instances?.close();
      await this.bus?.close();
      this.failures?.close();
      await this.db?.checkpoint();
      this.db?.close();
    })();
    return this.stopping;
  }
}
