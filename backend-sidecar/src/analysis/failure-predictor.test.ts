import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailurePredictor } from './failure-predictor.ts';
import type { FailureEvidence } from './failure-model.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

test('moments are labelled by the failures that followed within each horizon; the model learns from them', () => {
  const predictor = new FailurePredictor({ horizonsMs: [HOUR, 24 * HOUR] });
  const quiet: FailureEvidence = { trendProbability: 0.01, anomalyScore: 0.2, incidentOpen: false };
  const leaking: FailureEvidence = { trendProbability: 0.05, anomalyScore: 4, incidentOpen: true, rootCause: 'memory' };
  const t0 = Date.parse('2026-11-20T00:00:00Z');
  // 40 instances over two days, a moment a minute; ten of them leak memory for 30 minutes, then crash.
  for (let i = 0; i < 40; i++) {
    const leaks = i < 10;
    const crashAt = t0 + (4 + 4 * i) * HOUR;
    for (let ts = t0; ts < t0 + 48 * HOUR; ts += MIN) {
      const inLeak = leaks && ts >= crashAt - 30 * MIN && ts < crashAt;
      const e = inLeak ? leaking : quiet;
      predictor.observe(`i-${i}`, ts, { crash: e, outage: quiet });
    }
    if (leaks) predictor.recordFailure(`i-${i}`, crashAt, 'crash');
  }
  const before = predictor
    .predict({ crash: leaking, outage: quiet })
    .find((p) => p.kind === 'crash' && p.horizonMs === HOUR)!;
  assert.equal(before.prior, true);
  const fits = predictor.refit(t0 + 48 * HOUR);
  // The hour before each crash is positive (whatever the evidence then); the last hour of moments (outcome unknown) is left out of the 1 h model.
  assert.equal(fits[`crash/${HOUR}`]!.positives, 10 * 60);
  assert.equal(fits[`crash/${HOUR}`]!.examples, 40 * (47 * 60 + 1) - 10 * 5);
  assert.equal(fits[`outage/${HOUR}`]!.positives, 0);
  const after = predictor.predict({ crash: leaking, outage: quiet });
  const crash1h = after.find((p) => p.kind === 'crash' && p.horizonMs === HOUR)!;
  assert.equal(crash1h.prior, false);
  assert.ok(crash1h.probability > 0.8, `${crash1h.probability}`);
  assert.ok(after.find((p) => p.kind === 'outage' && p.horizonMs === HOUR)!.prior);
  const calm = predictor
    .predict({ crash: quiet, outage: quiet })
    .find((p) => p.kind === 'crash' && p.horizonMs === HOUR)!;
  assert.ok(calm.probability < 0.01, `${calm.probability}`);
  // Within a day is at least as likely as within the hour, for every kind and moment.
  for (const e of [leaking, quiet])
    for (const kind of ['crash', 'outage'] as const) {
      const [hour, day] = [HOUR, 24 * HOUR].map(
        (h) => predictor.predict({ crash: e, outage: e }).find((p) => p.kind === kind && p.horizonMs === h)!
      );
      assert.ok(day!.probability >= hour!.probability, `${kind}: ${day!.probability} < ${hour!.probability}`);
      assert.ok(day!.interval[0] >= hour!.interval[0] && day!.interval[1] >= hour!.interval[1]);
    }
  // Ten crashes checked it: a near-certain crash prediction says so, its interval not collapsed to [1, 1].
  const certain = predictor
    .predict({ crash: { ...leaking, trendProbability: 0.999999 }, outage: quiet })
    .find((p) => p.kind === 'crash' && p.horizonMs === HOUR)!;
  assert.ok(certain.probability > 0.99);
  assert.ok(certain.interval[0] <= 0.05 ** (1 / 11) + 1e-12, String(certain.interval));
  assert.ok(certain.confidence < 0.77, String(certain.confidence));
});

test('a fit that does not predict the later moments better than the prior is not adopted', () => {
  const predictor = new FailurePredictor({ horizonsMs: [HOUR] });
  const quiet: FailureEvidence = { trendProbability: 0.01, anomalyScore: 0.2, incidentOpen: false };
  const odd: FailureEvidence = { trendProbability: 0.01, anomalyScore: 3, incidentOpen: true, rootCause: 'cpu' };
  const t0 = Date.parse('2026-11-20T00:00:00Z');
  // Early on, CPU incidents end in crashes; later the same incidents pass harmlessly.
  for (let i = 0; i < 20; i++)
    for (let ts = t0; ts < t0 + 48 * HOUR; ts += MIN) {
      const hour = Math.floor((ts - t0) / HOUR);
      const e = hour % 6 === 0 ? odd : quiet;
      predictor.observe(`i-${i}`, ts, { crash: e, outage: quiet });
    }
  for (let i = 0; i < 20; i++)
    for (let h = 1; h < 24; h += 6) predictor.recordFailure(`i-${i}`, t0 + h * HOUR, 'crash');
  predictor.recordFailure('i-0', t0 + 46 * HOUR, 'crash');
  const fits = predictor.refit(t0 + 48 * HOUR) as unknown as Record<string, { adopted: boolean }>;
  assert.equal(fits[`crash/${HOUR}`]!.adopted, false);
  assert.equal(predictor.predict({ crash: odd, outage: quiet })[0]!.prior, true);
});
