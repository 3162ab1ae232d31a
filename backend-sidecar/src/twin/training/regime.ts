import { TWIN_TRAINING } from '../parameters.ts';

/** The rows a version was trained on. */
export interface TrainingWindow {
  from: number;
  to: number;
  stepMs: number;
  points: number;
  /**
   * Where the instance's current regime began (see `regimeStart`): this window and its successors'
   * start no earlier. Absent while no shift has settled.
   */
  regimeFrom?: number;
}

/**
 * How long an anomaly stays open before its level is the instance's new normal (a resize, a new
 * release's footprint): past it, the next version learns from the anomaly's start on, and anomalies
 * are judged against the new level, not the old one it would otherwise stay pinned to.
 */
export const SETTLE_MS = TWIN_TRAINING.settleAfterMs.value;

/**
 * Where the instance's current regime began, for a new version: the start of the anomaly open now
 * if it has lasted `settleMs`, else where its champion's regime began (its successors' windows
 * start no earlier); undefined when no shift has ever settled.
 */
export function regimeStart(
  championFrom: number | undefined,
  openSince: number | undefined,
  now: number,
  settleMs = SETTLE_MS
): number | undefined {
  if (openSince !== undefined && now - openSince >= settleMs && openSince > (championFrom ?? -Infinity))
    return openSince;
  return championFrom;
}

/** Anomalies that stay out of a new version's level baseline: those within its regime, not the one that founded it. */
export function anomaliesInRegime<T extends { start: number }>(
  spans: readonly T[],
  regimeFrom: number | undefined
): readonly T[] {
  return regimeFrom === undefined ? spans : spans.filter((s) => s.start > regimeFrom);
}
