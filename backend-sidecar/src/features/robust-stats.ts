import { PEAK_EXTRAPOLATION } from './parameters.ts';

/** The finite values, in their order. */
function finiteOf(values: ArrayLike<number>): number[] {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite.push(values[i]!);
  return finite;
}

/** Median of the finite values (NaN when there are none). */
export function median(values: ArrayLike<number>): number {
  const finite = finiteOf(values);
  if (finite.length === 0) return NaN;
  finite.sort((a, b) => a - b);
  const mid = finite.length >> 1;
  return finite.length % 2 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

/** Scaled median absolute deviation: a standard deviation that outliers do not inflate. */
export function robustScale(values: ArrayLike<number>, center = median(values)): number {
  const deviations: number[] = [];
  for (let i = 0; i < values.length; i++)
    if (Number.isFinite(values[i])) deviations.push(Math.abs(values[i]! - center));
  return 1.4826 * median(deviations);
}

/** The q-quantile (0..1) of the finite values, by linear interpolation. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const finite = finiteOf(values);
  if (finite.length === 0) return NaN;
  finite.sort((a, b) => a - b);
  const pos = Math.min(1, Math.max(0, q)) * (finite.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(finite.length - 1, lo + 1);
  return finite[lo]! + (finite[hi]! - finite[lo]!) * (pos - lo);
}

/** Least-squares line through (x, y) with the standard error of its slope. */
export function linearTrend(
  x: ArrayLike<number>,
  y: ArrayLike<number>
): { slope: number; intercept: number; slopeStdErr: number; r2: number; n: number } {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(y[i])) continue;
    n++;
    sx += x[i]!;
    sy += y[i]!;
  }
  if (n < 3) return { slope: 0, intercept: n ? sy / n : NaN, slopeStdErr: Infinity, r2: 0, n };
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(y[i])) continue;
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return { slope: 0, intercept: my, slopeStdErr: Infinity, r2: 0, n };
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const residual = Math.max(0, syy - slope * sxy);
  const slopeStdErr = Math.sqrt(residual / (n - 2) / sxx);
  return { slope, intercept, slopeStdErr, r2: syy > 0 ? 1 - residual / syy : 0, n };
}

/** The smallest and largest finite values ([Infinity, -Infinity] when there are none). */
export function extremes(values: ArrayLike<number>): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < low) low = v;
    if (v > high) high = v;
  }
  return [low, high];
}

/** The share of the highest values whose excesses describe the tail, and the fewest values to describe one from. */
const TAIL_SHARE = PEAK_EXTRAPOLATION.tailShare.value;
const MIN_TAIL_SAMPLE = PEAK_EXTRAPOLATION.minTailSample.value;

/**
 * The largest value `times` as many samples would be expected to reach (1: the largest finite value
 * there is; -Infinity without values). The tail over the 98th percentile is taken as exponential
 * (peaks over a threshold, with a shape of 0): the largest of n samples then grows with the mean
 * excess over that percentile times ln(n), so `times` as many raise it by the mean excess times
 * ln(times). Fewer than 50 values describe no tail: the largest is returned as it is.
 */
export function expectedPeak(values: ArrayLike<number>, times: number): number {
  if (!(times > 1)) return extremes(values)[1];
  const finite = finiteOf(values);
  const peak = extremes(finite)[1];
  if (finite.length < MIN_TAIL_SAMPLE) return peak;
  const threshold = quantile(finite, 1 - TAIL_SHARE);
  let excess = 0;
  let over = 0;
  for (const v of finite) {
    if (v <= threshold) continue;
    excess += v - threshold;
    over++;
  }
  return over ? peak + (excess / over) * Math.log(times) : peak;
}
