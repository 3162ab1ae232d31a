export {
  trainTwinModel,
  type BaselineTwinModel,
  type MetricModel,
  type TrainingData,
} from './baseline/baseline-training.ts';
export { BaselineTwinRunner, type TwinStep } from './baseline/baseline-runner.ts';
export { ModelRegistry, type ModelVersionInfo, type VersionDecision } from './model-registry.ts';
export { TwinTrainer, trainerOptions, type TrainerOptions, type InstanceHistory } from './training/twin-trainer.ts';
export { TrainingPool } from './training/training-pool.ts';
export {
  startTwin,
  startTwinFromHistory,
  historyNeeded,
  levelPeaksOf,
  surprisePeakOf,
  thresholdsOf,
  type TwinModel,
  type TwinKind,
  type LoadedTwin,
  type LiveTwin,
} from './twin.ts';
export {
  DEFAULT_LSTM_OPTIONS,
  JOINT_SCORE,
  LEVEL_SCORE,
  type LstmTwinModel,
  type LstmTwinOptions,
} from './lstm/lstm-metadata.ts';
export { LstmTwinRunner } from './lstm/lstm-runner.ts';
export { DriftMonitor, type DriftOptions } from './drift-monitor.ts';
export type { TrainRequest, TrainOutcome } from './training/training-queue.ts';
export type { ForecastEffect, HorizonForecast, TwinForecast } from './lstm/lstm-runner.ts';

/** Training jobs on BullMQ (Redis). Loaded only when used: a sidecar without Redis does not pay for BullMQ at start-up. */
export async function openTrainingQueue() {
  const [{ TrainingJobs, TrainingWorker }, { runTrainingJob }] = await Promise.all([
    import('./training/training-queue.ts'),
    import('./training/training-job.ts'),
  ]);
  return { TrainingJobs, TrainingWorker, runTrainingJob };
}
export type { TrainingJobs, TrainingWorker } from './training/training-queue.ts';
export { HORIZON_HEADS, LEVEL_BASELINE, LSTM_NETWORK, TWIN_TRAINING } from './parameters.ts';
