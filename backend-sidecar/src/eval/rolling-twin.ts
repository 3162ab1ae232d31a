import { AnomalyDetector, type AnomalyEvent, type ScoredPoint } from '../anomaly/index.ts';
import { toRegular, type RegularSeries } from '../features/index.ts';
import { DEFAULT_LSTM_OPTIONS, historyNeeded, LstmTwinRunner, type LstmTwinModel } from '../twin/index.ts';
import { trainLstmTwin } from '../twin/lstm/lstm-training.ts';
import { weightsFromArtifacts, type NetworkArtifacts } from '../twin/lstm/artifacts.ts';
import type { HorizonForecast, LstmStepResult, TwinForecast } from '../twin/lstm/lstm-runner.ts';
import type { LstmTwinOptions } from '../twin/lstm/lstm-metadata.ts';
import type { TfBackend } from '../twin/lstm/tf-backend.ts';
import { anomaliesInRegime, regimeStart } from '../twin/training/regime.ts';

/** How often an evaluation retrains its twin unless told otherwise (the product's default is 6 hours, 4x the time). */
export const EVAL_RETRAIN_MS = 24 * 3_600_000;

export interface RollingTwinOptions {
  instance: string;
  metrics: string[];
  /** The step the twin trains at (the data's own). */
  stepMs: number;
  /** The rolling training window (the product's default is 7 days). */
  windowMs: number;
  /** How often a new version is trained on the window so far (the product's default is 6 hours). */
  retrainMs: number;
  /** Epochs of the first training (0: the untrained network, calibrated all the same). */
  epochs: number;
  /** Most epochs of each later, warm-started training (default 2, to keep an evaluation's dozens of versions quick). */
  retrainEpochs?: number;
  lstm?: Partial<LstmTwinOptions>;
  backend: TfBackend;
  /** How long an anomaly stays open before it is the new normal (the product's default, `SETTLE_MS`, unless told). */
  settleMs?: number;
  /** Called when an anomaly event opens (after its first few anomalous points). */
  onOpened?: (event: AnomalyEvent) => void;
  /** Called when an anomaly event ends. */
  onClosed?: (event: AnomalyEvent) => void;
}

export interface RollingStep {
  step: LstmStepResult | undefined;
  point: ScoredPoint | undefined;
}

/**
 * The product's twin life cycle over recorded data, one sample at a time: a twin trained on the
 * history before scoring starts, then, every `retrainMs`, a new version trained on the rolling
 * window (warm-started from the last, the window's recorded anomalies left out of its level
 * baseline; afresh from the start of an anomaly that has settled, see `regimeStart`) that takes
 * over with a detector of its own thresholds, carrying on any event in progress, as the sidecar
 * loads a new champion.
 */
export class RollingTwin {
  private readonly ts: number[] = [];
  private readonly values: number[][];
  private readonly events: { start: number; end: number }[] = [];
  private model!: LstmTwinModel;
  private artifacts!: NetworkArtifacts;
  private runner!: LstmTwinRunner;
  detector!: AnomalyDetector;
  private trainedAt = 0;
  trainSeconds = 0;
  private versions = 0;

  private constructor(private readonly options: RollingTwinOptions) {
    this.values = options.metrics.map(() => []);
  }

  /** A twin trained on `history` (the last `windowMs` of it), primed with its end. */
  static async start(options: RollingTwinOptions, history: RegularSeries): Promise<RollingTwin> {
    const twin = new RollingTwin(options);
    const rows = history.values[0]!.length;
    for (let r = 0; r < rows; r++) {
      twin.ts.push(history.from + r * history.stepMs);
      history.values.forEach((column, c) => twin.values[c]!.push(column[r]!));
    }
    await twin.retrain();
    return twin;
  }

  /** Scores one sample (training a new version first when one is due). */
  async step(ts: number, sample: Record<string, number>): Promise<RollingStep> {
    if (ts - this.trainedAt >= this.options.retrainMs) await this.retrain();
    this.ts.push(ts);
    this.options.metrics.forEach((m, c) => this.values[c]!.push(sample[m] ?? NaN));
    const step = this.runner.step(ts, sample);
    const point = step ? this.detector.score(step.ts, step.scores, () => step.levels ?? {}) : undefined;
    return { step, point };
  }

