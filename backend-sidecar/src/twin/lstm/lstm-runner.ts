import { FeatureBuilder, unscaled, withinBounds } from '../../features/index.ts';
import { LstmPredictor, LstmStream, type LstmWeights } from './lstm-step.ts';
import { headForecasts, RecentScaled } from './horizon-heads.ts';
import {
  fartherOff,
  JOINT_SCORE,
  LEVEL_ABOVE_SCORE,
  LEVEL_BELOW_SCORE,
  LEVEL_CAP,
  LEVEL_SCORE,
  type LstmTwinModel,
} from './lstm-metadata.ts';

/** What the twin says of one sample: the prediction for its step, and how surprising each value is. */
export interface LstmStepResult {
  ts: number;
  predicted: Record<string, number>;
  /** The sample's values the prediction is compared with (gauges; counters are judged as rates per step). */
  actual: Record<string, number>;
  scores: Record<string, number>;
  /** Per gauge: how many standard deviations it sits from its reference baseline (what an anomaly's contributions are shared by). */
  levels?: Record<string, number>;
}

/** What an action does to an instance's values, for the twin to roll itself forward under it. */
export interface ForecastEffect {
  /** Applied once, to the first predicted values (a capacity change moves the level at once). */
  initial?(metric: string, value: number): number;
  /** Applied to each later prediction given the previous value (a capacity change scales the moves). */
  step?(metric: string, predicted: number, previous: number): number;
  /** How much of a metric's drift (a trend the twin does not model) survives the action (default 1). */
  drift?(metric: string): number;
}

/** The twin's own forecast: each metric's predicted values a step apart, in its raw units (counters as rates). */
export interface TwinForecast {
  from: number;
  stepMs: number;
  /** Per metric: the values, and the twin's usual one-step error in the same units. */
  metrics: Record<string, { values: number[]; error: number }>;
}

/** The twin's direct forecasts: `horizons[i]` steps after the step at `at`, per metric. */
export interface HorizonForecast {
  at: number;
  stepMs: number;
  horizons: number[];
  metrics: Record<
    string,
    { mean: number[]; lower80: number[]; upper80: number[]; lower95: number[]; upper95: number[] }
  >;
}

/**
 * Runs one instance's LSTM twin over its live samples. The network works at the model's step (the
 * resolution it was trained at): samples within a step are averaged into one feature row, and when
 * a step completes the twin predicts the next. Every sample is compared with the prediction for
 * its step; its score divides the miss by the twin's usual one-step error combined with how much
 * samples scatter within a step (measured live), so that 1 Hz samples are not judged by the
 * tolerance of minute means.
 */
export class LstmTwinRunner {
  private readonly builder: FeatureBuilder;
  private readonly stream: LstmStream;
  private readonly row: Float64Array;
  private readonly scaled: Float64Array;
  private readonly out: Float64Array;
  private readonly raw: Float64Array;
  private readonly counts: Uint32Array;
  /** Within-step sum of squared deviations (Welford) of each input's scaled samples. */
  private readonly m2: Float64Array;
  /** Smoothed within-step variance of each input, in scaled units. */
  private readonly scatter: Float64Array;
  /** Per input: the twin's one-step error combined with the within-step scatter (updated once a step). */
  private readonly tolerance: Float64Array;
  private readonly index: Map<string, number>;
  /** Which inputs are gauges (scored per sample; counters only as rates per step). */
  private readonly gauge: Uint8Array;
  /** Per input, the means of its last `slow.steps - 1` completed steps (a ring; NaN where a step had no samples). */
  private readonly recent: Float64Array;
  private recentAt = 0;
  /** Gauges outside the network whose distance from their training mean is still reported. */
  private readonly watched: Map<string, { mean: number; spread: number }>;
  /** Each input's last scaled values, for the horizon heads' means (undefined without heads). */
  private readonly recentScaled: RecentScaled | undefined;
  /**
   * For a twin scored against a head at some horizon: the forecasts it made at the last `horizon`
   * steps (a ring, `at` the next slot to write), each for the step `horizon` after it was made.
   */
  private readonly made: { ring: Float64Array; at: number; count: number } | undefined;
  private slot: number | undefined;
  /** Prediction for the current step, in scaled units (undefined until the window is full). */
  private next: Float64Array | undefined;

