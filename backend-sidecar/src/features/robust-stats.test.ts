import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectedPeak, extremes } from './robust-stats.ts';

let seed = 7;
const uniform = () => (seed = (seed * 16807) % 2147483647) / 2147483647;

test('extremes are the smallest and largest finite values', () => {
  assert.deepEqual(extremes([3, NaN, -1, Infinity, 2]), [-1, 3]);
  assert.deepEqual(extremes([]), [Infinity, -Infinity]);
});

test('the expected peak of more samples grows by the tail mean excess times ln(times), as for an exponential tail', () => {
  // Exponential samples of mean 1: the excess over any high percentile has mean 1.
  const values = Float64Array.from({ length: 20_000 }, () => -Math.log(1 - uniform()));
  const peak = extremes(values)[1];
  assert.equal(expectedPeak(values, 1), peak, 'as many samples: the largest there is');
  assert.equal(expectedPeak(values, 0.5), peak, 'fewer samples: the largest there is');
  const grown = expectedPeak(values, 7) - peak;
  assert.ok(Math.abs(grown - Math.log(7)) < 0.15, `grew by ${grown}, ln 7 = ${Math.log(7)}`);
});

test('too few values describe no tail, a bounded one does not grow, and values that are not finite are ignored', () => {
  assert.equal(expectedPeak([1, 5, 2, NaN], 10), 5);
  assert.equal(expectedPeak([], 10), -Infinity);
  // A bounded series (its top values all equal) has no excess over its 98th percentile: it does not grow.
  const bounded = Float64Array.from({ length: 200 }, (_, i) => (i % 10 === 0 ? NaN : i % 7));
  assert.equal(expectedPeak(bounded, 4), 6);
});
