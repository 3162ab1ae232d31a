import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { AdaptiveThreshold, FixedThreshold, type ScoreThreshold } from './adaptive-threshold.ts';

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
  /** The worst metric's score divided by its threshold: above 1 is anomalous. */
  instanceScore: number;
  anomalous: string[];
}

export interface DetectorEvents {
  opened: [AnomalyEvent];
  closed: [AnomalyEvent];
}

// An event needs a few anomalous points in a row (each within the gap of the last): single blips are noise.
const OPEN_AFTER_POINTS = 5;
// The gap is at least 30 s, and at least 2.5 sampling intervals for series sampled less often.
const MIN_GAP_MS = 30_000;
/**
 * The level score (how far the farthest metric sits from where it kept to in training) keeps its
 * trained threshold: adapting it to recent points would teach it that a sustained shift is normal.
 */
const LEVEL_SCORE = '*level';

/**
 * Turns one instance's per-metric scores into anomaly points and events: a point is anomalous when a
 * metric's score passes its adaptive threshold; consecutive anomalous points form one event.
 */
export class AnomalyDetector extends EventEmitter<DetectorEvents> {
  private readonly thresholds = new Map<string, ScoreThreshold>();
  private lastTs: number | undefined;
  private intervalMs: number | undefined;
  private current:
    | { event: AnomalyEvent; excess: Map<string, number>; firstAt: Map<string, number>; points: number; lastTs: number }
    | undefined;

  constructor(
    readonly instance: string,
    initialThresholds: Record<string, number>
  ) {
    super();
    for (const [metric, value] of Object.entries(initialThresholds)) {
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
   * How far past its thresholds a metric went: as a surprise (its score over its threshold) or in
   * level (its distance from its training mean over the level threshold), whichever is more.
   * Above 1 the detector flags it. 0 for a metric without a threshold or a score.
   */
  ratio(metric: string, score: number | undefined, level: number | undefined): number {
    const threshold = this.threshold(metric);
    const levelThreshold = this.threshold(LEVEL_SCORE);
    const surprise = score !== undefined && threshold ? score / threshold : 0;
    return Math.max(surprise, level !== undefined && levelThreshold ? level / levelThreshold : 0);
  }

  /**
   * Scores one sample. `levels` (each metric's distance from its training mean, asked for only when
   * the level score alone is over) gives the metrics' contributions in that case.
   */
  score(ts: number, scores: Record<string, number>, levels?: () => Record<string, number>): ScoredPoint {
    if (this.lastTs !== undefined && ts > this.lastTs) {
      const delta = ts - this.lastTs;
      this.intervalMs = this.intervalMs === undefined ? delta : this.intervalMs + 0.1 * (delta - this.intervalMs);
    }
    this.lastTs = ts;
    let worst = 0;
    const anomalous: string[] = [];
    const ratios: [string, number, number][] = [];
    let combinedOver = false;
    let levelOver = false;
    const below: [string, number][] = [];
    for (const [metric, score] of Object.entries(scores)) {
      const threshold = this.thresholds.get(metric);
      if (!threshold) continue;
      const ratio = score / threshold.current;
      worst = Math.max(worst, ratio);
      if (ratio > 1) {
        anomalous.push(metric);
        // A combined score ("*joint") makes the point anomalous; the metrics carry the contributions.
        if (metric === LEVEL_SCORE) levelOver = true;
        else if (metric.startsWith('*')) combinedOver = true;
        else ratios.push([metric, ratio, score - threshold.current]);
      } else {
        threshold.observeNormal(score);
        if (!metric.startsWith('*')) below.push([metric, ratio]);
      }
    }
    // Only the level score is over: the metrics past the level threshold contribute by how far past it they are.
    if (levelOver && ratios.length === 0 && levels) {
      const limit = this.thresholds.get(LEVEL_SCORE)!.current;
      for (const [metric, z] of Object.entries(levels()))
        if (z > limit) ratios.push([metric, z / limit, z / limit - 1]);
    }
    // Only a combined score is over: every metric contributes by how close it came to its own threshold.
    if ((combinedOver || levelOver) && ratios.length === 0)
      for (const [metric, ratio] of below) ratios.push([metric, ratio, ratio]);
    this.track(ts, worst, ratios);
    return { ts, instanceScore: worst, anomalous };
  }

  private track(ts: number, worst: number, ratios: [string, number, number][]): void {
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
        lastTs: ts,
      };
    }
    const cur = this.current;
    cur.points++;
    cur.lastTs = ts;
    cur.event.end = ts;
    cur.event.peakScore = Math.max(cur.event.peakScore, worst);
    cur.event.severity = cur.event.peakScore >= 3 ? 'critical' : 'warning';
    for (const [metric, , excess] of ratios) {
      cur.excess.set(metric, (cur.excess.get(metric) ?? 0) + excess);
      if (!cur.firstAt.has(metric)) cur.firstAt.set(metric, ts);
    }
    cur.event.metrics = contributions(cur.excess, cur.firstAt);
    if (cur.points === OPEN_AFTER_POINTS) this.emit('opened', { ...cur.event });
  }

  /** Closes the open event, if any (on a gap, or when the instance stops reporting). */
  close(): void {
    const cur = this.current;
    this.current = undefined;
    if (cur && cur.points >= OPEN_AFTER_POINTS) this.emit('closed', { ...cur.event, open: false });
  }

  get openEvent(): AnomalyEvent | undefined {
    return this.current && this.current.points >= OPEN_AFTER_POINTS ? { ...this.current.event } : undefined;
  }
}

function contributions(excess: Map<string, number>, firstAt: Map<string, number>): MetricContribution[] {
  const total = [...excess.values()].reduce((a, b) => a + b, 0) || 1;
  return [...excess.entries()]
    .map(([metric, e]) => ({ metric, contribution: e / total, excess: e, firstAt: firstAt.get(metric)! }))
    .sort((a, b) => b.contribution - a.contribution)
    .slice(0, 8);
}
