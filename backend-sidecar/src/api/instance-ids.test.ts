import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startTestSidecar, tempDir } from '../testing/test-sidecar.ts';
import { instanceKey, instanceOfKey, isInstanceId } from '../core/instance-id.ts';
import { FileObjectStore } from '../store/file-object-store.ts';
import { ModelRegistry } from '../twin/model-registry.ts';
import type { TwinModel } from '../twin/index.ts';
import type { Sidecar } from './sidecar.ts';

test('the instance id rule: segments between slashes, never empty, "." or ".."', () => {
  for (const id of ['web-1', 'team/web-1', 'host@dc1:9100', 'a.b', 'a/.hidden', 'a/...', 'x'.repeat(128)])
    assert.equal(isInstanceId(id), true, id);
  for (const id of [
    'evil/../victim',
    'a/./b',
    'a/..',
    'a/.',
    'a//b',
    'a/',
    '../x',
    '.',
    '',
    'a b',
    'a%2Fb',
    'x'.repeat(129),
  ])
    assert.equal(isInstanceId(id), false, id);
  assert.equal(instanceKey('team/web'), 'team%2Fweb');
  assert.equal(instanceOfKey(instanceKey('team/web/1')), 'team/web/1');
  assert.equal(instanceKey('web-1'), 'web-1', 'ids without a slash keep the keys they always had');
});

test("one instance's object folder never holds another's: a and a/b are stored apart", async () => {
  const dir = tempDir('ids-');
  const registry = new ModelRegistry(new FileObjectStore(dir));
  const model = (instance: string) =>
    ({
      kind: 'baseline',
      instance,
      version: 'v0001',
      createdAt: 1,
      validationError: 0,
      trainingMs: 1,
    }) as unknown as TwinModel;
  const rejected = { status: 'rejected' as const, reason: 'test', decidedAt: 1 };
  await registry.publish(model('team/web'), undefined, rejected);
  await registry.publish(model('team'), undefined, rejected);
  assert.ok(fs.existsSync(path.join(dir, 'models', 'team%2Fweb', 'v0001', 'metadata.json')));
  assert.deepEqual(
    (await registry.versions('team')).map((v) => [v.instance, v.version]),
    [['team', 'v0001']]
  );
  assert.deepEqual(
    (await registry.versions('team/web')).map((v) => [v.instance, v.version]),
    [['team/web', 'v0001']]
  );
});

let sidecar: Sidecar;
before(async () => {
  sidecar = await startTestSidecar();
});
after(() => sidecar.stop());

const problem = async (res: Response) => ({ status: res.status, ...((await res.json()) as { where?: string }) });

test('ids that could escape a folder are refused at every door with 400 and where', async () => {
  const evil = 'evil/../victim';
  const json = await fetch(`${sidecar.url}/api/v1/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instance: evil, samples: [{ ts: Date.now(), values: { cpu_user_pct: 5 } }] }),
  });
  assert.deepEqual(await problem(json).then((p) => [p.status, p.where]), [400, 'body/instance']);
  const line = await fetch(`${sidecar.url}/api/v2/write?precision=ms`, {
    method: 'POST',
    body: `cpu,host=${evil} usage_user=5 ${Date.now()}\n`,
  });
  assert.equal(line.status, 400);
  const report = await fetch(`${sidecar.url}/api/v1/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instance: evil, time: Date.now(), status: {}, log: 'kernel: ok' }),
  });
  assert.equal(report.status, 400);
  for (const url of [
    '/api/v1/anomalies?instance=../..',
    `/api/v1/instances/${encodeURIComponent(evil)}`,
    `/api/v1/instances/${encodeURIComponent(evil)}/models`,
    `/api/v1/series?instance=${encodeURIComponent(evil)}&from=0&to=1`,
  ]) {
    const res = await problem(await fetch(`${sidecar.url}${url}`));
    assert.equal(res.status, 400, url);
    assert.match(res.where ?? '', /^(querystring\/instance|params\/id)$/, url);
  }
  const predict = await fetch(`${sidecar.url}/api/v1/twin/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instance: '../../x' }),
  });
  assert.equal(predict.status, 400);
});
