/** Pure geometry of a time chart: scales and SVG paths (unit-tested, no DOM). */
export interface Extent {
  min: number;
  max: number;
}

export function extentOf(...series: Array<ArrayLike<number | null | undefined>>): Extent {
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) {
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      if (v === null || v === undefined || !Number.isFinite(v)) {
        continue;
      }
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  if (min === Infinity) {
    return { min: 0, max: 1 };
  }
  if (min === max) {
    return { min: min - 1, max: max + 1 };
  }
  const pad = (max - min) * 0.05;
  return { min: min - pad, max: max + pad };
}

export const scale = (domain: Extent, from: number, to: number) => (v: number) =>
  from + ((v - domain.min) / (domain.max - domain.min)) * (to - from);

/** A line through the points, broken where a value is missing. */
export function linePath(
  xs: ArrayLike<number>,
  ys: ArrayLike<number | null | undefined>,
  x: (v: number) => number,
  y: (v: number) => number
): string {
  let d = '';
  let pen = false;
  for (let i = 0; i < xs.length; i++) {
    const v = ys[i];
    if (v === null || v === undefined || !Number.isFinite(v)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(xs[i]!).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  }
  return d;
}

/** A closed band between lower and upper (only where both are known, one polygon per stretch). */
export function bandPath(
  xs: ArrayLike<number>,
  lower: ArrayLike<number | null | undefined>,
  upper: ArrayLike<number | null | undefined>,
  x: (v: number) => number,
  y: (v: number) => number
): string {
  const parts: string[] = [];
  let run: number[] = [];
  const flush = () => {
    if (run.length > 1) {
      const top = run.map((i, k) => `${k === 0 ? 'M' : 'L'}${x(xs[i]!).toFixed(1)},${y(upper[i]!).toFixed(1)}`);
      const bottom = [...run].reverse().map((i) => `L${x(xs[i]!).toFixed(1)},${y(lower[i]!).toFixed(1)}`);
      parts.push(`${top.join('')}${bottom.join('')}Z`);
    }
    run = [];
  };
  for (let i = 0; i < xs.length; i++) {
    const lo = lower[i];
    const hi = upper[i];
    if (lo === null || lo === undefined || hi === null || hi === undefined) {
      flush();
    } else {
      run.push(i);
    }
  }
  flush();
  return parts.join('');
}
