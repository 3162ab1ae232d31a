import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestSidecar } from '../testing/test-sidecar.ts';
import type { Sidecar } from './sidecar.ts';

let sidecar: Sidecar;
before(async () => {
  sidecar = await startTestSidecar();
});
after(() => sidecar.stop());

const post = (p: string, body: string | Buffer, type: string) =>
  fetch(`${sidecar.url}${p}`, { method: 'POST', headers: { 'content-type': type }, body });

test('a JSON body that is not an object (null, true, 1.5, "text", an array) is a 400 naming the body, on every JSON route', async () => {
  for (const p of ['/api/v1/reports', '/api/v1/ingest', '/api/v1/twin/predict', '/api/v1/twin/whatif'])
    for (const [body, kind] of [
      ['null', 'null'],
      ['true', 'boolean'],
      ['1.5', 'number'],
      ['"text"', 'string'],
      ['["x"]', 'an array'],
    ]) {
      const res = await post(p, body!, 'application/json');
      assert.equal(res.status, 400, `${p} ${body}`);
      const problem = (await res.json()) as { where: string; detail: string };
      assert.equal(problem.where, 'body', p);
      assert.match(problem.detail, new RegExp(`must be a JSON object, not ${kind}`), `${p} ${body}`);
    }
});

test('problems carry the title of their status: 415 is Unsupported Media Type', async () => {
  const res = await post('/api/v1/reports', '<report/>', 'application/xml');
  assert.equal(res.status, 415);
  assert.equal(((await res.json()) as { title: string }).title, 'Unsupported Media Type');
});

test('a raw console log with invalid UTF-8 is stored, the bad bytes as U+FFFD', async () => {
  const log = Buffer.concat([
    Buffer.from('boot ok\nkernel: '),
    Buffer.from([0xff, 0xfe]),
    Buffer.from(' Out of memory: Killed process 42\n'),
  ]);
  const res = await post('/api/v1/reports?instance=utf8-1&time=2026-11-25T10:00:00Z', log, 'text/plain');
  assert.equal(res.status, 201);
  const created = (await res.json()) as { report_id: string; findings: { id: string }[] };
  assert.ok(created.findings.length > 0, 'the line after the bad bytes is still read');
  const stored = (await (await fetch(`${sidecar.url}/api/v1/reports/${created.report_id}`)).json()) as { log: string };
  assert.ok(stored.log.includes('kernel: \uFFFD\uFFFD Out of memory'));
});
