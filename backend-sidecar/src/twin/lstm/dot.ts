/**
 * a[aAt..aAt+n) · b[bAt..bAt+n) in four independent sums, so the additions overlap instead of each
 * waiting on the one before (the hottest loops of the network are short dot products like this).
 */
export function dot(a: Float64Array, aAt: number, b: Float64Array, bAt: number, n: number): number {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let u = 0;
  for (; u + 3 < n; u += 4) {
    a0 += a[aAt + u]! * b[bAt + u]!;
    a1 += a[aAt + u + 1]! * b[bAt + u + 1]!;
    a2 += a[aAt + u + 2]! * b[bAt + u + 2]!;
    a3 += a[aAt + u + 3]! * b[bAt + u + 3]!;
  }
  for (; u < n; u++) a0 += a[aAt + u]! * b[bAt + u]!;
  return a0 + a1 + (a2 + a3);
}
