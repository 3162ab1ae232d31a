export {
  ExhaustionForecaster,
  normalCdf,
  type FailureForecast,
  type ResourceForecast,
  type ForecasterOptions,
} from './exhaustion-forecaster.ts';
