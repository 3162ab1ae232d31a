import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { AdaptiveThreshold, FixedThreshold, type ScoreThreshold } from './adaptive-threshold.ts';
import { JOINT_SCORE, LEVEL_SCORE, levelPeaksOf, surprisePeakOf, thresholdsOf, type TwinModel } from '../twin/index.ts';

export interface MetricContribution {
  metric: string;
  /** Share of the event's total excess score (sums to 1). */
  contribution: number;
  /** Sum over the event's points of how far the metric's score went past its threshold. */
  excess: number;
  /** When the metric first went past its threshold in the event (which metric moved first). */
  firstAt: number;
}

export interface AnomalyEvent {
  id: string;
  instance: string;
  start: number;
  end: number;
  open: boolean;
  /** Highest score over threshold ratio seen in the event. */
  peakScore: number;
  severity: 'warning' | 'critical';
  metrics: MetricContribution[];
}

export interface ScoredPoint {
  ts: number;
  /**
   * The instance's combined scores over their thresholds and those of metrics flagged a few points in
   * a row, the worst of them (the worst metric's for a twin without combined scores): above 1 is anomalous.
   */
  instanceScore: number;
  /** Metrics and combined scores past their own thresholds. */
  anomalous: string[];
}
import { ANOMALY_DETECTION } from './parameters.ts';

export interface DetectorEvents {
  opened: [AnomalyEvent];
  closed: [AnomalyEvent];
}

// An event needs a few anomalous points in a row (each within the gap of the last): single blips are noise.
const OPEN_AFTER_POINTS = ANOMALY_DETECTION.openAfterPoints.value;
/**
 * ... and its points together past the threshold by this much (the sum of the instance score less 1,
 * as a CUSUM adds up): twice the threshold. A score that grazes its threshold for a few points (the
 * level's slow scale carries one short excursion over it for several) is not an event; one that
 * stays a little over it becomes one in time.
 */
const OPEN_AFTER_EXCESS = ANOMALY_DETECTION.openAfterExcess.value;
/**
 * What one point adds to that sum at most (a point at twice the threshold): a few points well past
 * it, or many a little, make an event; one point however far past it does not, with the few points
 * of its slow tail that graze the threshold after it (a spike the instance shows every night, below
 * its peak bar). A spike past its peak bar opens an event at once all the same.
 */
const MOST_EXCESS_PER_POINT = ANOMALY_DETECTION.mostExcessPerPoint.value;
// The gap is at least 30 s, and at least 2.5 sampling intervals for series sampled less often.
const MIN_GAP_MS = ANOMALY_DETECTION.minGapMs.value;
/**
 * A metric the twin keeps failing to predict makes the instance anomalous on its own once it has
 * been flagged for as many points in a row as open an event; one-off misses of one of dozens of
 * metrics do not.
 */
const SUSTAINED_POINTS = OPEN_AFTER_POINTS;

/**
 * Turns one instance's scores into anomaly points and events: a metric is flagged when its score
 * passes its adaptive threshold, the instance is anomalous when its combined scores pass theirs or
 * a metric stays flagged; consecutive anomalous points form one event.
 */
export class AnomalyDetector extends EventEmitter<DetectorEvents> {
  private readonly thresholds = new Map<string, ScoreThreshold>();
  /** Per metric: the points in a row at which it was flagged. */
  private readonly streaks = new Map<string, number>();
  private lastTs: number | undefined;
  private intervalMs: number | undefined;
  private current:
    | {
        event: AnomalyEvent;
        excess: Map<string, number>;
        firstAt: Map<string, number>;
        points: number;
        /** Sum over its points of how far the instance score went past 1. */
        pastThreshold: number;
        lastTs: number;
        opened: boolean;
      }
    | undefined;
  /** The largest surprise (worst metric's score over its threshold) of the twin's training window and since. */
  private readonly surpriseBar: PeakBar;
  /** Per level score (its parts above and below the baseline, or the whole): the largest over its threshold of the twin's training window and since. */
  private readonly levelBars = new Map<string, PeakBar>();
  /** The level score's threshold (fixed for a version): the bars' unit. */
  private readonly levelThreshold: number;

  /** The detector of one instance's scores from `model`, with the thresholds and peaks it was trained with. */
  static forTwin(instance: string, model: TwinModel): AnomalyDetector {
    return new AnomalyDetector(instance, thresholdsOf(model), surprisePeakOf(model), levelPeaksOf(model));
  }

