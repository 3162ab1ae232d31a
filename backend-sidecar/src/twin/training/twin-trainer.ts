import { EventEmitter } from 'node:events';
import { recordedAnomalies, type MetricStore, type ObjectStore } from '../../store/index.ts';

import type { TwinConfig } from '../../core/config.ts';
import { toRegular, type RegularSeries } from '../../features/index.ts';
import { trainTwinModel } from '../baseline/baseline-training.ts';
import { DEFAULT_LSTM_OPTIONS, type LstmTwinOptions } from '../lstm/lstm-metadata.ts';
import type { ModelRegistry, VersionDecision } from '../model-registry.ts';
import type { TrainingPool } from './training-pool.ts';
import type { TwinKind, TwinModel } from '../twin.ts';
import { weightsFromArtifacts, type NetworkArtifacts } from '../lstm/artifacts.ts';
import { recentError } from './champion-rule.ts';
import { anomaliesInRegime, regimeStart } from './regime.ts';
import type { InstanceHistory, TrainOutcome, TrainRequest } from './training-request.ts';

export type { InstanceHistory } from './training-request.ts';

export interface TrainerOptions {
  windowMs: number;
  minHistoryMs: number;
  retrainIntervalMs: number;
  /** Most rows a training window is read at (the step follows from it and from the history there is). */
  maxPoints?: number;
  /** The kind of twin trained (an LSTM unless configured otherwise). */
  kind?: TwinKind;
  lstm?: Partial<LstmTwinOptions>;
  /** Where networks train (worker threads); required for LSTM twins. */
  pool?: TrainingPool;
  /** Training as jobs on a shared queue (BullMQ) instead of directly. */
  queue?: { submit(request: TrainRequest): Promise<TrainOutcome> };
  /** The instance's recorded anomalies in a time range: left out of a new twin's level baseline. */
  anomalies?: (instance: string, from: number, to: number) => Promise<{ start: number; end: number }[]>;
  /** When the anomaly open on an instance now began (the live detectors know): one open long enough settles as the new normal. */
  openAnomalySince?: (instance: string) => number | undefined;
  /** How long an anomaly stays open before it settles (default `SETTLE_MS`, a day). */
  settleMs?: number;
}

/**
 * The trainer's options as a configuration sets them (the sidecar's and `twin worker`'s alike); the
 * recorded anomalies left out of a new twin's baseline are read from the anomaly history in `objects`.
 */
export function trainerOptions(
  config: Pick<
    TwinConfig,
    'trainingWindowMs' | 'minHistoryMs' | 'retrainIntervalMs' | 'settleMs' | 'twinModel' | 'trainEpochs'
  >,
  { objects, ...extras }: Pick<TrainerOptions, 'pool' | 'queue' | 'openAnomalySince'> & { objects: ObjectStore }
): TrainerOptions {
  return {
    windowMs: config.trainingWindowMs,
    minHistoryMs: config.minHistoryMs,
    retrainIntervalMs: config.retrainIntervalMs,
    settleMs: config.settleMs,
    kind: config.twinModel,
    lstm: { maxEpochs: config.trainEpochs },
    anomalies: (instance, from, to) => recordedAnomalies(objects, instance, from, to),
    ...extras,
  };
}

export interface TrainerEvents {
  progress: [{ instance: string; fraction: number; version: string; message?: string }];
  trained: [{ instance: string; model: TwinModel; decision: VersionDecision }];
  failed: [{ instance: string; error: Error }];
}

/**
 * Decides which instances need a (new) twin and trains them, as many at a time as the training pool
 * has threads: the first twin once an instance has enough history, then a new version on the
 * retraining schedule. A new version replaces the champion only if it predicts the same recent
 * data at least as well; otherwise it is kept, rejected, with the reason.
 */
export class TwinTrainer extends EventEmitter<TrainerEvents> {
  private running: Promise<number> | undefined;
  private stopped = false;
  private readonly lastAttempt = new Map<string, number>();
  /** Instances whose twin drifted, with why: retrained at the next round whatever the schedule. */
  private readonly driftRequests = new Map<string, string>();

  constructor(
    private readonly store: MetricStore,
    private readonly models: ModelRegistry,
    private readonly options: TrainerOptions
  ) {
    super();
  }

  get kind(): TwinKind {
    return this.options.kind ?? 'lstm';
  }

