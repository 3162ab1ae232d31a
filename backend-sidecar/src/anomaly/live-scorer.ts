import { EventEmitter } from 'node:events';
import { toSamples, type ColumnarBatch } from '../core/columnar.ts';
import type { Sample } from '../core/types.ts';
import type { SeriesWindow } from '../store/index.ts';
import {
  DriftMonitor,
  LstmTwinRunner,
  startTwinFromHistory,
  type HorizonForecast,
  type LiveTwin,
  type LoadedTwin,
  type TwinModel,
} from '../twin/index.ts';
import { AnomalyDetector, type AnomalyEvent } from './anomaly-detector.ts';
import { LIVE_SCORING } from './parameters.ts';
import { errors } from '../core/errors.ts';

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

export interface LiveScorerEvents {
  /** Fresh samples, before any of them is scored (the resources' trends watch them all). */
  samples: [Sample[]];
  scored: [{ instance: string; ts: number; score: number; anomalous: string[] }];
  opened: [AnomalyEvent];
  closed: [AnomalyEvent];
  /** The twin's live errors left the level it started at, with no incident to explain it. */
  drift: [{ instance: string; version: string; why: string }];
}

/** What the scorer needs of the champions: which version each instance runs, with its weights. */
export interface ChampionSource {
  champion(instance: string): TwinModel | undefined;
  loadedChampion(instance: string): LoadedTwin | undefined;
}

export interface LiveScorerOptions {
  champions: ChampionSource;
  /** Reads an instance's stored history (a starting twin fills its window from it). */
  readWindow: (instance: string, from: number, to: number, stepMs: number) => Promise<SeriesWindow>;
  /** Runs before the first twin of an instance since start-up scores anything (its incidents are rebuilt). */
  beforeFirstTwin?: (instance: string, ts: number) => Promise<void>;
  log: { error(details: object, message: string): void };
}

/**
 * The live path's scoring stage: every fresh sample of an instance with a champion goes through its
 * twin, then its anomaly detector. A new champion gets a new twin (started from stored history) and
 * detector (carrying an open incident on); history being loaded in bulk is stored, not scored.
 */
export class LiveScorer extends EventEmitter<LiveScorerEvents> {
  private readonly live = new Map<string, InstanceLiveState>();

  constructor(private readonly options: LiveScorerOptions) {
    super();
  }

  state(instance: string): InstanceLiveState | undefined {
    return this.live.get(instance);
  }

  states(): IterableIterator<InstanceLiveState> {
    return this.live.values();
  }

  /** When the anomaly open on the instance began, if one is. */
  openSince(instance: string): number | undefined {
    return this.live.get(instance)?.detector.openEvent?.start;
  }

  /** The twin's prediction for the instance's step under way (LSTM twins; empty otherwise). */
  nextValues(instance: string): Record<string, number> {
    const runner = this.live.get(instance)?.runner;
    return runner instanceof LstmTwinRunner ? runner.predictedNext() : {};
  }

  /**
   * The twin's direct forecasts for the instance from its latest step, or a 404 / 409 saying why
   * there are none (no live twin; a model without heads, which rolls forward instead; a twin still
   * filling its window).
   */
  forecast(instance: string): HorizonForecast {
    const state = this.live.get(instance);
    if (!state) throw errors.notFound('live twin of instance', instance);
    const runner = state.runner;
    if (!runner) throw errors.conflict(`the twin of ${instance} is still starting`);
    if (!(runner instanceof LstmTwinRunner))
      throw errors.conflict(`the twin of ${instance} is a ${runner.model.kind} model, which has no horizon forecasts`);
    if (!runner.model.horizons)
      throw errors.conflict(
        `the twin of ${instance} (${runner.model.version}) has no horizon heads: its window was too short or too sparse to ` +
          'calibrate them; it forecasts by rolling forward (POST /api/v1/twin/whatif) until a longer window retrains it'
      );
    const forecast = runner.horizonForecast();
    if (!forecast) throw errors.conflict(`the twin of ${instance} has not yet seen a full window of steps`);
    return forecast;
  }

  /** Ends the instance's open anomaly (it failed: what follows is a new story). */
  closeEvent(instance: string): void {
    this.live.get(instance)?.detector.close();
  }

  /** Ends every open anomaly (the sidecar stops). */
  close(): void {
    for (const state of this.live.values()) state.detector.close();
  }

  /** Runs each instance's twin over fresh samples and feeds anomalies and trends onward. */
  score(batches: readonly ColumnarBatch[]): void {
    const recent = Date.now() - LIVE_SCORING.trendLookbackMs.value;
    for (const batch of batches) {
      // History being loaded in bulk is stored, not scored: only live samples and twins' instances.
      const hasTwin = this.options.champions.champion(batch.instance) !== undefined;
      const samples = toSamples(
        batch,
        hasTwin ? (this.live.get(batch.instance)?.lastScoredTs ?? -Infinity) + 1 : recent
      );
      if (samples.length) this.scoreSamples(samples);
    }
  }

  private scoreSamples(samples: Sample[]): void {
    this.emit('samples', samples);
    for (const s of samples) {
      const loaded = this.options.champions.loadedChampion(s.instance);
      if (!loaded) continue;
      let state = this.live.get(s.instance);
      if (!state || state.version !== loaded.model.version) state = this.startTwin(s, loaded, state);
      if (!state.runner || s.ts <= state.lastScoredTs) continue;
      state.lastScoredTs = s.ts;
      const step = state.runner.step(s.ts, s.values);
      if (!step) continue;
      const point = state.detector.score(step.ts, step.scores, () => step.levels ?? {});
      state.lastScore = point.instanceScore;
      this.emit('scored', {
        instance: s.instance,
        ts: step.ts,
        score: point.instanceScore,
        anomalous: point.anomalous,
      });
      this.watchDrift(s.instance, state, step.scores);
    }
  }

  private startTwin(s: Sample, loaded: LoadedTwin, previous: InstanceLiveState | undefined): InstanceLiveState {
    const detector = AnomalyDetector.forTwin(s.instance, loaded.model);
    detector.on('opened', (e) => this.emit('opened', e));
    detector.on('closed', (e) => this.emit('closed', e));
    // A new version taking over mid-incident carries the incident's event on.
    if (previous) detector.continueFrom(previous.detector);
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
    const restored = previous ? undefined : this.options.beforeFirstTwin?.(s.instance, s.ts);
    this.live.set(s.instance, started);
    // Samples that arrive while the twin reads its recent history are in the store, and in that history.
    Promise.all([
      startTwinFromHistory(loaded, (from, to, stepMs) => this.options.readWindow(s.instance, from, to, stepMs), s.ts),
      restored,
    ])
      .then(([runner]) => {
        started.runner = runner;
      })
      .catch((err: Error) => this.options.log.error({ err, instance: s.instance }, 'twin could not start'));
    return started;
  }

  private watchDrift(instance: string, state: InstanceLiveState, scores: Record<string, number>): void {
    const values = Object.entries(scores)
      .filter(([metric]) => !metric.startsWith('*'))
      .map(([, score]) => score);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    if (state.drift.observe(mean, state.detector.inIncident)) {
      const why = `mean score ${state.drift.currentLevel!.toFixed(2)} against ${state.drift.baselineLevel!.toFixed(2)} when the twin started, no incident open`;
      this.emit('drift', { instance, version: state.version, why });
    }
  }
}
