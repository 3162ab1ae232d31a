export {
  ExhaustionForecaster,
  normalCdf,
  type FailureForecast,
  type ResourceForecast,
  type ForecasterOptions,
} from './exhaustion-forecaster.ts';
export { type FindingEvidence } from './exhaustion-forecaster.ts';
export {
  IncidentCorrelator,
  isNews,
  isRelapse,
  RECURRENCE,
  type Incident,
  type RootCause,
  type SharedCause,
} from './incident-correlator.ts';
export { resourceOf } from './resource-of.ts';
export {
  FailureModel,
  featuresOf,
  reliability,
  type FailureEvidence,
  type FailurePrediction,
} from './failure-model.ts';
export { evidenceByKind, FailurePredictor, FAILURE_KINDS, type KindPrediction } from './failure-predictor.ts';
export { EXHAUSTIBLE } from './exhaustion-forecaster.ts';
export {
  FailureAnalysis,
  type FailureAnalysisOptions,
  type LiveTwins,
  type RecommendedAction,
  type TwinOutputs,
} from './failure-analysis.ts';
export { FailureRecorder, type FailureRecorderOptions } from './failure-recorder.ts';
export {
  buildFailureReport,
  type FailureReport,
  type FailureReportSources,
  type ReportFinding,
  type ReportForPrediction,
} from './failure-report.ts';
export {
  candidateActions,
  effectOf,
  WhatIfSimulation,
  type RankedAction,
  type Simulated,
  type WhatIfAction,
} from './what-if.ts';
export { FAILURE_ANALYSIS, FAILURE_MODEL, INCIDENTS, TRENDS } from './parameters.ts';
