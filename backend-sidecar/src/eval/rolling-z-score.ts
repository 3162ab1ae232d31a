/** The baseline detector both evaluations run: |x - mean| / sd over the previous `window` points (0 before there are that many). */
export function rollingZScores(values: ArrayLike<number>, window = 60): Float64Array {
  const n = values.length;
  const z = new Float64Array(n);
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    if (i >= window) {
      const mean = sum / window;
      const sd = Math.sqrt(Math.max(0, sumSq / window - mean * mean));
      z[i] = sd > 1e-9 ? Math.min(1e6, Math.abs(values[i]! - mean) / sd) : 0;
      sum -= values[i - window]!;
      sumSq -= values[i - window]! ** 2;
    }
    sum += values[i]!;
    sumSq += values[i]! ** 2;
  }
  return z;
}
