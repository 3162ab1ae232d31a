import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FileObjectStore } from '../../store/index.ts';
import { tempDir } from '../../testing/temp-dir.ts';
import { ModelRegistry } from '../model-registry.ts';
import { runTrainingJob } from './training-job.ts';
import type { TrainJob } from './training-queue.ts';
import type { TwinTrainer } from './twin-trainer.ts';

const job = (id: string) =>
  ({
    id,
    data: { instance: 'i-1', now: 0, history: { firstSeen: 0, lastSeen: 0 }, round: 'r1' },
  }) as unknown as TrainJob;

const untrainable = {
  train: () => {
    throw new Error('trained again');
  },
} as unknown as TwinTrainer;

test('a retried job whose worker died after storing its version, before the champion pointer, finishes the publication instead of training again', async () => {
  const objects = new FileObjectStore(tempDir());
  const models = new ModelRegistry(objects);
  // What the dead worker left: the version, decided champion, but no champion.json.
  const decision = { status: 'champion', reason: 'first version', decidedAt: 1, job: 'i-1.r1', trainedBy: 'w1' };
  const model = { instance: 'i-1', version: 'v0001', kind: 'seasonal-baseline', createdAt: 1, metrics: [] };
  await objects.put('models/i-1/v0001/metadata.json', JSON.stringify({ ...model, decision }));
  assert.equal(models.champion('i-1'), undefined);

  const outcome = await runTrainingJob(untrainable, models, job('i-1.r1'), 'w2');
  assert.deepEqual(outcome, { version: 'v0001', status: 'champion', worker: 'w2', trainedBy: 'w1' });
  assert.equal(models.champion('i-1')?.version, 'v0001');

  // Again (a second retry): nothing changes, and the champion's history does not name itself.
  await runTrainingJob(untrainable, models, job('i-1.r1'), 'w2');
  await assert.rejects(models.rollback('i-1'), /no earlier champion/);
});