  constructor(
    readonly model: LstmTwinModel,
    weights: LstmWeights
  ) {
    const k = model.features.inputs.length;
    this.builder = new FeatureBuilder(model.features);
    this.stream = new LstmStream(new LstmPredictor(weights), model.network.window);
    this.row = new Float64Array(this.builder.width);
    this.scaled = new Float64Array(k);
    this.out = new Float64Array(k);
    this.raw = new Float64Array(k).fill(NaN);
    this.counts = new Uint32Array(k);
    this.m2 = new Float64Array(k);
    this.scatter = new Float64Array(k);
    this.tolerance = Float64Array.from(model.metrics, (m) => m.errorScale);
    this.index = new Map(model.features.inputs.map((input, i) => [input.metric, i]));
    this.gauge = Uint8Array.from(model.features.inputs, (input) => (input.transform === 'gauge' ? 1 : 0));
    this.watched = new Map((model.level?.watched ?? []).map((w) => [w.metric, w]));
    this.recent = new Float64Array(k * Math.max(0, (model.level?.slow?.steps ?? 1) - 1)).fill(NaN);
    const meanSteps = model.horizons?.meanSteps ?? [];
    this.recentScaled = meanSteps.length ? new RecentScaled(k, Math.max(...meanSteps)) : undefined;
    const against = model.horizons && model.scoredAgainst;
    this.made = against ? { ring: new Float64Array(against.horizon * k), at: 0, count: 0 } : undefined;
  }

  /** A gauge's mean over the slow scale's steps, the step under way counting with its samples so far. */
  private slowMean(k: number, current: number): number {
    const width = this.recent.length / this.raw.length;
    let sum = current;
    let n = 1;
    for (let j = 0; j < width; j++) {
      const v = this.recent[j * this.raw.length + k]!;
      if (Number.isFinite(v)) {
        sum += v;
        n++;
      }
    }
    return sum / n;
  }

  /** Adds a sample: completes the step before it if this one starts a new step, then scores it. */
  step(ts: number, values: Record<string, number>): LstmStepResult | undefined {
    const stepMs = this.model.window.stepMs;
    const slot = Math.floor(ts / stepMs);
    if (this.slot !== undefined && slot > this.slot) {
      this.complete(this.slot * stepMs);
      // Steps with no samples at all are missing values (the builder imputes and masks them).
      for (let s = this.slot + 1; s < slot && s - this.slot <= this.model.network.window; s++)
        this.complete(s * stepMs);
    }
    if (this.slot === undefined || slot > this.slot) this.slot = slot;
    const { inputs } = this.model.features;
    const result = this.next ? new SampleResult(ts, this.model, this.next, values) : undefined;
    let squares = 0;
    let scored = 0;
    let farthest = -1;
    let levelSquares = 0;
    let aboveSquares = 0;
    let levelCount = 0;
    const clip = this.model.features.clip;
    const level = this.model.level;
    for (const metric in values) {
      const value = values[metric]!;
      const k = this.index.get(metric);
      if (k === undefined) {
        const w = result && this.watched.get(metric);
        if (w && Number.isFinite(value)) result!.watchedLevels[metric] = Math.abs(value - w.mean) / w.spread;
        continue;
      }
      if (!Number.isFinite(value)) continue;
      const input = inputs[k]!;
      const c = this.counts[k]!;
      const mean = c === 0 ? value : this.raw[k]!;
      const updated = mean + (value - mean) / (c + 1);
      this.m2[k] = c === 0 ? 0 : this.m2[k]! + ((value - mean) * (value - updated)) / (input.scale * input.scale);
      this.raw[k] = updated;
      this.counts[k] = c + 1;
      if (!result || !this.gauge[k]) continue;
      const s = Math.max(-clip, Math.min(clip, (value - input.center) / input.scale));
      const score = Math.abs(s - this.next![k]!) / this.tolerance[k]!;
      result.scores[metric] = score;
      squares += score * score;
      scored++;
      const spread = level?.spread[k];
      if (spread) {
        // Samples scatter within a step more than step means do in training: that scatter widens the spread.
        const scatter = this.scatter[k]! * input.scale * input.scale;
        const off = (value - level!.mean[k]!) / Math.sqrt(spread * spread + scatter);
        const z = Math.abs(off);
        // What a gauge's distance explains is measured from where it has kept to over weeks.
        const referenceSpread = level!.reference?.spread[k];
        result.level[k] = referenceSpread
          ? Math.abs(value - level!.reference!.mean[k]!) / Math.sqrt(referenceSpread ** 2 + scatter)
          : z;
        if (z > farthest) farthest = z;
        const slowSpread = level!.slow?.spread[k];
        const slowOff = slowSpread ? (this.slowMean(k, updated) - level!.slow!.mean[k]!) / slowSpread : 0;
        const distance = fartherOff(off, slowOff);
        const square = Math.min(LEVEL_CAP, Math.abs(distance)) ** 2;
        levelSquares += square;
        if (distance > 0) aboveSquares += square;
        levelCount++;
      }
    }
    if (result && this.model.joint && scored >= 2) result.scores[JOINT_SCORE] = squares / scored;
    if (result && farthest >= 0 && level!.slow) {
      result.scores[LEVEL_SCORE] = Math.sqrt(levelSquares / levelCount);
      result.scores[LEVEL_ABOVE_SCORE] = Math.sqrt(aboveSquares / levelCount);
      result.scores[LEVEL_BELOW_SCORE] = Math.sqrt((levelSquares - aboveSquares) / levelCount);
    } else if (result && farthest >= 0) result.scores[LEVEL_SCORE] = farthest;
    return result;
  }

