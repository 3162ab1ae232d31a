import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NAB_PROFILES, nabNormalised, nabRawScore, nabTally, scaledSigmoid, sumTallies } from './nab-scoring.ts';

const standard = NAB_PROFILES.standard;
const windows = [{ start: 200, end: 219 }];
const at = (...rows: number[]) => Uint8Array.from({ length: 400 }, (_, i) => (rows.includes(i) ? 1 : 0));

test("NAB's scaled sigmoid: about 1 at a window's start, 0 at its end, -1 far after", () => {
  assert.ok(Math.abs(scaledSigmoid(-1) - 0.98661) < 1e-5);
  assert.equal(scaledSigmoid(0), 0);
  assert.equal(scaledSigmoid(3.5), -1);
});

test('an early detection scores more than a late one; only the first in a window counts; misses and false alarms cost', () => {
  const early = nabRawScore(at(200), windows, standard);
  const late = nabRawScore(at(215), windows, standard);
  assert.ok(early > 0.98 && late < early && late > 0);
  assert.equal(nabRawScore(at(200, 201, 205), windows, standard), early);
  assert.equal(nabRawScore(at(), windows, standard), -1, 'a missed window costs the FN weight');
  assert.equal(nabRawScore(at(100), windows, standard), -1 - 0.11, 'a false alarm before any window: -1 x FP weight');
  assert.equal(nabRawScore(at(10), windows, standard), -1, 'the probationary 15 % is not scored');
  // Just after the window a false alarm costs little, far after it the full FP weight.
  assert.ok(nabRawScore(at(221), windows, standard) > nabRawScore(at(390), windows, standard));
  assert.equal(nabRawScore(at(), windows, NAB_PROFILES.reward_low_FN_rate), -2);
});

test('normalised: the null detector scores 0 and the perfect one 100', () => {
  const files = [{ detections: at(), windows }];
  assert.equal(nabNormalised(files, standard).score, 0);
  assert.equal(nabNormalised([{ detections: at(200), windows }], standard).score, 100);
});

test('the tally says what made the score: windows detected, false positives and their cost', () => {
  const two = [...windows, { start: 300, end: 319 }];
  // One false positive before any window, a hit in the first window (and a second detection there,
  // ignored), one just after it, one far after; the second window missed.
  const tally = nabTally(at(100, 205, 206, 221, 290), two, standard);
  assert.equal(tally.detected, 1);
  assert.equal(tally.missed, 1);
  assert.equal(tally.falsePositives, 3);
  const hit = nabRawScore(at(205), windows, standard);
  const afterCost = -0.11 * (scaledSigmoid(2 / 19) + scaledSigmoid(71 / 19));
  assert.ok(Math.abs(tally.falsePositiveCost - (0.11 + afterCost)) < 1e-12);
  assert.ok(Math.abs(tally.score - (hit - tally.falsePositiveCost - 1)) < 1e-12);
  assert.equal(tally.score, nabRawScore(at(100, 205, 206, 221, 290), two, standard));
  const both = sumTallies([tally, nabTally(at(200), windows, standard)]);
  assert.deepEqual([both.detected, both.missed, both.falsePositives], [2, 1, 3]);
  assert.ok(Math.abs(both.score - (tally.score + nabRawScore(at(200), windows, standard))) < 1e-12);
});