  /** Instances due for training now, most overdue first. */
  due(instances: readonly InstanceHistory[], now: number): InstanceHistory[] {
    return instances.filter((inst) => {
      const champion = this.models.champion(inst.id);
      const history = inst.lastSeen - inst.firstSeen;
      if (now - (this.lastAttempt.get(inst.id) ?? 0) < 60_000) return false;
      if (!champion) return history >= this.options.minHistoryMs;
      if (this.driftRequests.has(inst.id)) return true;
      return now - champion.createdAt >= this.options.retrainIntervalMs;
    });
  }

  /** Asks for a new version of an instance's twin at the next round (drift seen in its live errors). */
  requestRetrain(instance: string, why: string): void {
    this.driftRequests.set(instance, why);
  }

  /** How long until an instance without a twin has enough history for one. */
  readyIn(inst: InstanceHistory): number {
    return Math.max(0, this.options.minHistoryMs - (inst.lastSeen - inst.firstSeen));
  }

  runDue(instances: readonly InstanceHistory[], now = Date.now()): Promise<number> {
    if (this.running || this.stopped) return Promise.resolve(0);
    this.running = this.trainDue(instances, now).finally(() => (this.running = undefined));
    return this.running;
  }

  /** Lets the jobs in progress finish and starts no other. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async trainDue(instances: readonly InstanceHistory[], now: number): Promise<number> {
    const queue = this.due(instances, now);
    let trained = 0;
    const lane = async () => {
      for (let inst = queue.shift(); inst && !this.stopped; inst = queue.shift()) {
        this.lastAttempt.set(inst.id, Date.now());
        try {
          const openSince = this.options.openAnomalySince?.(inst.id);
          const history = {
            firstSeen: inst.firstSeen,
            lastSeen: inst.lastSeen,
            samples: inst.samples,
            ...(openSince !== undefined ? { anomalyOpenSince: openSince } : {}),
          };
          if (this.options.queue) {
            // One job per instance and version to follow: every node that finds the instance due
            // (its schedule, or drift, which every node sees at once) before a new version exists
            // joins the same job, whenever it asks.
            const round = `after-${(await this.models.latestVersion(inst.id)) ?? 'none'}`;
            await this.options.queue.submit({ instance: inst.id, now: Date.now(), history, round });
            await this.models.refresh(inst.id);
          } else {
            await this.train(inst.id, Date.now(), history);
          }
          trained++;
        } catch (error) {
          if (!this.stopped) this.emit('failed', { instance: inst.id, error: error as Error });
        }
      }
    };
    // Queued jobs are worked by however many workers there are: ask for them all at once (up to
    // 256 waiting on outcomes); in this process, as many at a time as the pool has threads.
    const lanes = this.options.queue
      ? Math.min(256, Math.max(1, queue.length))
      : this.kind === 'lstm'
        ? (this.options.pool?.size ?? 1)
        : 1;
    await Promise.all(Array.from({ length: lanes }, lane));
    return trained;
  }

  /**
   * The training data: the rolling window (or the history there is, or the current regime), at a
   * step that keeps it under maxPoints rows and is no finer than the instance's own sampling interval.
   */
  async trainingSeries(
    instance: string,
    now: number,
    history?: Omit<InstanceHistory, 'id'>,
    regimeFrom = -Infinity
  ): Promise<RegularSeries> {
    const from = Math.max(now - this.options.windowMs, history?.firstSeen ?? -Infinity, regimeFrom);
    const maxPoints = this.options.maxPoints ?? (this.kind === 'lstm' ? 10_080 : 20_000);
    const interval =
      history?.samples && history.samples > 1 ? (history.lastSeen - history.firstSeen) / (history.samples - 1) : 0;
    const stepMs = Math.max(
      1000,
      Math.ceil((now - from) / maxPoints / 1000) * 1000,
      Math.round(interval / 1000) * 1000
    );
    const window = await this.store.readWindow(instance, { from, to: now, stepMs });
    if (window.ts.length < 30) throw new Error(`only ${window.ts.length} points of history for ${instance}`);
    return toRegular(window.ts, window.metrics, window.values, stepMs);
  }

  /** Spans of the instance's recorded anomalies in the window; none when the history cannot be read (training goes on). */
  private async anomaliesIn(instance: string, from: number, to: number): Promise<{ start: number; end: number }[]> {
    if (!this.options.anomalies) return [];
    try {
      return await this.options.anomalies(instance, from, to);
    } catch {
      return [];
    }
  }

