import { parameterRegister } from '../core/parameter.ts';

/** When anomalous points become an event (anomaly/anomaly-detector.ts, anomaly/adaptive-threshold.ts). */
export const ANOMALY_DETECTION = parameterRegister('anomaly: detection', {
  openAfterPoints: {
    value: 5,
    unit: 'points',
    what: 'Anomalous points in a row (each within the gap of the last) an event needs; also how long one metric must stay flagged to make the instance anomalous on its own.',
    basis: 'chosen on data',
    source:
      'SMD machines 1-1..1-8 (one metric alone after 5 points, not 3: F1 0.553 in docs/evaluation.md); 4, 5, 6 and 8 all gave 0.552-0.553.',
  },
  openAfterExcess: {
    value: 2,
    unit: 'score',
    what: "The sum of the instance score less 1 (a CUSUM) the run's points must reach: twice the threshold.",
    basis: 'chosen on data',
    source:
      'NAB realAWSCloudwatch: 1, 1.5, 2, 3, 4 scored 70.1, 70.6, 70.8, 70.9, 70.8 (untrained twin); 2 taken at the start of the plateau. SMD F1 0.553 -> 0.555.',
  },
  mostExcessPerPoint: {
    value: 1,
    unit: 'score',
    what: 'What one point adds to that sum at most (a point at twice the threshold), so one spike and its slow tail make no event.',
    basis: 'chosen on data',
    source: 'NAB realAWSCloudwatch: 73.3 -> 73.8 (false positives 26 -> 23); SMD F1 0.562 -> 0.563.',
  },
  minGapMs: {
    value: 30_000,
    unit: 'ms',
    what: "Longest gap between an event's points, at least; series sampled less often get 2.5 sampling intervals.",
    basis: 'first principles',
    source:
      "Thirty 1 Hz samples: a few missed samples do not split an event; NAB's 5-minute series use the interval rule.",
  },
  adaptiveQuantile: {
    value: 0.999,
    unit: 'quantile',
    what: 'The quantile of recent normal scores an adaptive threshold follows (TWIN_THRESHOLD=adaptive).',
    basis: 'first principles',
    source: 'One false alarm in about a thousand normal scores before the margin; not tuned on labels.',
  },
  adaptiveMargin: {
    value: 1.2,
    unit: 'ratio',
    what: 'The margin an adaptive threshold keeps over that quantile.',
    basis: 'first principles',
    source: "Room for the quantile's own sampling error over a window of a few thousand scores; not tuned on labels.",
  },
});

/** The live path's scoring stage (anomaly/live-scorer.ts). */
export const LIVE_SCORING = parameterRegister('anomaly: live scoring', {
  trendLookbackMs: {
    value: 20 * 60_000,
    unit: 'ms',
    what: "Samples of an instance without a twin younger than this are passed to the resources' trends; older ones (history loaded in bulk) are only stored.",
    basis: 'first principles',
    source: 'Longer than any agent spool replay after a short outage; a backfill of days is not a live trend.',
  },
});
