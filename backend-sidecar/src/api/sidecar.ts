import path from 'node:path';
import { EventEmitter } from 'node:events';
import type { FastifyInstance } from 'fastify';
import type { TwinConfig } from '../core/config.ts';
import type { FailureEvent } from '../core/types.ts';
import { IngestService, LineProtocolWorkers, LiveFeed } from '../ingest/index.ts';
import {
  AnomalyHistory,
  EmbeddedDatabase,
  FailureStore,
  InstanceRegistry,
  TwinOutputWriter,
  WriteAheadLog,
  isLive,
  openMetricStore,
  openObjectStore,
  type MetricStore,
  type ObjectStore,
} from '../store/index.ts';
import {
  ModelRegistry,
  TrainingPool,
  TwinTrainer,
  openTrainingQueue,
  trainerOptions,
  type TrainingJobs,
  type TrainingWorker,
} from '../twin/index.ts';
import { LiveScorer, type AnomalyEvent } from '../anomaly/index.ts';
import { FailureAnalysis, FailureRecorder, type KindPrediction } from '../analysis/index.ts';
import { loadCatalogue, ReportIntake, ReportStore } from '../reports/index.ts';
import {
  AuditLog,
  loadRemediationConfig,
  NO_REMEDIATION,
  RemediationEngine,
  remediatePredictions,
} from '../remediation/index.ts';
import {
  loadRegistrySnapshots,
  loadSharedFailures,
  nodeId,
  openFleetBus,
  saveRegistrySnapshot,
  saveSharedFailure,
  type FleetBus,
} from '../cluster/index.ts';
import { StreamHub } from './stream-hub.ts';
import { buildServer } from './server.ts';
import type { SidecarEvents, SidecarServices } from './services.ts';

export type { SidecarEvents, SidecarServices } from './services.ts';

/**
 * The composition root: opens the stores, builds the stages and joins them (ingest -> live feed ->
 * scorer -> analysis -> remediation, reports beside them), runs the periodic work and serves the API.
 * Each stage's behaviour lives in its own folder; this file only wires.
 */
export class Sidecar extends EventEmitter<SidecarEvents> implements SidecarServices {
  readonly events = this;
  readonly feed = new LiveFeed();
  /** Live events for SSE and WebSocket subscribers. */
  readonly stream = new StreamHub();
  ingest!: IngestService;
  instances!: InstanceRegistry;
  models!: ModelRegistry;
  trainer!: TwinTrainer;
  scorer!: LiveScorer;
  analysis!: FailureAnalysis;
  failures!: FailureRecorder;
  reports!: ReportIntake;
  remediation!: RemediationEngine;
  anomalies!: AnomalyHistory<AnomalyEvent>;
  wal!: WriteAheadLog;
  objects!: ObjectStore;
  trainingPool: TrainingPool | undefined;
  /** With REDIS_URL: training jobs on BullMQ, this node's worker (role `all`) and the fleet bus. */
  trainingQueue: TrainingJobs | undefined;
  trainingWorker: TrainingWorker | undefined;
  bus: FleetBus | undefined;
  /** This node's name (kept in its data folder). */
  node = '';
  server!: FastifyInstance;
  url = '';
  /** Samples re-applied from the write-ahead log at start-up (after a crash). */
  recovered = 0;
  private db!: EmbeddedDatabase;
  private metrics!: MetricStore;
  private writeBack!: TwinOutputWriter;
  private timers: NodeJS.Timeout[] = [];
  private parsers: LineProtocolWorkers | undefined;
  private stopping: Promise<void> | undefined;
  private readonly log = { error: (details: object, message: string) => this.server?.log.error(details, message) };

  constructor(readonly config: TwinConfig) {
    super();
  }

  /** Whether this node acts for the fleet (remediation, anomaly history, write-back): alone, or the leader of several. */
  get leads(): boolean {
    return !this.bus || this.bus.leader;
  }

  async start(): Promise<this> {
    const { config } = this;
    await this.openStores();
    this.buildPipeline(await FailureStore.open(this.db));
    if (config.redisUrl) await this.joinFleet(config.redisUrl);
    this.ingest = new IngestService(this.wal, this.metrics, this.instances, this.feed, {
      maxQueuedSamples: config.maxQueuedSamples,
      ...(this.parsers ? { lineProtocolParser: this.parsers } : {}),
      ...(this.bus ? { fanOut: (batches) => this.bus!.publishSamples(batches) } : {}),
    });
    this.recovered = await this.ingest.recover();
    await this.buildTraining();
    this.feed.subscribe((samples) => this.scorer.score(samples));
    this.server = await buildServer(this);
    this.url = await this.server.listen({ host: config.host, port: config.port });
    this.schedule();
    return this;
  }

