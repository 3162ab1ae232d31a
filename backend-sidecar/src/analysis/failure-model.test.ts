import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureModel, featuresOf, reliability, type FailureEvidence } from './failure-model.ts';

let seed = 11;
const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;

/** A fleet's moments where memory incidents with high scores end in a crash within the horizon, others rarely. */
function moments(n: number): { e: FailureEvidence; y: 0 | 1 }[] {
  return Array.from({ length: n }, () => {
    const memory = random() < 0.2;
    const score = memory ? 2 + 4 * random() : 2 * random();
    const e: FailureEvidence = {
      trendProbability: 0.02 + 0.05 * random(),
      anomalyScore: score,
      incidentOpen: score > 1,
      rootCause: memory ? 'memory' : score > 1 ? 'cpu' : undefined,
    };
    const p = memory ? 0.1 + 0.12 * score : 0.02;
    return { e, y: random() < p ? 1 : 0 };
  });
}

test('before any failure the model gives the prior: the trend probability, lifted by a critical finding', () => {
  const model = new FailureModel();
  const quiet = model.predict({ trendProbability: 0.2, anomalyScore: 0, incidentOpen: false });
  assert.ok(Math.abs(quiet.probability - 0.2) < 1e-9);
  assert.equal(quiet.prior, true);
  const flagged = model.predict({ trendProbability: 0.2, anomalyScore: 0, incidentOpen: false, finding: 'critical' });
  assert.ok(flagged.probability > 0.5, `${flagged.probability}`);
  assert.ok(quiet.interval[0] < quiet.probability && quiet.probability < quiet.interval[1]);
});

test('a near-certain prediction of a model never checked against a failure is not certain: no interval [1, 1], no confidence 1', () => {
  const prior = new FailureModel();
  const sure = prior.predict({ trendProbability: 1 - 1e-9, anomalyScore: 8, incidentOpen: true, finding: 'critical' });
  assert.ok(sure.probability > 0.999);
  assert.ok(sure.interval[0] <= 0.05, String(sure.interval));
  assert.ok(sure.confidence < 0.06, String(sure.confidence));
  // Checked against 50 failures, the same logit may claim more, never certainty.
  prior.failuresLearnt = 50;
  const checked = prior.predict({
    trendProbability: 1 - 1e-9,
    anomalyScore: 8,
    incidentOpen: true,
    finding: 'critical',
  });
  assert.ok(checked.interval[0] > 0.9 && checked.interval[0] <= 0.05 ** (1 / 51) + 1e-12, String(checked.interval));
  // A calm moment is as before: low, with a narrow interval.
  const calm = new FailureModel().predict({ trendProbability: 0.001, anomalyScore: 0.1, incidentOpen: false });
  assert.ok(calm.interval[1] < 0.05 && calm.confidence > 0.95, JSON.stringify(calm));
});

test('fitted on recorded failures it learns what precedes them, is better calibrated, and grows surer with evidence', () => {
  const train = moments(4000);
  const test_ = moments(4000);
  const model = new FailureModel();
  const score = (m: FailureModel) => reliability(test_.map(({ e, y }) => ({ p: m.predict(e).probability, y }))).brier;
  const before = score(model);
  const summary = model.fit(train.map(({ e, y }) => ({ x: featuresOf(e), y })));
  assert.ok(summary.positives > 50 && summary.iterations < 25, JSON.stringify(summary));
  assert.equal(model.predict(test_[0]!.e).prior, false);
  const after = score(model);
  assert.ok(after < before, `Brier ${after} against the prior's ${before}`);
  const memoryIncident = { trendProbability: 0.05, anomalyScore: 5, incidentOpen: true, rootCause: 'memory' as const };
  const cpuIncident = { ...memoryIncident, rootCause: 'cpu' as const, anomalyScore: 1.5 };
  const pm = model.predict(memoryIncident);
  assert.ok(pm.probability > 0.4 && pm.probability < 0.9, `${pm.probability}`);
  assert.ok(model.predict(cpuIncident).probability < 0.15);
  // Calibration: in every well-filled bin the observed rate is near the predicted one.
  const table = reliability(test_.map(({ e, y }) => ({ p: model.predict(e).probability, y }))).table;
  for (const bin of table.filter((b) => b.count >= 200))
    assert.ok(Math.abs(bin.observed - bin.predicted) < 0.08, JSON.stringify(bin));
  // Ten times the evidence: a narrower interval for the same moment.
  const more = new FailureModel();
  more.fit(moments(40000).map(({ e, y }) => ({ x: featuresOf(e), y })));
  const width = (p: { interval: [number, number] }) => p.interval[1] - p.interval[0];
  assert.ok(width(more.predict(memoryIncident)) < width(pm), `${width(more.predict(memoryIncident))} vs ${width(pm)}`);
  assert.ok(more.predict(memoryIncident).confidence > pm.confidence);
});
