import { parameterRegister } from '../core/parameter.ts';

/** The failure analysis of the live fleet (analysis/failure-analysis.ts, analysis/failure-report.ts). */
export const FAILURE_ANALYSIS = parameterRegister('analysis: live failure analysis', {
  longHorizonMs: {
    value: 24 * 3_600_000,
    unit: 'ms',
    what: 'The second horizon the failure model predicts for, beside TWIN_HORIZON.',
    basis: 'first principles',
    source: 'A day: what an operator plans for (a maintenance window), beside the hour that needs action now.',
  },
  incidentEventsRestored: {
    value: 200,
    unit: 'events',
    what: 'Anomaly events of the last week read back per instance after a restart, to rebuild its incidents.',
    basis: 'first principles',
    source: 'As many as the incident correlator keeps per instance (INCIDENTS.keep).',
  },
  actionCauseScore: {
    value: 0.2,
    unit: 'share',
    what: "An incident's root cause counts for recommended actions from this share of the incident on.",
    basis: 'first principles',
    source: 'A fifth of the weight: a cause among the top few, not every metric that moved.',
  },
  actionTrendProbability: {
    value: 0.05,
    unit: 'probability',
    what: "A resource's trend counts for recommended actions from this probability of running out within the horizon.",
    basis: 'first principles',
    source: 'Worth simulating an action for, well below the alert level (0.5).',
  },
  reportSeverityWeight: {
    value: { info: 0, warning: 0.5, critical: 1 },
    unit: 'weight',
    what: 'How much a report finding of each severity weighs as a root cause when the instance has no incident.',
    basis: 'first principles',
    source: 'A critical finding counts twice a warning; informational ones not at all.',
  },
});

/** Resources' trends towards their limits (analysis/exhaustion-forecaster.ts). */
export const TRENDS = parameterRegister('analysis: trends', {
  findingProbability: {
    value: { info: 0, warning: 0.2, critical: 0.5 },
    unit: 'probability',
    what: 'How likely a resource is to run out within the horizon on the word of a recent report finding alone.',
    basis: 'first principles',
    source: 'Priors until the learned failure model replaces them: an OOM kill says memory is at its limit.',
  },
  minTrendSamples: {
    value: 30,
    unit: 'samples',
    what: 'Samples a trend needs before it is forecast.',
    basis: 'first principles',
    source: "Enough for the slope's standard error to mean something.",
  },
  maxLookbackMs: {
    value: 6 * 3_600_000,
    unit: 'ms',
    what: "The longest a trend's lookback grows to for an instance that reports seldom.",
    basis: 'first principles',
    source: 'Six hours: a trend, not the daily cycle.',
  },
});

/** The learned failure model's prior (analysis/failure-model.ts), keyed by feature name. */
export const FAILURE_MODEL = parameterRegister('analysis: failure model', {
  trendFloor: {
    value: 0.01,
    unit: 'probability',
    what: "The trend probability's floor before its logit: no instance is ever quite safe.",
    basis: 'first principles',
    source: 'Below 1 % the logit would drown every other piece of evidence (a kernel panic with no trend).',
  },
  priorWeights: {
    value: {
      bias: 0,
      'logit(trend probability)': 1,
      'log1p(anomaly score)': 0,
      'incident open': 0,
      'cause: memory': 0,
      'cause: cpu': 0,
      'cause: disk': 0,
      'cause: network': 0,
      'cause: host': 0,
      'finding: warning': 2.4,
      'finding: critical': 4.6,
      'logit(twin extrapolation)': 0,
    },
    unit: 'logit weight',
    what: "The weights before any failure is recorded: the trend's own probability, lifted by a report finding.",
    basis: 'first principles',
    source:
      'A critical finding alone takes the 1 % floor to even odds (4.6), a warning to about one in ten (2.4). Anomaly scores, incidents and causes start at 0: tried at a weight, 0.28 false alarms per instance-day on the simulated fleet (seed 7) where the trend alone had none.',
  },
  priorTrust: {
    value: {
      bias: 1,
      'logit(trend probability)': 1,
      'log1p(anomaly score)': 1,
      'incident open': 1,
      'cause: memory': 1,
      'cause: cpu': 1,
      'cause: disk': 1,
      'cause: network': 1,
      'cause: host': 1,
      'finding: warning': 1,
      'finding: critical': 1,
      'logit(twin extrapolation)': 10,
    },
    unit: 'ratio',
    what: 'How firmly each weight is held to the prior, times priorStrength.',
    basis: 'first principles',
    source:
      "The twin's extrapolation reacts to every wobble of its forecast, so it earns weight only from many failures.",
  },
  priorStrength: {
    value: 30,
    unit: 'moments',
    what: "Precision of the Gaussian prior around the prior weights: how many moments' worth of evidence it counts for.",
    basis: 'first principles',
    source: 'Each recorded failure brings an hour of correlated moments; the first few must not sweep the prior aside.',
  },
  calibrationTail: {
    value: 0.05,
    unit: 'probability',
    what: "The tail a near-certain prediction's interval leaves for its model being wrong: its lower bound is at most the 5 % quantile of the hit rate that k recorded failures, all foreseen, leave possible (Beta(k + 1, 1): 0.05^(1/(k+1))).",
    basis: 'first principles',
    source:
      'The lower end of the about-90 % interval the predictions already give. A logit far from 0 made the Laplace interval collapse to [1, 1] ("confidence 1.0") for a model that had never been checked against one failure.',
  },
});