  private async openStores(): Promise<void> {
    const { config } = this;
    this.db = await EmbeddedDatabase.open(config.dataDir);
    this.node = await nodeId(config.dataDir);
    this.metrics = await openMetricStore(config.metricStore, this.db, this.node);
    this.writeBack = new TwinOutputWriter(this.metrics);
    this.instances = await InstanceRegistry.open(this.db);
    this.objects = openObjectStore(config);
    this.models = new ModelRegistry(this.objects);
    this.anomalies = new AnomalyHistory<AnomalyEvent>(this.objects);
    this.remediation = new RemediationEngine(
      config.remediationFile ? loadRemediationConfig(config.remediationFile) : NO_REMEDIATION,
      new AuditLog(this.objects)
    );
    await this.models.loadChampions();
    this.wal = await WriteAheadLog.open(path.join(config.dataDir, 'wal'));
    this.parsers = config.parseWorkers > 0 ? new LineProtocolWorkers(config.parseWorkers) : undefined;
  }

  /** Several API nodes: samples, model changes, findings and failures reach every node through Redis. */
  private async joinFleet(redisUrl: string): Promise<void> {
    const bus = (this.bus = await openFleetBus(redisUrl, this.node, true));
    await loadRegistrySnapshots(this.objects, this.instances);
    await bus.lead();
    bus.onSamples((batches) => this.ingest.deliver(batches));
    bus.onModel((change) => {
      if (change.node !== this.node)
        this.models.refresh(change.instance).catch((err: Error) => this.log.error({ err }, 'model refresh'));
    });
    this.models.on('champion', (instance, reason) => void bus.publishModel(instance, reason).catch(() => undefined));
    bus.onEvent((event) => {
      if (event.type === 'findings') this.analysis.noteFindings(event.instance, event.time, event.findings);
      else this.failures.apply(event.failure).catch((err: Error) => this.log.error({ err }, 'failure from the bus'));
    });
    // Failures other API nodes recorded (before this one started, too) are known here.
    for (const failure of await loadSharedFailures(this.objects)) {
      await this.failures.store.record(failure);
      this.analysis.predictor.recordFailure(failure.instance, failure.ts, failure.kind);
    }
  }

