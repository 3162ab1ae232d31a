import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { tempDir } from '../testing/temp-dir.ts';
import { FileObjectStore } from '../store/index.ts';
import { AuditLog, loadRemediationConfig, RemediationConfigError, RemediationEngine, signatureOf } from './index.ts';

const SECRET = 'a-secret-of-32-characters-000000';

/** A real webhook receiver on loopback: fails the first `failFirst` calls with 503, records the rest. */
async function receiver(failFirst = 0) {
  const calls: { body: string; signature: string; key: string }[] = [];
  let seen = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen++;
      if (seen <= failFirst) return res.writeHead(503).end();
      calls.push({
        body,
        signature: String(req.headers['x-twin-signature']),
        key: String(req.headers['idempotency-key']),
      });
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    calls,
    attempts: () => seen,
    close: () => server.close(),
  };
}

function setup(mode: string, url: string, extra = '') {
  const dir = tempDir('remediation-');
  const file = path.join(dir, 'remediation.yaml');
  fs.writeFileSync(
    file,
    [
      `mode: ${mode}`,
      'cooldown: { perInstance: 10m, perAction: 1h }',
      'targets:',
      `  ops: { url: "${url}", secret: "${SECRET}", timeout: 2s, retries: 2 }`,
      `  script: { command: ["/bin/sh", "-c", "echo {action} {instance} >> ${path.join(dir, 'ran.txt')}"] }`,
      'policies:',
      '  - { id: mem, kind: crash, minProbability: 0.8, minConfidence: 0.5, action: add-memory, target: ops }',
      '  - { id: disk, kind: outage, minProbability: 0.9, action: expand-disk, target: script }',
      extra,
    ].join('\n')
  );
  let clock = Date.parse('2026-11-25T10:00:00Z');
  const audit = new AuditLog(new FileObjectStore(path.join(dir, 'objects')));
  const engine = new RemediationEngine(loadRemediationConfig(file), audit, () => clock);
  return { engine, audit, dir, advance: (ms: number) => (clock += ms) };
}

const crash = (probability: number, instance = 'i-1') => ({
  instance,
  kind: 'crash' as const,
  horizonMs: 3_600_000,
  probability,
  confidence: 0.9,
});

test('dry-run (the default) records the decision with its reason and calls nothing', async () => {
  const hook = await receiver();
  const { engine, audit } = setup('dry-run', hook.url);
  const [record] = await engine.evaluate([crash(0.95)], { 'add-memory': { crash: { from: 0.95, to: 0.1 } } });
  assert.equal(record!.status, 'dry-run');
  assert.match(record!.reason, /crash within 60 min: probability 0\.950 \(>= 0\.8\)/);
  assert.deepEqual(record!.predicted.effect, { crash: { from: 0.95, to: 0.1 } });
  assert.equal(hook.attempts(), 0);
  assert.deepEqual(
    (await audit.query({ instance: 'i-1' })).map((r) => r.status),
    ['dry-run']
  );
  // A standing prediction decides once; below the threshold nothing happens.
  assert.deepEqual(await engine.evaluate([crash(0.96), crash(0.5, 'i-2')]), []);
  hook.close();
});

test('enforce: a signed webhook with an idempotency key, retried after server errors; then the cooldown holds', async () => {
  const hook = await receiver(2);
  const { engine, audit, advance } = setup('enforce', hook.url);
  const [record] = await engine.evaluate([crash(0.9)]);
  assert.equal(record!.status, 'executed');
  assert.deepEqual(record!.outcome, { ok: true, attempts: 3, detail: 'HTTP 200' });
  assert.equal(hook.calls.length, 1);
  const call = hook.calls[0]!;
  assert.equal(call.signature, signatureOf(SECRET, call.body));
  assert.equal(call.key, record!.id);
  assert.equal((JSON.parse(call.body) as { action: string }).action, 'add-memory');
  // The prediction clears and comes back 5 minutes later: the action is cooling down.
  await engine.evaluate([crash(0.1)]);
  advance(5 * 60_000);
  const [again] = await engine.evaluate([crash(0.9)]);
  assert.equal(again!.status, 'skipped');
  assert.match(again!.reason, /cooling down until 2026-11-25T11:00:00\.000Z/);
  assert.deepEqual(
    (await audit.query()).map((r) => r.status),
    ['skipped', 'executed']
  );
  hook.close();
});

test('a command target runs with the decision substituted; a failing one is recorded as failed', async () => {
  const hook = await receiver();
  const { engine, dir } = setup('enforce', hook.url);
  const [ran] = await engine.evaluate([
    { instance: 'db-1', kind: 'outage', horizonMs: 3_600_000, probability: 0.99, confidence: 0.2 },
  ]);
  assert.equal(ran!.status, 'executed');
  assert.equal(fs.readFileSync(path.join(dir, 'ran.txt'), 'utf8'), 'expand-disk db-1\n');
  const down = await receiver();
  down.close();
  const { engine: failing } = setup('enforce', down.url.replace(/:\d+/, ':9'));
  const [failed] = await failing.evaluate([crash(0.99)]);
  assert.equal(failed!.status, 'failed');
  assert.equal(failed!.outcome!.attempts, 3);
  hook.close();
});

test('approval mode holds decisions until an operator settles them; each step is its own audit record', async () => {
  const hook = await receiver();
  const { engine, audit } = setup('approval', hook.url);
  const [pending] = await engine.evaluate([crash(0.9), crash(0.85, 'i-2')]);
  assert.equal(pending!.status, 'pending');
  assert.equal(engine.pendingDecisions().length, 2);
  const approved = await engine.settle(pending!.id, true, 'alice');
  assert.equal(approved!.status, 'executed');
  assert.equal(approved!.follows, pending!.id);
  assert.equal(hook.calls.length, 1);
  const other = engine.pendingDecisions()[0]!;
  const rejected = await engine.settle(other.id, false, 'bob');
  assert.equal(rejected!.status, 'rejected');
  assert.equal(await engine.settle('nope', true, 'x'), undefined);
  assert.deepEqual((await audit.query()).map((r) => r.status).sort(), ['executed', 'pending', 'pending', 'rejected']);
  hook.close();
});

test('a policy file that does not hold up says where', () => {
  assert.throws(() => setup('sometimes', 'http://127.0.0.1:1/'), /mode: must be dry-run, approval or enforce/);
  assert.throws(
    () =>
      setup(
        'enforce',
        'http://127.0.0.1:1/',
        '  - { id: x, kind: crash, minProbability: 0.5, action: restart, target: elsewhere }'
      ),
    (e: Error) =>
      e instanceof RemediationConfigError &&
      /policies\[2\] \(x\)\.target: must be one of the targets \(ops, script\)/.test(e.message)
  );
});
