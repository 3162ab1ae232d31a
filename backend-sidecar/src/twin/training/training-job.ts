import type { ModelRegistry } from '../model-registry.ts';
import type { TrainJob, TrainOutcome } from './training-queue.ts';
import type { TwinTrainer } from './twin-trainer.ts';

/**
 * Runs one training job, once: a job retried after its worker died (BullMQ hands a stalled job to
 * another worker) first looks for the version it may already have published, and finishes that
 * publication if the worker died before the champion pointer was written.
 */
export async function runTrainingJob(
  trainer: TwinTrainer,
  models: ModelRegistry,
  job: TrainJob,
  worker: string
): Promise<TrainOutcome> {
  const { instance, now, history } = job.data;
  const id = job.id ?? `${instance}.${job.data.round}`;
  const published = await models.publishedBy(instance, id);
  if (published) await models.finishPublish(instance, published.version);
  const model = published ?? (await trainer.train(instance, now, history, { job: id, trainedBy: worker }));
  const decision = published?.decision ?? (await models.get(instance, model.version))?.decision;
  return {
    version: model.version,
    status: decision?.status ?? 'champion',
    worker,
    ...(decision?.trainedBy ? { trainedBy: decision.trainedBy } : {}),
  };
}
