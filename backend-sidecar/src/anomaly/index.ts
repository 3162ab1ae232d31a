export { AdaptiveThreshold } from './adaptive-threshold.ts';
export {
  AnomalyDetector,
  type AnomalyEvent,
  type MetricContribution,
  type ScoredPoint,
  type DetectorEvents,
} from './anomaly-detector.ts';
export { LiveScorer, type InstanceLiveState, type LiveScorerEvents, type ChampionSource } from './live-scorer.ts';
export { replayTwin, replayLead, type TwinReplay } from './twin-replay.ts';
export { ANOMALY_DETECTION, LIVE_SCORING } from './parameters.ts';
