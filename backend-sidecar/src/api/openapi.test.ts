import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestSidecar } from '../testing/test-sidecar.ts';
import type { Sidecar } from './sidecar.ts';
import SwaggerParser from '@apidevtools/swagger-parser';

let sidecar: Sidecar;
before(async () => {
  sidecar = await startTestSidecar({}, { TWIN_TOKENS: 'docs-token-1234' });
});
after(() => sidecar.stop());

test('the OpenAPI document is generated from the routes themselves, open to read, with a docs page', async () => {
  const response = await fetch(`${sidecar.url}/api/v1/openapi.json`);
  assert.equal(response.status, 200, 'the description is readable without a token');
  const doc = (await response.json()) as {
    openapi: string;
    info: { version: string };
    components: { securitySchemes: Record<string, unknown> };
    paths: Record<
      string,
      Record<string, { responses?: object; requestBody?: { content: Record<string, { schema: object }> } }>
    >;
  };
  assert.equal(doc.openapi, '3.0.3');
  assert.equal(doc.info.version, '0.1.0');
  assert.deepEqual(Object.keys(doc.components.securitySchemes), ['bearer']);
  for (const path of [
    '/api/v1/twin/predict',
    '/api/v1/twin/whatif',
    '/api/v1/reports',
    '/api/v1/stream',
    '/api/v1/incidents',
    '/api/v1/remediation/audit',
    '/api/v1/instances/{id}/forecast',
  ])
    assert.ok(doc.paths[path], `${path} is described`);
  assert.ok(!doc.paths['/api/v1/openapi.json'], 'the document does not describe itself');
  // The request schema is the one that validates requests: what-if's actions and their bounds.
  const whatIf = JSON.stringify(
    doc.paths['/api/v1/twin/whatif']!.post!.requestBody!.content['application/json']!.schema
  );
  assert.match(whatIf, /"add-memory"/);
  assert.match(whatIf, /"maximum":1000/);
  const page = await fetch(`${sidecar.url}/api/v1/docs/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /swagger/i);
  assert.equal((await fetch(`${sidecar.url}/api/v1/instances`)).status, 401, 'the data itself still needs the token');
});

test('the OpenAPI document is valid OpenAPI 3.0.3 (swagger-parser, what swagger-cli validate runs)', async () => {
  const doc = (await (await fetch(`${sidecar.url}/api/v1/openapi.json`)).json()) as object;
  await SwaggerParser.validate(structuredClone(doc) as never);
  const whatIf = JSON.stringify(doc);
  assert.ok(!/"exclusiveMinimum":\d/.test(whatIf), 'no draft-7 numeric bounds');
});
