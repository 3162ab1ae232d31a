import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  averagePrecision,
  eventRecall,
  hitRate,
  pointAdjusted,
  pointwise,
  segmentsOf,
  vusPr,
} from './detection-metrics.ts';

//                 0  1  2  3  4  5  6  7  8  9
const labels = [0, 1, 1, 1, 0, 0, 1, 1, 0, 0];
const predicted = [0, 0, 1, 0, 0, 1, 0, 0, 0, 0];

test('segments, point-wise and point-adjusted scores, event recall, by hand', () => {
  assert.deepEqual(segmentsOf(labels), [
    { start: 1, end: 4 },
    { start: 6, end: 8 },
  ]);
  const p = pointwise(predicted, labels);
  assert.deepEqual([p.tp, p.fp, p.fn], [1, 1, 4]);
  assert.equal(p.precision, 0.5);
  assert.equal(p.recall, 0.2);
  // Point adjustment fills the first segment (one point hit): tp 3, fp 1, fn 2.
  const a = pointAdjusted(predicted, labels);
  assert.deepEqual([a.tp, a.fp, a.fn], [3, 1, 2]);
  assert.equal(a.f1, (2 * 0.75 * 0.6) / 1.35);
  assert.equal(eventRecall(predicted, labels), 0.5);
});

test('average precision: perfect ranking 1, reversed ranking low, ties taken together', () => {
  const perfect = labels.map((l) => (l ? 2 : 1));
  assert.equal(averagePrecision(perfect, labels), 1);
  const reversed = labels.map((l, i) => (l ? i / 100 : 1 + i));
  // Positives come after the 5 negatives: precision 1/6, 2/7 ... 5/10 at each positive.
  const expected = [1 / 6, 2 / 7, 3 / 8, 4 / 9, 5 / 10].reduce((a, b) => a + b, 0) / 5;
  assert.ok(Math.abs(averagePrecision(reversed, labels) - expected) < 1e-12);
  assert.equal(
    averagePrecision(
      labels.map(() => 1),
      labels
    ),
    0.5,
    'all tied: the base rate'
  );
});

test('VUS-PR rewards scores that rise just before a segment, which point-wise AUC-PR punishes', () => {
  const long = Array.from({ length: 200 }, (_, i) => (i >= 100 && i < 110 ? 1 : 0));
  const early = long.map((_, i) => (i >= 96 && i < 106 ? 1 : 0)); // starts 4 points early
  assert.ok(vusPr(early, long, 20) > averagePrecision(early, long));
  assert.ok(vusPr(long, long, 20) > vusPr(early, long, 20), 'an exact detector still scores higher');
});

test('HitRate@P%: the share of the true root-cause dimensions among the top-ranked', () => {
  assert.equal(hitRate([9, 3, 1, 7], [1, 3], 100), 0.5); // top 2: 9, 3
  assert.equal(hitRate([9, 3, 1, 7], [1, 3], 150), 1); // top 3: 9, 3, 1
  assert.ok(Number.isNaN(hitRate([1], [], 100)));
});
