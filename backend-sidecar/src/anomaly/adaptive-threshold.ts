import { ANOMALY_DETECTION } from './parameters.ts';

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

/** The quantile of recent normal scores the threshold follows, and the margin over it. */
const QUANTILE = ANOMALY_DETECTION.adaptiveQuantile.value;
const MARGIN = ANOMALY_DETECTION.adaptiveMargin.value;

/**
 * A per-metric threshold on anomaly scores that follows the instance's own baseline: it starts from
 * the twin's training errors and, every `updateEvery` scores judged normal, becomes 1.2 times the
 * 99.9th percentile of the last `capacity` of them (never below the floor).
 *
 * Only the high tail decides that percentile, so each block of `updateEvery` scores keeps just its
 * largest few and its count: the same value as sorting the whole window, in a few dozen numbers
 * per metric instead of 3,600 (a fleet has tens of metrics per instance, thousands of instances).
 */
export class AdaptiveThreshold implements ScoreThreshold {
  /** Per block in the window, oldest first: its count of finite scores and its largest ones, descending. */
  private readonly blocks: { count: number; top: number[] }[] = [];
  private current_: { count: number; top: number[] } = { count: 0, top: [] };
  private sinceUpdate = 0;
  private readonly keep: number;
  private readonly windowBlocks: number;

  constructor(
    private value: number,
    private readonly floor = 4,
    capacity = 3600,
    private readonly updateEvery = 600
  ) {
    this.windowBlocks = Math.max(1, Math.round(capacity / updateEvery));
    // The quantile interpolates between two neighbours counted from the top of the window.
    this.keep = Math.ceil(this.windowBlocks * updateEvery * (1 - QUANTILE)) + 2;
  }

  get current(): number {
    return this.value;
  }

  /** Feed a score from a point that was not anomalous. */
  observeNormal(score: number): void {
    const block = this.current_;
    if (Number.isFinite(score)) {
      block.count++;
      const top = block.top;
      if (top.length < this.keep || score > top[top.length - 1]!) {
        let i = top.length < this.keep ? top.length : top.length - 1;
        while (i > 0 && top[i - 1]! < score) {
          top[i] = top[i - 1]!;
          i--;
        }
        top[i] = score;
      }
    }
    if (++this.sinceUpdate < this.updateEvery) return;
    this.sinceUpdate = 0;
    this.blocks.push(block);
    if (this.blocks.length > this.windowBlocks) this.blocks.shift();
    this.current_ = { count: 0, top: [] };
    const q = this.windowQuantile();
    if (Number.isFinite(q)) this.value = Math.max(this.floor, MARGIN * q);
  }

  /** The window's quantile, as `quantile()` over every score would give it, from the blocks' tops. */
  private windowQuantile(): number {
    const n = this.blocks.reduce((sum, b) => sum + b.count, 0);
    if (n === 0) return NaN;
    const top = this.blocks.flatMap((b) => b.top).sort((a, b) => b - a);
    const pos = QUANTILE * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(n - 1, lo + 1);
    // Ascending index i is the (n - 1 - i)-th largest.
    const at = (i: number) => top[n - 1 - i]!;
    return at(lo) + (at(hi) - at(lo)) * (pos - lo);
  }
}
