import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startTestSidecar, tempDir } from '../testing/test-sidecar.ts';
import { loadConfig } from '../core/config.ts';
import type { Sidecar } from './sidecar.ts';

let sidecar: Sidecar;
const TOKENS = { ingest: 'agent-token-0123456789', read: 'grafana-token-0123456789', admin: 'admin-token-0123456789' };

before(async () => {
  const dir = tempDir('security-');
  const file = path.join(dir, 'tokens.yaml');
  fs.writeFileSync(
    file,
    [
      'tokens:',
      `  - { name: agents, token: ${TOKENS.ingest}, scopes: [ingest] }`,
      `  - { name: grafana, token: ${TOKENS.read}, scopes: [read] }`,
      `  - { name: ops, token: ${TOKENS.admin}, scopes: [read, admin] }`,
    ].join('\n')
  );
  sidecar = await startTestSidecar(
    {},
    { TWIN_TOKEN_FILE: file, TWIN_RATE_LIMIT: '40', TWIN_CORS_ORIGINS: 'http://grafana.local:3000' }
  );
});
after(() => sidecar.stop());

const call = (p: string, token: string | undefined, init: RequestInit = {}) =>
  fetch(`${sidecar.url}${p}`, {
    ...init,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) },
  });
const ingest = (token: string) =>
  call('/api/v1/ingest', token, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instance: 'scoped-1', samples: [{ ts: Date.now(), values: { cpu_user_pct: 5 } }] }),
  });

test('scopes: agents ingest but cannot read; Grafana reads but cannot ingest or manage; admin manages', async () => {
  assert.equal((await ingest(TOKENS.ingest)).status, 200);
  const denied = await call('/api/v1/instances', TOKENS.ingest);
  assert.equal(denied.status, 403);
  assert.match(
    ((await denied.json()) as { detail: string }).detail,
    /token agents has scopes ingest; this route needs read/
  );
  assert.equal((await call('/api/v1/instances', TOKENS.read)).status, 200);
  assert.equal((await ingest(TOKENS.read)).status, 403);
  const promote = (token: string) => call('/api/v1/instances/scoped-1/models/v0001/promote', token, { method: 'POST' });
  assert.equal((await promote(TOKENS.read)).status, 403);
  assert.equal((await promote(TOKENS.admin)).status, 404, 'admin passes the scope check; the version does not exist');
  assert.equal((await call('/api/v1/instances', 'not-a-token-at-all')).status, 401);
  assert.equal((await call('/healthz', undefined)).status, 200);
});

test('CORS answers the configured origin only', async () => {
  const preflight = (origin: string) =>
    call('/api/v1/instances', undefined, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
  const ok = await preflight('http://grafana.local:3000');
  assert.equal(ok.headers.get('access-control-allow-origin'), 'http://grafana.local:3000');
  assert.match(ok.headers.get('access-control-allow-headers') ?? '', /authorization/);
  const other = await preflight('http://evil.example');
  assert.equal(other.headers.get('access-control-allow-origin'), null);
});

test('rate limits per token: one token over its limit gets 429 with Retry-After; another token is unaffected', async () => {
  let limited: Response | undefined;
  for (let i = 0; i < 60 && !limited; i++) {
    const r = await call('/api/v1/instances', TOKENS.read);
    if (r.status === 429) limited = r;
  }
  assert.ok(limited, 'the limit of 40 a minute was reached');
  assert.ok(Number(limited!.headers.get('retry-after')) > 0);
  assert.equal((await call('/api/v1/instances', TOKENS.admin)).status, 200);
});

/** A request from another loopback address (127.0.0.0/8 is all the host's), as another agent host would call. */
function fromAddress(localAddress: string, p: string, token: string, method = 'GET', body?: string): Promise<number> {
  const url = new URL(`${sidecar.url}${p}`);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method,
        localAddress,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      }
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('rate limits per client: writes and reads have budgets apart, agents sharing a token from other hosts have their own', async () => {
  // A write the admin token may make (the instance is unknown: 404, counted all the same).
  const write = (address: string) =>
    fromAddress(address, '/api/v1/instances/burst-1/models/rollback', TOKENS.admin, 'POST');
  let limited = false;
  for (let i = 0; i < 60 && !limited; i++) limited = (await write('127.0.0.3')) === 429;
  assert.ok(limited, 'the write budget of 40 a minute ran out');
  assert.equal(await fromAddress('127.0.0.3', '/api/v1/instances', TOKENS.admin), 200, 'reads still answer');
  assert.notEqual(await write('127.0.0.4'), 429, 'the same token from another host has its own budget');
});

test('a token file that does not hold up stops the start, naming the entry', () => {
  const file = path.join(tempDir('tokens-'), 'bad.yaml');
  fs.writeFileSync(file, 'tokens:\n  - { name: short, token: abc, scopes: [read] }\n');
  assert.throws(
    () => loadConfig({ TWIN_TOKEN_FILE: file }),
    /tokens\[0\] \(short\): token needs at least 16 characters/
  );
  fs.writeFileSync(file, `tokens:\n  - { name: x, token: ${'y'.repeat(20)}, scopes: [root] }\n`);
  assert.throws(() => loadConfig({ TWIN_TOKEN_FILE: file }), /scopes must be a list of ingest, read, admin/);
});
