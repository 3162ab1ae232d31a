import { quantile } from '../features/index.ts';

/** A threshold on one kind of anomaly score, told of every score judged normal. */
export interface ScoreThreshold {
  readonly current: number;
  observeNormal(score: number): void;
}

/** A threshold that stays where training put it: it moves with the baseline only when the twin is retrained. */
export class FixedThreshold implements ScoreThreshold {
  constructor(readonly current: number) {}

  observeNormal(): void {}
}

/**
 * A per-metric threshold on anomaly scores that follows the instance's own baseline: it starts from
 * the twin's training errors and is re-estimated from recent scores of points judged normal.
 */
export class AdaptiveThreshold implements ScoreThreshold {
  private readonly recent: Float64Array;
  private filled = 0;
  private cursor = 0;
  private sinceUpdate = 0;

  constructor(
    private value: number,
    private readonly floor = 4,
    capacity = 3600,
    private readonly updateEvery = 600
  ) {
    this.recent = new Float64Array(capacity);
  }

  get current(): number {
    return this.value;
  }

  /** Feed a score from a point that was not anomalous. */
  observeNormal(score: number): void {
    this.recent[this.cursor] = score;
    this.cursor = (this.cursor + 1) % this.recent.length;
    this.filled = Math.min(this.filled + 1, this.recent.length);
    if (++this.sinceUpdate >= this.updateEvery && this.filled >= this.updateEvery) {
      this.sinceUpdate = 0;
      this.value = Math.max(this.floor, 1.2 * quantile(this.recent.subarray(0, this.filled), 0.999));
    }
  }
}