  /** The twin rolled forward `steps` steps from the last sample (see `LstmTwinRunner.forecast`); undefined until it has a full window. */
  forecast(steps: number): TwinForecast | undefined {
    return this.runner.ready ? this.runner.forecast(steps) : undefined;
  }

  /** The step the twin's network works at (its forecasts' step). */
  get stepMs(): number {
    return this.model.window.stepMs;
  }

  /** The twin's direct forecasts at its horizons (see `LstmTwinRunner.horizonForecast`); undefined without heads. */
  horizonForecast(): HorizonForecast | undefined {
    return this.runner.horizonForecast();
  }

  /** The metrics the twin forecasts in their own units (gauges; counters it forecasts as rates per step). */
  get gauges(): string[] {
    return this.model.features.inputs.filter((i) => i.transform === 'gauge').map((i) => i.metric);
  }

  /** The samples of the last `windowMs` (no earlier than `regimeFrom`), at the twin's step. */
  private window(regimeFrom = -Infinity): RegularSeries {
    const end = this.ts[this.ts.length - 1]!;
    const earliest = Math.max(end - this.options.windowMs + 1, regimeFrom);
    let from = this.ts.length - 1;
    while (from > 0 && this.ts[from - 1]! >= earliest) from--;
    return toRegular(
      this.ts.slice(from),
      this.options.metrics,
      this.values.map((v) => Float64Array.from(v.slice(from))),
      this.options.stepMs
    );
  }

  private async retrain(): Promise<void> {
    // An event open now carries on under the new version; it is left out of the new baseline (so
    // far) unless it has lasted long enough to be the new normal.
    const open = this.detector?.openEvent;
    if (open) this.events.push({ start: open.start, end: open.end });
    const championRegime = this.model?.window.regimeFrom;
    const regimeFrom = regimeStart(championRegime, open?.start, this.ts[this.ts.length - 1]!, this.options.settleMs);
    const series = this.window(regimeFrom);
    const started = performance.now();
    const parent =
      this.model && regimeFrom === championRegime ? { model: this.model, artifacts: this.artifacts } : undefined;
    const { model, artifacts } = await trainLstmTwin({
      instance: this.options.instance,
      version: `v${String(++this.versions).padStart(4, '0')}`,
      series,
      options: {
        ...DEFAULT_LSTM_OPTIONS,
        ...this.options.lstm,
        maxEpochs: parent ? Math.min(this.options.epochs, this.options.retrainEpochs ?? 2) : this.options.epochs,
      },
      backend: this.options.backend,
      parent,
      exclude: anomaliesInRegime(
        this.events.filter((e) => e.end >= series.from),
        regimeFrom
      ),
      windowMs: this.options.windowMs,
    });
    if (regimeFrom !== undefined) model.window.regimeFrom = regimeFrom;
    this.trainSeconds += (performance.now() - started) / 1000;
    this.model = model;
    this.artifacts = artifacts;
    this.trainedAt = this.ts[this.ts.length - 1]!;
    this.runner = new LstmTwinRunner(model, weightsFromArtifacts(artifacts, model.network));
    // Primed with the window's end (the history a twin starts from, and one step more), so that
    // the next sample already has a prediction.
    const prime = historyNeeded(model).steps + 1;
    const rows = series.values[0]!.length;
    for (let r = Math.max(0, rows - prime); r < rows; r++) {
      const sample: Record<string, number> = {};
      series.metrics.forEach((m, c) => (sample[m] = series.values[c]![r]!));
      this.runner.step(series.from + r * series.stepMs, sample);
    }
    const previous = this.detector as AnomalyDetector | undefined;
    this.detector = AnomalyDetector.forTwin(this.options.instance, model);
    this.detector.on('closed', (e) => this.events.push({ start: e.start, end: e.end }));
    if (this.options.onOpened) this.detector.on('opened', this.options.onOpened);
    if (this.options.onClosed) this.detector.on('closed', this.options.onClosed);
    if (previous) this.detector.continueFrom(previous);
  }
}
