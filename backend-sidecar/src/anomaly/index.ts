export { AdaptiveThreshold } from './adaptive-threshold.ts';
export {
  AnomalyDetector,
  type AnomalyEvent,
  type MetricContribution,
  type ScoredPoint,
  type DetectorEvents,
} from './anomaly-detector.ts';
