import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startS3rver, type TestServer } from '../testing/test-servers.ts';
import { S3ObjectStore } from '../store/index.ts';
import { FleetSimulator } from '../simulator/index.ts';
import { startTestSidecar } from '../testing/test-sidecar.ts';

let s3: TestServer;
before(async () => {
  s3 = await startS3rver();
});
after(() => s3.stop());

test(
  'with TWIN_OBJECT_STORE=s3, versioned models are published to the bucket and loaded back after a restart',
  { timeout: 60_000 },
  async () => {
    const env = {
      TWIN_OBJECT_STORE: 's3',
      TWIN_S3_BUCKET: 'twin',
      TWIN_S3_PREFIX: 'prod/',
      TWIN_S3_ENDPOINT: s3.url,
      TWIN_S3_ACCESS_KEY_ID: 'S3RVER',
      TWIN_S3_SECRET_ACCESS_KEY: 'S3RVER',
    };
    const sidecar = await startTestSidecar({}, env);
    const now = Date.now();
    const sim = new FleetSimulator({ instances: 2, seed: 2, faultsPerInstanceDay: 0 });
    for (const tick of sim.ticks(now - 2 * 86_400_000, now, 300_000)) {
      for (const s of tick.samples)
        await sidecar.ingest.ingest({ instance: s.instance, samples: [{ ts: s.ts, values: s.values }] });
    }
    await sidecar.ingest.drain();
    assert.equal(await sidecar.trainer.runDue(sidecar.instances.list()), 2);
    const bucket = new S3ObjectStore({
      bucket: 'twin',
      prefix: 'prod/',
      endpoint: s3.url,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    });
    assert.deepEqual(await bucket.list('models/sim-001/'), [
      'models/sim-001/champion.json',
      'models/sim-001/v0001/metadata.json',
      'models/sim-001/v0001/model.json',
      'models/sim-001/v0001/weights.bin',
    ]);
    const dataDir = sidecar.config.dataDir;
    await sidecar.stop();

    const again = await startTestSidecar({ dataDir }, env);
    assert.equal(again.models.champion('sim-002')?.version, 'v0001');
    await again.stop();
  }
);

test('a bad object store configuration names the key', async () => {
  await assert.rejects(startTestSidecar({}, { TWIN_OBJECT_STORE: 's3' }), /configuration key TWIN_S3_BUCKET: required/);
  await assert.rejects(startTestSidecar({}, { TWIN_OBJECT_STORE: 'tape' }), /TWIN_OBJECT_STORE: expected "fs" or "s3"/);
});