  /**
   * `surprisePeak`: the largest surprise of the twin's training window (see `surprisePeakOf`);
   * `levelPeaks`: its largest level scores, by score name (see `levelPeaksOf`), each measured against
   * the level score's threshold. Without them, no single point opens an event.
   */
  constructor(
    readonly instance: string,
    initialThresholds: Record<string, number>,
    surprisePeak?: number,
    levelPeaks?: Record<string, number>
  ) {
    super();
    this.surpriseBar = new PeakBar(surprisePeak);
    this.levelThreshold = initialThresholds[LEVEL_SCORE] ?? 0;
    if (this.levelThreshold)
      for (const [score, peak] of Object.entries(levelPeaks ?? {}))
        this.levelBars.set(score, new PeakBar(peak / this.levelThreshold));
    for (const [metric, value] of Object.entries(initialThresholds)) {
      // The level score (how far the gauges sit from where they kept to in training) keeps its trained
      // threshold: adapting it to recent points would teach it that a sustained shift is normal.
      this.thresholds.set(metric, metric === LEVEL_SCORE ? new FixedThreshold(value) : new AdaptiveThreshold(value));
    }
  }

  /** Whether anomalous points are being gathered into an event right now (an incident in the making). */
  get inIncident(): boolean {
    return this.current !== undefined;
  }

  threshold(metric: string): number | undefined {
    return this.thresholds.get(metric)?.current;
  }

  /**
   * How far past its thresholds a metric went, for display and ranking: as a surprise (its score over
   * its threshold) or in level (its distance from its training mean over the level score's
   * threshold: as far off alone as the whole instance may be), whichever is more. 0 for a metric
   * without a threshold or a score.
   */
  ratio(metric: string, score: number | undefined, level?: number): number {
    const threshold = this.threshold(metric);
    const levelThreshold = this.threshold(LEVEL_SCORE);
    const surprise = score !== undefined && threshold ? score / threshold : 0;
    return Math.max(surprise, level !== undefined && levelThreshold ? level / levelThreshold : 0);
  }

  /**
   * Scores one sample. A metric is flagged when its own score passes its threshold; the instance is
   * anomalous when its combined scores (the level score, the joint score) pass theirs or a metric has
   * been flagged for a few points in a row, or, for a twin without combined scores, when any metric
   * is flagged. `levels` (each gauge's distance from its reference baseline, asked for only when the
   * level score is over) gives the metrics' contributions then.
   */
  score(ts: number, scores: Record<string, number>, levels?: () => Record<string, number>): ScoredPoint {
    if (this.lastTs !== undefined && ts > this.lastTs) {
      const delta = ts - this.lastTs;
      this.intervalMs = this.intervalMs === undefined ? delta : this.intervalMs + 0.1 * (delta - this.intervalMs);
    }
    this.lastTs = ts;
    let combined = -1;
    let worstMetric = 0;
    let levelRatio = 0;
    let sustained = 0;
    const anomalous: string[] = [];
    const flagged: [string, number, number][] = [];
    const below: [string, number][] = [];
    for (const [metric, score] of Object.entries(scores)) {
      const threshold = this.thresholds.get(metric);
      if (!threshold) continue;
      // The joint score is a mean of squares: its ratio counts as a root, in the level score's units
      // (a root mean square), so the instance score ranks points alike whichever score raised it.
      const ratio = metric === JOINT_SCORE ? Math.sqrt(score / threshold.current) : score / threshold.current;
      if (metric.startsWith('*')) {
        combined = Math.max(combined, ratio);
        if (metric === LEVEL_SCORE) levelRatio = ratio;
      } else {
        worstMetric = Math.max(worstMetric, ratio);
        const streak = ratio > 1 ? (this.streaks.get(metric) ?? 0) + 1 : 0;
        this.streaks.set(metric, streak);
        if (streak >= SUSTAINED_POINTS) sustained = Math.max(sustained, ratio);
      }
      if (ratio > 1) {
        anomalous.push(metric);
        if (!metric.startsWith('*')) flagged.push([metric, ratio, score - threshold.current]);
      } else {
        threshold.observeNormal(score);
        if (!metric.startsWith('*')) below.push([metric, ratio]);
      }
    }
    // A surprise past its threshold and larger than any in the training window or since is one this
    // instance has not shown in a window's time (for scores that are only noise, about once per
    // window length, whatever the sampling rate): it counts at once and opens an event on its own,
    // scored against the bar it passed (the threshold that applies to one point alone).
    const bar = this.surpriseBar.current;
    const unseen = this.surpriseBar.pass(worstMetric);
    // The same for the level score: a distance from the baseline, on one side of it, larger than any
    // of the window's on that side.
    let unseenLevel = false;
    for (const [score, levelBar] of this.levelBars) {
      const value = scores[score];
      if (value !== undefined && levelBar.pass(value / this.levelThreshold)) unseenLevel = true;
    }
    const instanceScore = combined >= 0 ? Math.max(combined, sustained, unseen ? worstMetric / bar : 0) : worstMetric;
    const ratios: [string, number, number][] = [];
    if (instanceScore > 1) {
      ratios.push(...flagged);
      // The level score is over: each gauge contributes its share of it (its squared distance), past the threshold.
      if (levelRatio > 1 && levels) {
        const distances = Object.entries(levels()).filter(([, z]) => z > 1);
        const total = distances.reduce((sum, [, z]) => sum + z * z, 0);
        for (const [metric, z] of distances) ratios.push([metric, levelRatio, ((levelRatio - 1) * z * z) / total]);
      }
      // Only the joint score is over: every metric contributes by how close it came to its own threshold.
      if (ratios.length === 0) for (const [metric, ratio] of below) ratios.push([metric, ratio, ratio]);
    }
    this.track(ts, instanceScore, ratios, unseen || unseenLevel);
    return { ts, instanceScore, anomalous };
  }

