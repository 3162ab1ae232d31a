/** A labelled anomaly: rows `start` to `end - 1`. */
export interface Segment {
  start: number;
  end: number;
}

export interface PointScores {
  precision: number;
  recall: number;
  f1: number;
  tp: number;
  fp: number;
  fn: number;
}

/** The labelled segments of a 0/1 label series. */
export function segmentsOf(labels: ArrayLike<number>): Segment[] {
  const out: Segment[] = [];
  let start = -1;
  for (let i = 0; i <= labels.length; i++) {
    const on = i < labels.length && labels[i] === 1;
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      out.push({ start, end: i });
      start = -1;
    }
  }
  return out;
}

function scores(tp: number, fp: number, fn: number): PointScores {
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return {
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    tp,
    fp,
    fn,
  };
}

/** Point-wise precision, recall and F1 of 0/1 predictions, without any adjustment. */
export function pointwise(predicted: ArrayLike<number>, labels: ArrayLike<number>): PointScores {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    if (predicted[i] && labels[i]) tp++;
    else if (predicted[i]) fp++;
    else if (labels[i]) fn++;
  }
  return scores(tp, fp, fn);
}

/**
 * Point adjustment (as in OmniAnomaly and most SMD papers): a labelled segment with at least one
 * detected point counts as detected whole. It flatters detectors; both figures are printed.
 */
export function pointAdjusted(predicted: ArrayLike<number>, labels: ArrayLike<number>): PointScores {
  const adjusted = Uint8Array.from({ length: labels.length }, (_, i) => (predicted[i] ? 1 : 0));
  for (const s of segmentsOf(labels)) {
    let hit = false;
    for (let i = s.start; i < s.end && !hit; i++) hit = adjusted[i] === 1;
    if (hit) adjusted.fill(1, s.start, s.end);
  }
  return pointwise(adjusted, labels);
}

/** Share of labelled segments with at least one detected point. */
export function eventRecall(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  const segments = segmentsOf(labels);
  if (segments.length === 0) return NaN;
  let hit = 0;
  for (const s of segments) {
    for (let i = s.start; i < s.end; i++) {
      if (predicted[i]) {
        hit++;
        break;
      }
    }
  }
  return hit / segments.length;
}

/**
 * Area under the precision-recall curve of continuous scores (average precision: precision at each
 * true positive, averaged over the positives), with `weights` per point (1 by default). Ties are
 * taken together.
 */
export function averagePrecision(
  score: ArrayLike<number>,
  labels: ArrayLike<number>,
  weights?: ArrayLike<number>
): number {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[b]! - score[a]!);
  const w = (i: number) => (weights ? weights[i]! : labels[i] ? 1 : 0);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += w(i);
  if (positives === 0) return NaN;
  let tp = 0;
  let all = 0;
  let ap = 0;
  for (let k = 0; k < n; ) {
    const s = score[order[k]!]!;
    let gained = 0;
    let count = 0;
    for (; k < n && score[order[k]!] === s; k++) {
      gained += w(order[k]!);
      count++;
    }
    tp += gained;
    all += count;
    ap += (gained / positives) * (tp / all);
  }
  return ap;
}

/**
 * VUS-PR (Paparrizos et al., VLDB 2022): the range-aware PR-AUC averaged over buffer lengths 0..maxBuffer.
 * For buffer ℓ, each labelled segment is widened by ℓ/2 points on each side with weights falling
 * linearly from 1 at the segment to 0 at the buffer's edge (range-AUC's soft labels); the
 * average precision of the scores against those soft labels is taken, and averaged over ℓ.
 */
export function vusPr(score: ArrayLike<number>, labels: ArrayLike<number>, maxBuffer = 100, steps = 11): number {
  const segments = segmentsOf(labels);
  if (segments.length === 0) return NaN;
  const n = labels.length;
  let total = 0;
  for (let s = 0; s < steps; s++) {
    const buffer = Math.round((maxBuffer * s) / Math.max(1, steps - 1));
    const half = Math.floor(buffer / 2);
    const soft = new Float64Array(n);
    for (const seg of segments) {
      for (let i = seg.start; i < seg.end; i++) soft[i] = 1;
      for (let d = 1; d <= half; d++) {
        const weight = 1 - d / (half + 1);
        if (seg.start - d >= 0) soft[seg.start - d] = Math.max(soft[seg.start - d]!, weight);
        if (seg.end - 1 + d < n) soft[seg.end - 1 + d] = Math.max(soft[seg.end - 1 + d]!, weight);
      }
    }
    total += averagePrecision(score, labels, soft);
  }
  return total / steps;
}

/**
 * Root-cause HitRate@P% (OmniAnomaly's interpretation score): for a labelled event with true
 * dimensions G, the share of G among the top ⌊P% × |G|⌋ dimensions the detector ranked.
 */
export function hitRate(ranked: readonly number[], truth: readonly number[], percent: number): number {
  if (truth.length === 0) return NaN;
  const top = new Set(ranked.slice(0, Math.floor((percent / 100) * truth.length)));
  let hits = 0;
  for (const d of truth) if (top.has(d)) hits++;
  return hits / truth.length;
}
