import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ingestSimulatedHistory, startTestSidecar } from '../../testing/test-sidecar.ts';
import { run, TWIN_BIN } from '../../testing/processes.ts';
import type { Sidecar } from '../sidecar.ts';

let sidecar: Sidecar;

before(async () => {
  sidecar = await startTestSidecar({}, { TWIN_TRAIN_EPOCHS: '3', TWIN_MIN_HISTORY: '1d' });
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  await ingestSimulatedHistory(sidecar, { instances: 1, seed: 9, days: 2, now });
  await sidecar.trainer.train('sim-001', now);
  await sidecar.trainer.train('sim-001', now);
});
after(() => sidecar.stop());

const api = (path: string, method = 'GET') => fetch(`${sidecar.url}/api/v1${path}`, { method });

test('versions are listed with their decisions; one is inspected whole', async () => {
  const list = (await (await api('/instances/sim-001/models')).json()) as {
    items: { version: string; champion: boolean; decision: { status: string; reason: string } }[];
    champion: string;
  };
  assert.deepEqual(
    list.items.map((v) => v.version),
    ['v0001', 'v0002']
  );
  assert.equal(list.items.filter((v) => v.champion).length, 1);
  assert.equal(list.items[0]!.decision.reason, 'first version');
  const v1 = (await (await api('/instances/sim-001/models/v0001')).json()) as {
    kind: string;
    features: { columns: { sources: string[] }[] };
    training: { backend: string };
    checksum: string;
  };
  assert.equal(v1.kind, 'lstm');
  assert.equal(v1.training.backend, 'wasm');
  assert.ok(v1.features.columns.length > 10);
});

test('promote and roll back through the API; unknown ids get 404, a rollback with no history 409', async () => {
  let res = await api('/instances/sim-001/models/v0001/promote', 'POST');
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { instance: 'sim-001', champion: 'v0001' });
  assert.equal(sidecar.models.champion('sim-001')!.version, 'v0001');
  await api('/instances/sim-001/models/v0002/promote', 'POST');
  res = await api('/instances/sim-001/models/rollback', 'POST');
  assert.deepEqual(await res.json(), { instance: 'sim-001', champion: 'v0001' });

  res = await api('/instances/sim-001/models/v0042');
  assert.equal(res.status, 404);
  assert.match(((await res.json()) as { detail: string }).detail, /version of sim-001 "v0042" not found/);
  assert.equal((await api('/instances/nope/models')).status, 404);
  assert.equal((await api('/instances/sim-001/models/latest')).status, 400);
});

test('twin models list / promote / rollback talk to a running sidecar', async () => {
  const listed = await run(TWIN_BIN, ['models', '--url', sidecar.url, 'list', 'sim-001']);
  assert.equal(listed.code, 0, listed.output);
  assert.match(listed.output, /v0001 +lstm/);
  assert.match(listed.output, /first version/);
  const promoted = await run(TWIN_BIN, ['models', '--url', sidecar.url, 'promote', 'sim-001', 'v0002']);
  assert.match(promoted.output, /sim-001: v0002 is the champion/);
  const missing = await run(TWIN_BIN, ['models', '--url', sidecar.url, 'promote', 'sim-001', 'v0009']);
  assert.equal(missing.code, 1);
  assert.match(missing.output, /404 version of sim-001 "v0009" not found/);
});