  /** Whether the twin has seen a full window and can forecast. */
  get ready(): boolean {
    return this.next !== undefined;
  }

  /** The prediction for the step under way, per metric in its raw units (counters as rates); empty before the first. */
  predictedNext(): Record<string, number> {
    const next = this.next;
    if (!next) return {};
    return Object.fromEntries(this.model.features.inputs.map((input, k) => [input.metric, unscaled(input, next[k]!)]));
  }

  /**
   * Rolls the twin forward `steps` steps from now, each step's prediction fed back as the next
   * step's values (after `effect`), on a copy of its state: the live twin is not touched. The
   * samples of the step under way count as that step.
   */
  forecast(steps: number, effect: ForecastEffect = {}): TwinForecast {
    if (this.slot === undefined) throw new Error('the twin has seen no samples yet');
    const sim = this.clone();
    const stepMs = this.model.window.stepMs;
    sim.complete(sim.slot! * stepMs);
    if (!sim.next)
      throw new Error(`the twin needs ${this.model.network.window} steps of history before it can forecast`);
    const { inputs } = this.model.features;
    const k = inputs.length;
    const values = inputs.map(() => [] as number[]);
    const fed = new Float64Array(k);
    for (let s = 1; s <= steps; s++) {
      for (let i = 0; i < k; i++) {
        const input = inputs[i]!;
        const { metric, center, scale } = input;
        const predicted = unscaled(input, sim.next[i]!);
        const previous = unscaled(input, sim.scaled[i]!);
        let v = predicted;
        if (s === 1 && effect.initial) v = effect.initial(metric, v);
        else if (s > 1 && effect.step) v = effect.step(metric, v, previous);
        v = withinBounds(input, v);
        values[i]!.push(v);
        fed[i] = (v - center) / scale;
      }
      sim.builder.pushScaled((sim.slot! + s) * stepMs, fed, sim.row, sim.scaled);
      sim.stream.push(sim.row);
      sim.stream.predict(sim.out);
      for (let i = 0; i < k; i++) sim.next[i] = sim.scaled[i]! + sim.out[i]!;
    }
    return {
      from: (this.slot + 1) * stepMs,
      stepMs,
      metrics: Object.fromEntries(
        inputs.map((input, i) => [
          input.metric,
          { values: values[i]!, error: this.model.metrics[i]!.errorScale * input.scale },
        ])
      ),
    };
  }

  /**
   * The twin's direct forecasts from now (the samples of the step under way counting as that step):
   * per metric, at each of the model's horizons, the mean and the 80 % and 95 % intervals in its raw
   * units (counters as rates). Undefined for a model without heads or before a full window.
   */
  horizonForecast(): HorizonForecast | undefined {
    const heads = this.model.horizons;
    if (!heads || this.slot === undefined || !this.next) return undefined;
    const sim = this.clone();
    const stepMs = this.model.window.stepMs;
    sim.complete(sim.slot! * stepMs);
    const hidden = sim.stream.hidden;
    const metrics: HorizonForecast['metrics'] = {};
    this.model.features.inputs.forEach((input, k) => {
      const value = sim.scaled[k]!;
      const forecasts = headForecasts(heads, k, hidden, value, sim.out[k]!, sim.recentScaled!);
      metrics[input.metric] = {
        mean: forecasts.map((f) => unscaled(input, f.mean)),
        lower80: forecasts.map((f) => unscaled(input, f.mean - f.q80)),
        upper80: forecasts.map((f) => unscaled(input, f.mean + f.q80)),
        lower95: forecasts.map((f) => unscaled(input, f.mean - f.q95)),
        upper95: forecasts.map((f) => unscaled(input, f.mean + f.q95)),
      };
    });
    return { at: this.slot * stepMs, stepMs, horizons: heads.horizons, metrics };
  }

