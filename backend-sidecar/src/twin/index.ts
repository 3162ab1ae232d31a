export { trainTwinModel, type TwinModel, type MetricModel, type TrainingData } from './baseline-model.ts';
export { TwinRunner, type TwinStep } from './twin-runner.ts';
export { ModelRegistry, type ModelVersionInfo } from './model-registry.ts';
export { TwinTrainer, type TrainerOptions, type InstanceHistory } from './twin-trainer.ts';
