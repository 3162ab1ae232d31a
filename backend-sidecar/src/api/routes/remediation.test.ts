import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { startTestSidecar, tempDir } from '../../testing/test-sidecar.ts';
import type { Sidecar } from '../sidecar.ts';

let sidecar: Sidecar;
let hook: http.Server;
let received = 0;

before(async () => {
  hook = http.createServer((req, res) => {
    received++;
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const file = path.join(tempDir('remediation-api-'), 'remediation.yaml');
  fs.writeFileSync(
    file,
    [
      'mode: approval',
      'targets:',
      `  ops: { url: "http://127.0.0.1:${(hook.address() as AddressInfo).port}/services/T0/B0/tok-3f9a", secret: "0123456789abcdef-secret" }`,
      'policies:',
      '  - { id: mem, kind: crash, minProbability: 0.7, action: add-memory, target: ops }',
    ].join('\n')
  );
  sidecar = await startTestSidecar({}, { TWIN_REMEDIATION_FILE: file });
});
after(async () => {
  await sidecar.stop();
  hook.close();
});

const api = async (p: string, body?: unknown) => {
  const response = await fetch(`${sidecar.url}/api/v1${p}`, {
    method: body ? 'POST' : 'GET',
    ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

test('remediation through the API: configuration without secrets, a pending decision approved, the audit log', async () => {
  const config = await api('/remediation');
  assert.equal(config.body.mode, 'approval');
  assert.ok(!JSON.stringify(config.body).includes('0123456789abcdef-secret'), 'secrets are never shown');
  // A webhook's path is a secret too (Slack's, Teams'): readers see where it goes, not how to call it.
  assert.ok(!JSON.stringify(config.body).includes('tok-3f9a'), 'the hook path is never shown');
  assert.match((config.body.targets as { url: string }[])[0]!.url, /^http:\/\/127\.0\.0\.1:\d+\/…$/);
  await sidecar.remediation.evaluate([
    { instance: 'i-9', kind: 'crash', horizonMs: 3_600_000, probability: 0.8, confidence: 0.6 },
  ]);
  const pending = (await api('/remediation/pending')).body.items as { id: string; status: string }[];
  assert.deepEqual(
    pending.map((p) => p.status),
    ['pending']
  );
  assert.equal(received, 0, 'nothing runs before approval');
  const approved = await api(`/remediation/pending/${pending[0]!.id}`, { approve: true, by: 'alice' });
  assert.equal(approved.status, 200);
  assert.equal(approved.body.status, 'executed');
  assert.equal(received, 1);
  const audit = (await api('/remediation/audit?instance=i-9')).body.items as { status: string; follows?: string }[];
  assert.deepEqual(
    audit.map((r) => r.status),
    ['executed', 'pending']
  );
  assert.equal(audit[0]!.follows, pending[0]!.id);
  assert.equal((await api('/remediation/pending/nope', { approve: true, by: 'x' })).status, 404);
});

test('the audit log and anomalies page with limit and offset like every list', async () => {
  await sidecar.remediation.evaluate([
    { instance: 'i-10', kind: 'crash', horizonMs: 3_600_000, probability: 0.9, confidence: 0.9 },
  ]);
  await sidecar.remediation.evaluate([
    { instance: 'i-11', kind: 'crash', horizonMs: 3_600_000, probability: 0.9, confidence: 0.9 },
  ]);
  const all = (await api('/remediation/audit')).body as { items: { id: string }[]; total: number };
  const second = (await api('/remediation/audit?limit=1&offset=1')).body as { items: { id: string }[] };
  assert.ok(all.total >= 2);
  assert.deepEqual(
    second.items.map((r) => r.id),
    [all.items[1]!.id]
  );
  const anomalies = await api('/anomalies?instance=i-10&limit=5&offset=0');
  assert.equal(anomalies.status, 200);
  assert.deepEqual(anomalies.body, { items: [], total: 0 });
});
