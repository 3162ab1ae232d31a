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
