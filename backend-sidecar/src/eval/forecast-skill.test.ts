import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FORECAST_HORIZONS,
  gaussianInterval,
  naiveAvailable,
  naiveForecast,
  pooledSkill,
  SeriesSkillTally,
} from './forecast-skill.ts';

test('naive forecasts: persistence repeats the last finite value, seasonal naive the value a season before the target, the rolling mean averages', () => {
  const column = [1, 2, 3, 4, 5, 6, 7, NaN];
  assert.equal(naiveForecast('persistence', column, 7, 1, 4), 7, 'the NaN at the origin is skipped');
  assert.equal(naiveForecast('persistence', column, 3, 10, 4), 4);
  // A day is 4 steps here: the target 6 + 1 = 7 repeats row 3; a target 6 steps ahead repeats the last day seen.
  assert.equal(naiveForecast('seasonal naive (day)', column, 6, 1, 4), 4);
  assert.equal(naiveForecast('seasonal naive (day)', column, 6, 6, 4), 5);
  assert.ok(Number.isNaN(naiveForecast('seasonal naive (day)', column, 1, 1, 4)), 'no day of history yet');
  assert.equal(naiveAvailable('seasonal naive (day)', 3, 4), true);
  assert.equal(naiveAvailable('seasonal naive (week)', 3, 4), false);
  assert.equal(naiveForecast('rolling mean', column, 7, 1, 4), 4, 'mean of 1..7');
});

test('a series tally scores every forecaster on the same points, with intervals covered and the pinball loss', () => {
  const tally = new SeriesSkillTally('a/x', ['twin', 'persistence', 'rolling mean']);
  assert.equal(
    tally.add(0, 10, {
      twin: { mean: 9, interval: gaussianInterval(9, 1) },
      persistence: { mean: 12 },
      'rolling mean': { mean: 13 },
    }),
    true
  );
  assert.equal(
    tally.add(0, 10, {
      twin: { mean: 12, interval: gaussianInterval(12, 1) },
      persistence: { mean: 10 },
      'rolling mean': { mean: 10 },
    }),
    true
  );
  assert.equal(
    tally.add(0, 10, {
      twin: { mean: 10, interval: gaussianInterval(10, 1) },
      persistence: { mean: NaN },
      'rolling mean': { mean: 1 },
    }),
    false,
    'a point a forecaster could not forecast counts for none'
  );
  assert.equal(tally.add(0, NaN, { twin: { mean: 1 }, persistence: { mean: 1 }, 'rolling mean': { mean: 1 } }), false);
  const s = tally.summary(['twin']);
  assert.deepEqual(s.points, [2, 0, 0]);
  assert.equal(s.mae.twin![0], 1.5);
  assert.equal(s.mae.persistence![0], 1);
  assert.equal(s.mae['rolling mean']![0], 1.5);
  assert.deepEqual(s.bestNaive[0], { name: 'persistence', mae: 1 });
  assert.ok(Number.isNaN(s.mae.twin![1]!), 'a horizon with no points');
  // |miss| 1 is within 1.28 sd (80 %), 2 is not; both within 1.96 sd (95 %).
  assert.equal(s.coverage80!.twin![0], 0.5);
  assert.equal(s.coverage95!.twin![0], 0.5);
  assert.ok(s.pinball!.twin![0]! > 0);
  assert.equal(s.coverage80!.persistence, undefined, 'point forecasts have no intervals');
});

test('pooled skill: the geometric mean of MAE over the best naive, the share of series below it, series with a perfect naive left out', () => {
  const series = (twin: number, naive: number) => ({
    series: 's',
    points: FORECAST_HORIZONS.map(() => 10),
    mae: { twin: FORECAST_HORIZONS.map(() => twin), persistence: FORECAST_HORIZONS.map(() => naive) },
    coverage80: { twin: FORECAST_HORIZONS.map(() => 0.8) },
    coverage95: { twin: FORECAST_HORIZONS.map(() => 0.9) },
    pinball: { twin: FORECAST_HORIZONS.map(() => naive / 2) },
    bestNaive: FORECAST_HORIZONS.map(() => ({ name: 'persistence', mae: naive })),
  });
  const pooled = pooledSkill([series(1, 2), series(8, 4), series(3, 0)], 'twin');
  assert.ok(Math.abs(pooled.relativeMae[0]! - 1) < 1e-12, 'sqrt(0.5 x 2)');
  assert.equal(pooled.beatsBestNaive[0], 0.5);
  assert.equal(pooled.series[0], 2);
  assert.ok(Math.abs(pooled.coverage80![0]! - 0.8) < 1e-12);
  assert.equal(pooled.relativePinball![0], 0.5);
  assert.equal(pooledSkill([series(1, 2)], 'persistence').relativeMae[0], 1);
});