  private async buildTraining(): Promise<void> {
    const { config } = this;
    // An API-only node trains nothing itself (its twin workers do).
    this.trainingPool =
      config.twinModel === 'lstm' && config.role === 'all' ? new TrainingPool(config.trainThreads) : undefined;
    if (config.redisUrl) {
      const { TrainingJobs, TrainingWorker, runTrainingJob } = await openTrainingQueue();
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
        openAnomalySince: (instance) => this.scorer.openSince(instance),
      })
    );
    this.trainer.on('progress', (p) => this.emit('trainingProgress', p));
    this.trainer.on('trained', (t) => this.emit('trained', t));
    this.trainer.on('failed', (f) => this.emit('trainingFailed', f));
  }

  /** The live path: fresh samples -> scorer -> anomalies and incidents -> failure analysis; reports and failures beside. */
  private buildPipeline(failures: FailureStore): void {
    const { config } = this;
    this.scorer = new LiveScorer({
      champions: this.models,
      readWindow: (instance, from, to, stepMs) => this.readWindow(instance, from, to, stepMs),
      beforeFirstTwin: (instance, ts) => this.analysis.restoreIncidents(instance, ts),
      log: this.log,
    });
    this.analysis = new FailureAnalysis({
      horizonMs: config.horizonMs,
      twins: this.scorer,
      anomalies: this.anomalies,
      log: this.log,
    });
    this.failures = new FailureRecorder(failures, this.analysis, {
      closeAnomaly: (instance) => this.scorer.closeEvent(instance),
      recorded: (event) => this.emit('failureRecorded', event),
      share: (event) => this.shareFailure(event),
    });
    this.reports = new ReportIntake(new ReportStore(this.objects), loadCatalogue(config.catalogueFiles), {
      noteFindings: (instance, time, findings) => this.analysis.noteFindings(instance, time, findings),
      shareFindings: async (instance, time, findings) =>
        void (await this.bus?.publishEvent({ type: 'findings', instance, time, findings })),
      recordFailure: (failure) => this.failures.record(failure),
      flagged: (report) => this.emit('reportFlagged', report),
    });
    this.analysis.forecaster.on('alert', (f) => this.emit('failureAlert', f));
    this.analysis.forecaster.on('clear', (f) => this.emit('failureClear', f));

    this.scorer.on('samples', (samples) => this.analysis.observe(samples));
    this.scorer.on('scored', ({ instance, ts, score, anomalous }) =>
      this.stream.publish('anomaly_score', instance, { ts, score, anomalous })
    );
    this.scorer.on('drift', (drift) => {
      this.trainer.requestRetrain(drift.instance, drift.why);
      this.emit('drift', drift);
    });
    this.scorer.on('opened', (e) => this.emit('anomalyOpened', e));
    this.scorer.on('closed', (e) => this.emit('anomalyClosed', e));
    // Anomaly events become incidents with root causes, as they open and again as they close.
    const correlate = (event: AnomalyEvent) => this.emit('incident', this.analysis.correlate(event));
    this.on('anomalyOpened', correlate);
    this.on('anomalyClosed', correlate);
    this.on('anomalyOpened', (e) => this.stream.publish('anomaly', e.instance, { event: e }));
    this.on('anomalyClosed', (e) => this.stream.publish('anomaly', e.instance, { event: e }));
    this.on('incident', (i) => this.stream.publish('incident', i.instance, { incident: i }));
    this.on('anomalyClosed', (event) => {
      if (!this.leads) return; // every API node sees the event; the leader keeps it
      this.anomalies.append(event).catch((err: Error) => this.log.error({ err }, 'anomaly history write failed'));
    });
  }

  private schedule(): void {
    this.every(5_000, () => this.instances.flush());
    if (this.bus) {
      const bus = this.bus;
      this.every(10_000, () => saveRegistrySnapshot(this.objects, this.node, this.instances));
      this.every(5_000, () => bus.lead());
    }
    this.every(30_000, () => this.ingest.compactLog());
    this.every(10_000, () => this.trainer.runDue(this.instances.list()));
    this.every(10_000, () => this.analysis.evaluateForecasts());
    this.every(60_000, () => this.predictFailures());
    this.every(30_000, () => this.analysis.incidents.correlateFleet((id) => this.instances.get(id)?.labels));
    this.every(3_600_000, () => this.applyRetention());
    setImmediate(() => void this.applyRetention().catch(() => undefined));
    setImmediate(() => void this.trainer.runDue(this.instances.list()));
  }

  private every(ms: number, task: () => Promise<unknown> | unknown): void {
    const timer = setInterval(() => {
      Promise.resolve()
        .then(task)
        .catch((err: Error) => this.log.error({ err }, 'periodic task failed'));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private async shareFailure(event: FailureEvent): Promise<void> {
    if (!this.bus) return;
    await saveSharedFailure(this.objects, event);
    await this.bus.publishEvent({ type: 'failure', failure: event }).catch(() => undefined);
  }

  /** A failure-prediction round: every live instance's predictions are streamed, held against the remediation policies and written back. */
  async predictFailures(now = Date.now()): Promise<void> {
    await this.analysis.predictFleet(
      this.instances.list(),
      (record) => isLive(record.lastSeen, now),
      (instance, predictions) => this.predicted(instance, predictions, now),
      now
    );
    if (this.config.writeBack && this.leads) await this.writeBack.write(this.analysis.outputs(), now);
  }

  private async predicted(instance: string, predictions: KindPrediction[], now: number): Promise<void> {
    for (const p of predictions) this.stream.publish('failure_probability', instance, { ts: now, ...p });
    if (this.leads)
      await remediatePredictions(this.remediation, instance, predictions, () =>
        this.analysis.recommendActions(instance)
      );
  }

  /**
   * The metric store's retention as of `now`: raw points older than TWIN_RETENTION_RAW folded into
   * 5-minute rollups, rollups older than TWIN_RETENTION_HISTORY dropped (hourly, and at start).
   */
  applyRetention(now = Date.now()): Promise<unknown> {
    return this.metrics.applyRetention(now - this.config.rawRetentionMs, now - this.config.historyRetentionMs);
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
      this.scorer?.close();
      await this.metrics?.close();
      await this.instances?.close();
      await this.bus?.close();
      this.failures?.store.close();
      await this.db?.checkpoint();
      this.db?.close();
    })();
    return this.stopping;
  }
}
