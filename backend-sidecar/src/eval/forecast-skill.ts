/** The horizons forecasts are scored at, in steps of the series. */
export const FORECAST_HORIZONS = [1, 10, 60] as const;

/** The naive forecasts every forecaster is measured against. */
export const NAIVE_FORECASTERS = [
  'persistence',
  'seasonal naive (day)',
  'seasonal naive (week)',
  'rolling mean',
] as const;
export type NaiveForecaster = (typeof NAIVE_FORECASTERS)[number];

/** Steps of history the rolling mean averages: the last hour at a 1-minute step (first principles, not tuned). */
export const ROLLING_MEAN_STEPS = 60;

const Z80 = 1.281552;
const Z95 = 1.959964;

/** How far back a naive forecaster reaches for the value it repeats (undefined: it averages). */
function seasonOf(kind: NaiveForecaster, stepsPerDay: number): number | undefined {
  if (kind === 'seasonal naive (day)') return stepsPerDay;
  if (kind === 'seasonal naive (week)') return 7 * stepsPerDay;
  return undefined;
}

/** Whether a naive forecaster can forecast from `origin` on (a season needs that much history before it). */
export function naiveAvailable(kind: NaiveForecaster, origin: number, stepsPerDay: number): boolean {
  const season = seasonOf(kind, stepsPerDay);
  return season === undefined || origin + 1 - season >= 0;
}

/**
 * A naive forecast of `column` at row `origin + h`, from the rows up to `origin`: the last finite
 * value (persistence), the value a day or a week before the target (seasonal naive), or the mean of
 * the last `ROLLING_MEAN_STEPS` finite values. NaN where it has nothing to repeat.
 */
export function naiveForecast(
  kind: NaiveForecaster,
  column: ArrayLike<number>,
  origin: number,
  h: number,
  stepsPerDay: number
): number {
  const season = seasonOf(kind, stepsPerDay);
  if (season !== undefined) {
    // A target more than a season ahead repeats the last season seen, not a value from the future.
    const back = origin + h - season * Math.ceil(h / season);
    return back >= 0 ? column[back]! : NaN;
  }
  if (kind === 'persistence') {
    for (let i = origin; i >= 0 && i > origin - ROLLING_MEAN_STEPS; i--)
      if (Number.isFinite(column[i])) return column[i]!;
    return NaN;
  }
  let sum = 0;
  let n = 0;
  for (let i = origin; i >= 0 && i > origin - ROLLING_MEAN_STEPS; i--)
    if (Number.isFinite(column[i])) {
      sum += column[i]!;
      n++;
    }
  return n ? sum / n : NaN;
}

/** An interval forecast's central 80 % and 95 % intervals. */
export interface ForecastInterval {
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
}

/** A forecast of one value: its mean, and for an interval forecast its intervals. */
export interface PointForecast {
  mean: number;
  interval?: ForecastInterval | undefined;
}

/** The intervals of a Gaussian forecast. */
export function gaussianInterval(mean: number, sd: number): ForecastInterval {
  return { lower80: mean - Z80 * sd, upper80: mean + Z80 * sd, lower95: mean - Z95 * sd, upper95: mean + Z95 * sd };
}

/** The pinball loss averaged over the quantiles an interval forecast gives (2.5, 10, 50, 90, 97.5 %). */
function pinball(actual: number, mean: number, i: ForecastInterval): number {
  const quantiles: [number, number][] = [
    [0.025, i.lower95],
    [0.1, i.lower80],
    [0.5, mean],
    [0.9, i.upper80],
    [0.975, i.upper95],
  ];
  let loss = 0;
  for (const [p, q] of quantiles) {
    const u = actual - q;
    loss += Math.max(p * u, (p - 1) * u);
  }
  return loss / quantiles.length;
}

interface Tally {
  absSum: number;
  n: number;
  covered80: number;
  covered95: number;
  pinballSum: number;
}

/** What one series' forecasts scored, per forecaster and horizon (arrays follow `FORECAST_HORIZONS`). */
export interface SeriesSkill {
  series: string;
  points: number[];
  mae: Record<string, number[]>;
  /** Interval forecasters only. */
  coverage80?: Record<string, number[]>;
  coverage95?: Record<string, number[]>;
  pinball?: Record<string, number[]>;
  /** Per horizon: the naive forecaster with the least MAE, and that MAE (what relative MAE divides by). */
  bestNaive: { name: string; mae: number }[];
}

/**
 * Accumulates one series' forecast errors. Each call adds one target for every forecaster at once,
 * so all of them are scored on the same points.
 */
export class SeriesSkillTally {
  private readonly tallies = new Map<string, Tally[]>();