  async train(
    instance: string,
    now: number,
    history?: Omit<InstanceHistory, 'id'>,
    origin: Pick<VersionDecision, 'job' | 'trainedBy'> = {}
  ): Promise<TwinModel> {
    const version = await this.models.nextVersion(instance);
    const progress = (fraction: number, message?: string) =>
      this.emit('progress', { instance, fraction, version, ...(message ? { message } : {}) });
    progress(0);
    const champion = this.models.loadedChampion(instance);
    const championRegime = champion?.model.window.regimeFrom;
    const regimeFrom = regimeStart(
      championRegime,
      history?.anomalyOpenSince ?? this.options.openAnomalySince?.(instance),
      now,
      this.options.settleMs
    );
    // A new regime is learnt afresh: the champion's feature scaling belongs to the level left behind.
    const newRegime = regimeFrom !== championRegime;
    const series = await this.trainingSeries(instance, now, history, regimeFrom);
    let model: TwinModel;
    let artifacts: NetworkArtifacts | undefined;
    if (this.kind === 'lstm') {
      if (!this.options.pool) throw new Error('LSTM twins need a training pool');
      const options = { ...DEFAULT_LSTM_OPTIONS, ...this.options.lstm };
      const parent =
        champion?.model.kind === 'lstm' && !newRegime
          ? { model: champion.model, artifacts: (await this.models.artifacts(instance, champion.model.version))! }
          : undefined;
      const to = series.from + (series.values[0]!.length - 1) * series.stepMs;
      const exclude = anomaliesInRegime(await this.anomaliesIn(instance, series.from, to), regimeFrom);
      ({ model, artifacts } = await this.options.pool.train(
        { instance, version, series, options, parent, exclude, windowMs: this.options.windowMs },
        (fraction, message) => progress(0.05 + 0.85 * fraction, message)
      ));
    } else {
      const ts = Array.from({ length: series.values[0]!.length }, (_, i) => series.from + i * series.stepMs);
      model = await trainTwinModel(
        instance,
        version,
        { ts, metrics: series.metrics, values: series.values },
        series.stepMs,
        (fraction) => progress(0.05 + 0.85 * fraction),
        champion?.model.version
      );
    }
    if (regimeFrom !== undefined) model.window.regimeFrom = regimeFrom;
    const drift = this.driftRequests.get(instance);
    this.driftRequests.delete(instance);
    const decision = this.judge(model, artifacts, champion, series, newRegime);
    decision.trigger = !champion
      ? 'first'
      : newRegime
        ? `shift settled: anomaly open since ${new Date(regimeFrom!).toISOString()}`
        : drift
          ? `drift: ${drift}`
          : 'schedule';
    Object.assign(decision, origin);
    await this.models.publish(model, artifacts, decision);
    progress(1, decision.reason);
    this.emit('trained', { instance, model, decision });
    return model;
  }

  /**
   * Champion only if no worse than the current champion on the same recent data (the last fifth of
   * the window), or if it learnt a new regime (`settled`): the champion's one-step predictions may
   * still hold up there, but its baseline, the level the instance has left, does not.
   */
  judge(
    model: TwinModel,
    artifacts: NetworkArtifacts | undefined,
    champion: ReturnType<ModelRegistry['loadedChampion']>,
    series: RegularSeries,
    settled = false
  ): VersionDecision {
    const decidedAt = Date.now();
    if (!champion) return { status: 'champion', reason: 'first version', decidedAt };
    const rows = series.values[0]!.length;
    const fromRow = Math.floor(rows * 0.8);
    const scales = new Map<string, number>();
    if (model.kind === 'lstm') {
      for (const i of model.features.inputs) if (i.transform === 'gauge') scales.set(i.metric, i.scale);
    } else {
      for (const m of model.metrics) scales.set(m.name, m.errorScale);
    }
    const candidate = { model, weights: artifacts ? networkWeights(model, artifacts) : undefined };
    const candidateError = recentError(candidate, series, fromRow, scales);
    const championError = recentError(champion, series, fromRow, scales);
    const figures = `${candidateError.toFixed(4)} against the champion's ${championError.toFixed(4)} on the same recent data`;
    if (!Number.isFinite(championError) || candidateError <= championError)
      return { status: 'champion', reason: `validation error ${figures}`, candidateError, championError, decidedAt };
    if (settled) {
      const reason = `validation error ${figures}: promoted all the same, the champion's baseline is the level the instance has left`;
      return { status: 'champion', reason, candidateError, championError, decidedAt };
    }
    return {
      status: 'rejected',
      reason: `validation error ${figures}: worse, ${champion.model.version} stays`,
      candidateError,
      championError,
      decidedAt,
    };
  }
}

function networkWeights(model: TwinModel, artifacts: NetworkArtifacts) {
  return model.kind === 'lstm' ? weightsFromArtifacts(artifacts, model.network) : undefined;
}