/** Incidents and their root causes (analysis/incident-correlator.ts). */
export const INCIDENTS = parameterRegister('analysis: incidents', {
  relapseShare: {
    value: 0.25,
    unit: 'share',
    what: "An event after a lull shorter than this share of an incident's duration so far is a relapse of it.",
    basis: 'chosen on data',
    source: "NAB realAWSCloudwatch (825cc2's outage and its lulls; standard 63.1 with relapses, docs/evaluation.md).",
  },
  recurrenceToleranceMs: {
    value: 3_600_000,
    unit: 'ms',
    what: 'How far from its time of day an incident may begin and still recur daily.',
    basis: 'first principles',
    source: "A nightly job's start drifts by some minutes; an hour covers it.",
  },
  recurrenceMinDays: {
    value: 2,
    unit: 'days',
    what: 'Days of the lookback on which incidents began at that time for one to recur daily.',
    basis: 'first principles',
    source: 'Twice before is a pattern; once is a coincidence.',
  },
  recurrenceLookbackDays: {
    value: 7,
    unit: 'days',
    what: 'The days looked back for daily recurrence (and the incidents rebuilt after a restart).',
    basis: 'first principles',
    source: 'The default training window (a week).',
  },
  firstMoverWeight: {
    value: 1.5,
    unit: 'ratio',
    what: 'How much the metrics that moved first weigh against those that followed, as root causes.',
    basis: 'first principles',
    source:
      'Set when incidents were introduced (e43383e): the first movers are likelier causes than what followed. Not tuned on labels.',
  },
  findingWeight: {
    value: { info: 0, warning: 0.15, critical: 0.4 },
    unit: 'share',
    what: "Weight a report finding adds to the resources it implicates (the metrics' weights sum to 1).",
    basis: 'first principles',
    source: 'A critical finding outweighs any one metric but a dominant one; a warning tips close calls.',
  },
  gapMs: {
    value: 10 * 60_000,
    unit: 'ms',
    what: 'Events of an instance that overlap or follow within this gap are one incident.',
    basis: 'first principles',
    source: 'Ten minutes: one trouble seen by several metrics one after another.',
  },
  fleetWindowMs: {
    value: 10 * 60_000,
    unit: 'ms',
    what: 'Incidents starting within this window of one another on instances sharing a label are one fleet cause.',
    basis: 'first principles',
    source: 'As the gap within one instance.',
  },
  minSharedInstances: {
    value: 3,
    unit: 'instances',
    what: 'Instances a shared cause (host, zone) needs.',
    basis: 'first principles',
    source: 'Two is often chance on a busy fleet; three on one host rarely is.',
  },
  keep: {
    value: 200,
    unit: 'incidents',
    what: 'Incidents kept per instance.',
    basis: 'first principles',
    source: 'A week of a flapping instance.',
  },
});