  /** A runner in the same state that goes on independently (sharing the model and its weights). */
  private clone(): LstmTwinRunner {
    const copy = Object.create(LstmTwinRunner.prototype) as LstmTwinRunner;
    return Object.assign(copy, this, {
      builder: this.builder.clone(),
      stream: this.stream.clone(),
      row: this.row.slice(),
      scaled: this.scaled.slice(),
      out: this.out.slice(),
      raw: this.raw.slice(),
      counts: this.counts.slice(),
      m2: this.m2.slice(),
      scatter: this.scatter.slice(),
      tolerance: this.tolerance.slice(),
      recent: this.recent.slice(),
      next: this.next?.slice(),
      recentScaled: this.recentScaled?.clone(),
      made: this.made && { ...this.made, ring: this.made.ring.slice() },
    });
  }

  private complete(stepTs: number): void {
    const k = this.model.features.inputs.length;
    this.builder.push(stepTs, this.raw, this.row, this.scaled);
    this.recentScaled?.push(this.scaled);
    for (let i = 0; i < k; i++) {
      const n = this.counts[i]!;
      if (n >= 2) this.scatter[i] = this.scatter[i]! + 0.1 * (this.m2[i]! / (n - 1) - this.scatter[i]!);
      this.tolerance[i] = Math.sqrt(this.model.metrics[i]!.errorScale ** 2 + this.scatter[i]!);
    }
    if (this.recent.length) {
      const width = this.recent.length / k;
      this.recent.set(this.raw, this.recentAt * k);
      this.recentAt = (this.recentAt + 1) % width;
    }
    this.stream.push(this.row);
    if (this.stream.ready) {
      this.stream.predict(this.out);
      this.next ??= new Float64Array(k);
      const made = this.made;
      if (made) {
        const { horizon } = this.model.scoredAgainst!;
        const hidden = this.stream.hidden;
        const heads = this.model.horizons!;
        const at = made.at * k;
        const hi = heads.horizons.indexOf(horizon);
        for (let i = 0; i < k; i++)
          made.ring[at + i] = headForecasts(heads, i, hidden, this.scaled[i]!, this.out[i]!, this.recentScaled!)[
            hi
          ]!.mean;
        // The slot after the one just written holds the forecast made horizon - 1 steps ago: for the next step.
        made.at = (made.at + 1) % horizon;
        made.count++;
      }
      if (made && made.count >= this.model.scoredAgainst!.horizon)
        this.next.set(made.ring.subarray(made.at * k, made.at * k + k));
      else for (let i = 0; i < k; i++) this.next[i] = this.scaled[i]! + this.out[i]!;
    }
    this.raw.fill(NaN);
    this.counts.fill(0);
    this.m2.fill(0);
  }
}

/**
 * One sample's result: its scores at once (the detector needs them for every sample), the predicted
 * and actual values as records only when asked for (most samples are never shown).
 */
class SampleResult implements LstmStepResult {
  readonly scores: Record<string, number> = {};
  /** Per input: its level (distance from the training mean in training standard deviations), NaN where not scored. */
  readonly level: Float64Array;
  private readonly prediction: Float64Array;

  constructor(
    readonly ts: number,
    private readonly model: LstmTwinModel,
    next: Float64Array,
    /** The sample as it came (not changed here): the actual values are read from it when asked. */
    private readonly values: Record<string, number>
  ) {
    this.prediction = next.slice();
    this.level = new Float64Array(next.length).fill(NaN);
  }

  /** Distances of the gauges the network leaves out (reported, not scored). */
  readonly watchedLevels: Record<string, number> = {};

  get levels(): Record<string, number> {
    const out: Record<string, number> = { ...this.watchedLevels };
    this.model.features.inputs.forEach((input, k) => {
      if (!Number.isNaN(this.level[k])) out[input.metric] = this.level[k]!;
    });
    return out;
  }

  /** The prediction for each metric scored in this sample. */
  get predicted(): Record<string, number> {
    const out: Record<string, number> = {};
    this.model.features.inputs.forEach((input, k) => {
      if (input.metric in this.scores) out[input.metric] = unscaled(input, this.prediction[k]!);
    });
    return out;
  }

  get actual(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const metric in this.scores) if (!metric.startsWith('*')) out[metric] = this.values[metric]!;
    return out;
  }
}
