import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { startRedis, type TestServer } from '../../testing/test-servers.ts';
import { ingestSimulatedHistory, startTestSidecar } from '../../testing/test-sidecar.ts';

let redis: TestServer;
before(async () => {
  redis = await startRedis();
});
after(() => redis.stop());

test(
  'with REDIS_URL, training runs as BullMQ jobs (Redis from Debian), once per instance and round',
  { timeout: 180_000 },
  async () => {
    const sidecar = await startTestSidecar(
      {},
      { REDIS_URL: redis.url, TWIN_TRAIN_EPOCHS: '3', TWIN_MIN_HISTORY: '1d' }
    );
    try {
      const now = Math.floor(Date.now() / 60_000) * 60_000;
      await ingestSimulatedHistory(sidecar, { instances: 2, seed: 4, days: 2, now });

      assert.equal(await sidecar.trainer.runDue(sidecar.instances.list()), 2);
      assert.equal(sidecar.models.champion('sim-001')!.version, 'v0001');
      const queue = new Queue('twin-training', { connection: { url: redis.url } });
      try {
        const done = await queue.getJobs(['completed']);
        assert.deepEqual(done.map((j) => j.data.instance).sort(), ['sim-001', 'sim-002']);
        assert.deepEqual(
          done.map((j) => j.returnvalue.version),
          ['v0001', 'v0001']
        );
        // A round is named after the newest version: asking again before a new one exists (another
        // node, or this one, a second either side of a schedule boundary) joins the finished job.
        assert.deepEqual(done.map((j) => j.id).sort(), ['sim-001.after-none', 'sim-002.after-none']);
        const again = await sidecar.trainingQueue!.submit({ ...done[0]!.data });
        assert.equal(again.version, 'v0001');
        assert.deepEqual(
          (await sidecar.models.versions(done[0]!.data.instance)).map((v) => v.version),
          ['v0001']
        );
        // The next round follows v0001: two nodes asking for it get one new version between them.
        const next = { ...done[0]!.data, now: Date.now(), round: 'after-v0001' };
        const [a, b] = await Promise.all([sidecar.trainingQueue!.submit(next), sidecar.trainingQueue!.submit(next)]);
        assert.deepEqual([a.version, b.version], ['v0002', 'v0002']);
        assert.equal((await sidecar.models.versions(next.instance)).length, 2);
        // A round whose job failed for good (here: an instance with no history) is tried again when asked again.
        const none = {
          instance: 'nobody',
          now: Date.now(),
          history: { firstSeen: 0, lastSeen: 0 },
          round: 'after-none',
        };
        await assert.rejects(sidecar.trainingQueue!.submit(none), /only 0 points of history/);
        const first = (await queue.getJob('nobody.after-none'))!;
        assert.equal(first.attemptsMade, 3);
        const firstFinished = first.finishedOn!;
        await assert.rejects(sidecar.trainingQueue!.submit(none), /only 0 points of history/);
        assert.ok((await queue.getJob('nobody.after-none'))!.finishedOn! > firstFinished, 'tried again');
      } finally {
        await queue.close();
      }
    } finally {
      await sidecar.stop();
    }
  }
);

test('a REDIS_URL that is not one is refused at start, naming the key', async () => {
  await assert.rejects(
    startTestSidecar({}, { REDIS_URL: 'localhost:6379' }),
    /REDIS_URL: expected redis:\/\/host:port/
  );
});
