export { trainTwinModel, type BaselineTwinModel, type MetricModel, type TrainingData } from './baseline-model.ts';
export { TwinRunner, type TwinStep } from './twin-runner.ts';
export { ModelRegistry, type ModelVersionInfo, type VersionDecision } from './model-registry.ts';
export { TwinTrainer, trainerOptions, type TrainerOptions, type InstanceHistory } from './twin-trainer.ts';
export { TrainingPool } from './training-pool.ts';
export {
  startTwin,
  startTwinFromHistory,
  historyNeeded,
  type TwinModel,
  type TwinKind,
  type LoadedTwin,
  type LiveTwin,
} from './twin-model.ts';
export {
  DEFAULT_LSTM_OPTIONS,
  JOINT_SCORE,
  LEVEL_SCORE,
  type LstmTwinModel,
  type LstmTwinOptions,
} from './lstm-model.ts';
export { LstmTwinRunner } from './lstm-runner.ts';
export { DriftMonitor, type DriftOptions } from './drift-monitor.ts';
export type { TrainRequest, TrainOutcome } from './training-queue.ts';