  constructor(
    readonly series: string,
    readonly forecasters: readonly string[]
  ) {
    for (const f of forecasters)
      this.tallies.set(
        f,
        FORECAST_HORIZONS.map(() => ({ absSum: 0, n: 0, covered80: 0, covered95: 0, pinballSum: 0 }))
      );
  }

  /** Adds one target at horizon index `hi`; skipped unless the actual and every forecast are finite. */
  add(hi: number, actual: number, forecasts: Record<string, PointForecast>): boolean {
    if (!Number.isFinite(actual)) return false;
    for (const f of this.forecasters) if (!Number.isFinite(forecasts[f]?.mean)) return false;
    for (const f of this.forecasters) {
      const { mean, interval } = forecasts[f]!;
      const t = this.tallies.get(f)![hi]!;
      t.absSum += Math.abs(actual - mean);
      t.n++;
      if (interval) {
        if (actual >= interval.lower80 && actual <= interval.upper80) t.covered80++;
        if (actual >= interval.lower95 && actual <= interval.upper95) t.covered95++;
        t.pinballSum += pinball(actual, mean, interval);
      }
    }
    return true;
  }

  /** The series' figures; `intervals` names the forecasters that gave intervals. */
  summary(intervals: readonly string[] = []): SeriesSkill {
    const per = (f: string, g: (t: Tally) => number) => this.tallies.get(f)!.map((t) => (t.n ? g(t) : NaN));
    const mae = Object.fromEntries(this.forecasters.map((f) => [f, per(f, (t) => t.absSum / t.n)]));
    const naive = this.forecasters.filter((f) => (NAIVE_FORECASTERS as readonly string[]).includes(f));
    const bestNaive = FORECAST_HORIZONS.map((_, hi) => {
      let best = { name: '-', mae: NaN };
      for (const f of naive) if (!(mae[f]![hi]! >= best.mae)) best = { name: f, mae: mae[f]![hi]! };
      return best;
    });
    const pick = (g: (t: Tally) => number) => Object.fromEntries(intervals.map((f) => [f, per(f, g)]));
    return {
      series: this.series,
      points: this.tallies.get(this.forecasters[0]!)!.map((t) => t.n),
      mae,
      ...(intervals.length
        ? {
            coverage80: pick((t) => t.covered80 / t.n),
            coverage95: pick((t) => t.covered95 / t.n),
            pinball: pick((t) => t.pinballSum / t.n),
          }
        : {}),
      bestNaive,
    };
  }
}

/** A forecaster's figures pooled over series, per horizon. */
export interface PooledSkill {
  /** Geometric mean over series of MAE / the best naive MAE (below 1: better than every naive forecast). */
  relativeMae: number[];
  /** Share of series where the forecaster's MAE is below the best naive's. */
  beatsBestNaive: number[];
  /** Series counted (those where the best naive MAE is above 0). */
  series: number[];
  coverage80?: number[];
  coverage95?: number[];
  /** Mean over series of the pinball loss / the best naive MAE. */
  relativePinball?: number[];
}

/** Pools series' figures for one forecaster (scale-free, so series of any unit pool together). */
export function pooledSkill(skills: readonly SeriesSkill[], forecaster: string): PooledSkill {
  const out: PooledSkill = { relativeMae: [], beatsBestNaive: [], series: [] };
  const interval = skills.some((s) => s.coverage80?.[forecaster]);
  if (interval) Object.assign(out, { coverage80: [], coverage95: [], relativePinball: [] });
  FORECAST_HORIZONS.forEach((_, hi) => {
    const sum = { log: 0, beats: 0, n: 0, points: 0, c80: 0, c95: 0, pinball: 0 };
    for (const s of skills) {
      const mae = s.mae[forecaster]?.[hi];
      const best = s.bestNaive[hi]!.mae;
      if (!Number.isFinite(mae) || !(best > 0)) continue;
      // An exact forecast of a series the naive misses would be log 0: floor it at a thousandth.
      sum.log += Math.log(Math.max(mae! / best, 1e-3));
      if (mae! < best) sum.beats++;
      sum.n++;
      if (interval) {
        const count = s.points[hi]!;
        sum.c80 += s.coverage80![forecaster]![hi]! * count;
        sum.c95 += s.coverage95![forecaster]![hi]! * count;
        sum.points += count;
        sum.pinball += s.pinball![forecaster]![hi]! / best;
      }
    }
    out.relativeMae.push(sum.n ? Math.exp(sum.log / sum.n) : NaN);
    out.beatsBestNaive.push(sum.n ? sum.beats / sum.n : NaN);
    out.series.push(sum.n);
    if (interval) {
      out.coverage80!.push(sum.points ? sum.c80 / sum.points : NaN);
      out.coverage95!.push(sum.points ? sum.c95 / sum.points : NaN);
      out.relativePinball!.push(sum.n ? sum.pinball / sum.n : NaN);
    }
  });
  return out;
}