  private track(ts: number, worst: number, ratios: [string, number, number][], openNow: boolean): void {
    const c = this.current;
    if (c && ts - c.lastTs > Math.max(MIN_GAP_MS, 2.5 * (this.intervalMs ?? 0))) this.close();
    if (ratios.length === 0) return;
    if (!this.current) {
      this.current = {
        event: {
          id: randomUUID(),
          instance: this.instance,
          start: ts,
          end: ts,
          open: true,
          peakScore: 0,
          severity: 'warning',
          metrics: [],
        },
        excess: new Map(),
        firstAt: new Map(),
        points: 0,
        pastThreshold: 0,
        lastTs: ts,
        opened: false,
      };
    }
    const cur = this.current;
    cur.points++;
    cur.pastThreshold += Math.min(MOST_EXCESS_PER_POINT, Math.max(0, worst - 1));
    cur.lastTs = ts;
    cur.event.end = ts;
    cur.event.peakScore = Math.max(cur.event.peakScore, worst);
    cur.event.severity = cur.event.peakScore >= 3 ? 'critical' : 'warning';
    for (const [metric, , excess] of ratios) {
      cur.excess.set(metric, (cur.excess.get(metric) ?? 0) + excess);
      if (!cur.firstAt.has(metric)) cur.firstAt.set(metric, ts);
    }
    cur.event.metrics = contributions(cur.excess, cur.firstAt);
    if (!cur.opened && ((cur.points >= OPEN_AFTER_POINTS && cur.pastThreshold >= OPEN_AFTER_EXCESS) || openNow)) {
      cur.opened = true;
      this.emit('opened', { ...cur.event });
    }
  }

  /**
   * Takes over what `previous` (the detector of the version this one replaces) was in the middle of:
   * the event it was gathering carries on here under the new thresholds, with its id, so that a
   * retrained twin taking over during an incident neither ends it nor reports it a second time. The
   * gap still ends it if no anomalous point follows in time.
   */
  continueFrom(previous: AnomalyDetector): void {
    this.current = previous.current;
    this.lastTs = previous.lastTs;
    this.intervalMs = previous.intervalMs;
    previous.current = undefined;
  }

  /** Closes the open event, if any (on a gap, or when the instance stops reporting). */
  close(): void {
    const cur = this.current;
    this.current = undefined;
    if (cur?.opened) this.emit('closed', { ...cur.event, open: false });
  }

  get openEvent(): AnomalyEvent | undefined {
    return this.current?.opened ? { ...this.current.event } : undefined;
  }
}

/**
 * A bar a ratio passes when it is past 1 and past the training window's peak and every ratio since
 * (the bar rises to each); without a peak, nothing passes it.
 */
class PeakBar {
  private bar: number;

  constructor(peak: number | undefined) {
    this.bar = peak ?? Infinity;
  }

  get current(): number {
    return Math.max(1, this.bar);
  }

  pass(ratio: number): boolean {
    const passed = ratio > this.current;
    if (Number.isFinite(this.bar)) this.bar = Math.max(this.bar, ratio);
    return passed;
  }
}

function contributions(excess: Map<string, number>, firstAt: Map<string, number>): MetricContribution[] {
  const total = [...excess.values()].reduce((a, b) => a + b, 0) || 1;
  return [...excess.entries()]
    .map(([metric, e]) => ({ metric, contribution: e / total, excess: e, firstAt: firstAt.get(metric)! }))
    .sort((a, b) => b.contribution - a.contribution)
    .slice(0, 8);
}
