import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InjectOptions } from 'fastify';
import { loadConfig } from '../core/config.ts';
import type { Sidecar } from './sidecar.ts';
import { startTestSidecar } from '../testing/test-sidecar.ts';

describe('sidecar API', () => {
  let sidecar: Sidecar;
  const now = Date.now();

  before(async () => {
    sidecar = await startTestSidecar();
  });
  after(() => sidecar.stop());

  const inject = (opts: InjectOptions) => sidecar.server.inject(opts);

  test('GET /healthz answers 200 once serving', async () => {
    const res = await inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().status, 'ok');
  });

  test('listens on loopback by default', () => {
    assert.match(sidecar.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('ingested instances are listed with their labels and last-seen time', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/v1/ingest',
      payload: {
        instance: 'web-1',
        labels: { host: 'h1', zone: 'z1', service: 'web' },
        samples: [
          { ts: now - 2000, values: { cpu_user_pct: 10, mem_used_pct: 40 } },
          { ts: now - 1000, values: { cpu_user_pct: 12, mem_used_pct: 41 } },
        ],
      },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { accepted: 2 });
    await sidecar.ingest.drain(); // acknowledged = durable in the log; stored just after
    const list = (await inject({ method: 'GET', url: '/api/v1/instances' })).json();
    assert.equal(list.total, 1);
    const [inst] = list.items;
    assert.equal(inst.id, 'web-1');
    assert.deepEqual(inst.labels, { host: 'h1', zone: 'z1', service: 'web' });
    assert.equal(inst.lastSeen, new Date(now - 1000).toISOString());
    assert.equal(inst.status, 'live');
    assert.equal(inst.samples, 2);
    assert.ok(inst.twin.readyInSeconds > 0, 'no twin yet: says when it will be ready');
    const window = await sidecar.readWindow('web-1', now - 10_000, now);
    assert.deepEqual(window.ts, [now - 2000, now - 1000]);
  });

  test('a bad sample gets 400 problem+json naming where', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/v1/ingest',
      payload: {
        instance: 'web-1',
        samples: [
          { ts: now, values: { cpu: 1 } },
          { ts: 12, values: { cpu: 1 } },
        ],
      },
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.headers['content-type'] as string, /application\/problem\+json/);
    const body = res.json();
    assert.equal(body.where, 'body/samples/1/ts');
    assert.equal(body.code, 'TWIN_ERR_BAD_REQUEST');
    assert.match(body.detail, /timestamp 12/);
  });

  test('a body of the wrong shape gets 400 with the schema path', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/v1/ingest',
      payload: { instance: 'x', samples: [{ ts: 'soon', values: {} }] },
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'TWIN_ERR_VALIDATION');
    assert.equal(res.json().where, 'body/samples/0/ts');
  });

  test('a refused batch stores nothing of it', async () => {
    await inject({
      method: 'POST',
      url: '/api/v1/ingest',
      payload: {
        instance: 'db-1',
        samples: [
          { ts: now, values: { a: 1 } },
          { ts: now + 1, values: { 'bad name': 2 } },
        ],
      },
    });
    assert.equal(sidecar.instances.get('db-1'), undefined);
    assert.equal((await sidecar.readWindow('db-1', 0, now + 10)).ts.length, 0);
  });

  test('failures are recorded and listed per instance', async () => {
    const created = await inject({
      method: 'POST',
      url: '/api/v1/failures',
      payload: { instance: 'web-1', ts: now - 500, kind: 'crash', cause: 'memory', detail: 'OOM killer' },
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().source, 'operator');
    const list = (await inject({ method: 'GET', url: '/api/v1/failures?instance=web-1' })).json();
    assert.equal(list.total, 1);
    assert.equal(list.items[0].kind, 'crash');
    const bad = await inject({
      method: 'POST',
      url: '/api/v1/failures',
      payload: { instance: 'web-1', ts: now, kind: 'meltdown' },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().where, 'body/kind');
  });

  test('unknown routes and instances get 404 problem+json', async () => {
    const route = await inject({ method: 'GET', url: '/api/v1/nope' });
    assert.equal(route.statusCode, 404);
    assert.equal(route.json().code, 'TWIN_ERR_NO_ROUTE');
    const inst = await inject({ method: 'GET', url: '/api/v1/instances/ghost' });
    assert.equal(inst.statusCode, 404);
    assert.match(inst.json().detail, /instance "ghost" not found/);
  });
});

describe('tokens', () => {
  let sidecar: Sidecar;
  before(async () => {
    sidecar = await startTestSidecar({ tokens: ['s3cret-token'] });
  });
  after(() => sidecar.stop());

  test('with tokens configured, the API needs one; health does not', async () => {
    assert.equal((await sidecar.server.inject({ url: '/healthz' })).statusCode, 200);
    const anonymous = await sidecar.server.inject({ url: '/api/v1/instances' });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json().where, 'headers/authorization');
    const wrong = await sidecar.server.inject({ url: '/api/v1/instances', headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.statusCode, 401);
    const right = await sidecar.server.inject({
      url: '/api/v1/instances',
      headers: { authorization: 'Bearer s3cret-token' },
    });
    assert.equal(right.statusCode, 200);
  });
});

describe('configuration', () => {
  test('binding beyond loopback without tokens is refused, and says why', () => {
    assert.throws(() => loadConfig({ TWIN_HOST: '0.0.0.0' }), /refusing to listen on 0\.0\.0\.0 without tokens/);
    assert.doesNotThrow(() => loadConfig({ TWIN_HOST: '0.0.0.0', TWIN_TOKENS: 'abc' }));
  });

  test('a bad value names its key', () => {
    assert.throws(() => loadConfig({ TWIN_PORT: 'eighty' }), /configuration key TWIN_PORT: expected an integer/);
    assert.throws(
      () => loadConfig({ TWIN_TRAINING_WINDOW: 'a week' }),
      /TWIN_TRAINING_WINDOW: "a week" is not a duration/
    );
  });

  test('defaults follow the architecture: 127.0.0.1:7788, ./var, 7-day window', () => {
    const c = loadConfig({});
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 7788);
    assert.match(c.dataDir, /\/var$/);
    assert.equal(c.trainingWindowMs, 7 * 86_400_000);
  });
});
