/** NAB's application profiles: the weights of true positives, false positives and missed windows. */
export interface NabProfile {
  tp: number;
  fp: number;
  fn: number;
}

export const NAB_PROFILES: Record<'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate', NabProfile> = {
  standard: { tp: 1, fp: 0.11, fn: 1 },
  reward_low_FP_rate: { tp: 1, fp: 0.22, fn: 1 },
  reward_low_FN_rate: { tp: 1, fp: 0.11, fn: 2 },
};

/** NAB's share of each file at its start that is not scored (the detector learns there), at most 750 rows. */
export const PROBATIONARY_SHARE = 0.15;

export function probationRows(rows: number): number {
  return Math.min(Math.floor(PROBATIONARY_SHARE * rows), PROBATIONARY_SHARE * 5000);
}

/** A window of rows, `start` to `end` inclusive, as NAB's label windows are. */
export interface NabWindow {
  start: number;
  end: number;
}

/** NAB's scaled sigmoid: 1 at the start of a window falling to 0 at its end and to -1 well after it. */
export function scaledSigmoid(position: number): number {
  return position > 3 ? -1 : 2 / (1 + Math.exp(5 * position)) - 1;
}

/** One file's raw score with what made it: windows detected, and false positives with their cost. */
export interface NabTally {
  score: number;
  detected: number;
  missed: number;
  falsePositives: number;
  /** What the false positives cost together (a positive number; their weight times their sigmoids). */
  falsePositiveCost: number;
}

/**
 * NAB's raw score of one file's detections (one 0/1 per row), as its sweeper computes it: a
 * detection inside a window scores the scaled sigmoid of its position there (only the first
 * detection of a window counts), a detection after a window scores the (negative) sigmoid of how
 * far past it lies times the false-positive weight, one before any window -1 times that weight;
 * each window without a detection costs the false-negative weight. Rows in the probationary period
 * are not scored.
 */
export function nabTally(detections: ArrayLike<number>, windows: readonly NabWindow[], profile: NabProfile): NabTally {
  const n = detections.length;
  const probation = probationRows(n);
  const sorted = [...windows].sort((a, b) => a.start - b.start);
  let hits = 0;
  let falsePositives = 0;
  let falsePositiveCost = 0;
  const detected = new Set<number>();
  let w = 0;
  let previous: NabWindow | undefined;
  for (let i = 0; i < n; i++) {
    while (w < sorted.length && sorted[w]!.end < i) previous = sorted[w++];
    if (i < probation || !detections[i]) continue;
    const window = w < sorted.length && sorted[w]!.start <= i ? sorted[w]! : undefined;
    if (window) {
      if (detected.has(w)) continue;
      detected.add(w);
      const width = window.end - window.start + 1;
      hits += profile.tp * scaledSigmoid(-(window.end - i + 1) / width);
    } else {
      falsePositives++;
      if (previous) {
        const width = previous.end - previous.start + 1;
        falsePositiveCost -= profile.fp * scaledSigmoid(Math.abs(previous.end - i) / Math.max(1, width - 1));
      } else {
        falsePositiveCost += profile.fp;
      }
    }
  }
  const missed = sorted.length - detected.size;
  return {
    score: hits - falsePositiveCost - profile.fn * missed,
    detected: detected.size,
    missed,
    falsePositives,
    falsePositiveCost,
  };
}

/** Tallies added up, e.g. over a corpus's files. */
export function sumTallies(tallies: readonly NabTally[]): NabTally {
  const sum: NabTally = { score: 0, detected: 0, missed: 0, falsePositives: 0, falsePositiveCost: 0 };
  for (const t of tallies) for (const key of Object.keys(sum) as (keyof NabTally)[]) sum[key] += t[key];
  return sum;
}

export function nabRawScore(detections: ArrayLike<number>, windows: readonly NabWindow[], profile: NabProfile): number {
  return nabTally(detections, windows, profile).score;
}

/** The raw scores of a file's null detector (no detections) and perfect detector (the first row of every window). */
export function nabBounds(
  rows: number,
  windows: readonly NabWindow[],
  profile: NabProfile
): { null: number; perfect: number } {
  const ideal = new Uint8Array(rows);
  for (const w of windows) ideal[w.start] = 1;
  return { null: nabRawScore(new Uint8Array(rows), windows, profile), perfect: nabRawScore(ideal, windows, profile) };
}

/** NAB's normalised score over a corpus: 100 x (raw - null) / (perfect - null), each summed over files. */
export function nabNormalised(
  files: { detections: ArrayLike<number>; windows: readonly NabWindow[] }[],
  profile: NabProfile
): { score: number; raw: number; null: number; perfect: number } {
  return nabNormalisedRaw(
    files.map((f) => ({
      raw: nabRawScore(f.detections, f.windows, profile),
      ...nabBounds(f.detections.length, f.windows, profile),
    }))
  );
}

/** The normalised score of raw scores given per file with their files' bounds (e.g. NAB's published results). */
export function nabNormalisedRaw(files: { raw: number; null: number; perfect: number }[]): {
  score: number;
  raw: number;
  null: number;
  perfect: number;
} {
  let raw = 0;
  let nul = 0;
  let perfect = 0;
  for (const f of files) {
    raw += f.raw;
    nul += f.null;
    perfect += f.perfect;
  }
  return { score: (100 * (raw - nul)) / (perfect - nul), raw, null: nul, perfect };
}
