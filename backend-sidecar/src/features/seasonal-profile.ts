import { median } from './robust-stats.ts';

const DAY_MS = 86_400_000;

/**
 * A daily profile of one metric: its median per time-of-day bin. Used only when the history spans
 * enough days for every bin to be seen more than once; otherwise it is flat (the overall median).
 */
export interface SeasonalProfile {
  bins: number;
  /** Median per bin; NaN where a bin had too few values (the overall median is used there). */
  levels: number[];
  overall: number;
}

export function binOf(ts: number, bins: number): number {
  return Math.floor(((ts % DAY_MS) / DAY_MS) * bins) % bins;
}

export function fitSeasonalProfile(ts: readonly number[], values: ArrayLike<number>, bins: number): SeasonalProfile {
  const overall = median(values);
  const spanDays = ts.length ? (ts[ts.length - 1]! - ts[0]!) / DAY_MS : 0;
  if (spanDays < 1.5) return { bins: 1, levels: [overall], overall };
  const perBin: number[][] = Array.from({ length: bins }, () => []);
  for (let i = 0; i < ts.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) perBin[binOf(ts[i]!, bins)]!.push(v);
  }
  const levels = perBin.map((list) => (list.length >= 3 ? median(list) : NaN));
  return { bins, levels, overall };
}

export function profileAt(profile: SeasonalProfile, ts: number): number {
  const level = profile.levels[binOf(ts, profile.bins)];
  return level === undefined || Number.isNaN(level) ? profile.overall : level;
}
