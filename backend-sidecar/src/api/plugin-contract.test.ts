import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { startTestSidecar, tempDir } from '../testing/test-sidecar.ts';
import type { Sidecar } from './sidecar.ts';

const PLUGIN_TYPES = fileURLToPath(new URL('../../../plugin/src/api/types.ts', import.meta.url));
const TSC = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url));

let sidecar: Sidecar;
let dir: string;
before(async () => {
  sidecar = await startTestSidecar();
  // The sidecar's OpenAPI document as TypeScript types.
  const doc = (await (await fetch(`${sidecar.url}/api/v1/openapi.json`)).json()) as Parameters<typeof openapiTS>[0];
  dir = tempDir('plugin-contract-');
  // arrayLength: a fixed-length array (OpenAPI 3.0 has no tuples) reads as a tuple, as the plugin types it.
  fs.writeFileSync(path.join(dir, 'sidecar-api.ts'), astToString(await openapiTS(doc, { arrayLength: true })));
});
after(() => sidecar.stop());

/** Type-checks `body` (with the served types and the plugin's types imported) with the project's TypeScript. */
function typeCheck(body: string): { ok: boolean; output: string } {
  const file = path.join(dir, `check-${Math.random().toString(36).slice(2)}.ts`);
  fs.writeFileSync(
    file,
    [
      `import type { paths } from './sidecar-api';`,
      `import type { InstanceSummary, Page } from ${JSON.stringify(PLUGIN_TYPES.replace(/\.ts$/, ''))};`,
      `type Served<P extends keyof paths> = paths[P] extends { get: { responses: { 200: { content: { 'application/json': infer T } } } } } ? T : never;`,
      body,
      'export {};',
    ].join('\n')
  );
  const run = spawnSync(
    process.execPath,
    [
      TSC,
      '--noEmit',
      '--strict',
      '--skipLibCheck',
      '--target',
      'es2022',
      '--moduleResolution',
      'bundler',
      '--module',
      'esnext',
      file,
    ],
    {
      encoding: 'utf8',
    }
  );
  return { ok: run.status === 0, output: run.stdout + run.stderr };
}

test("the plugin's typed client expects only what the sidecar's OpenAPI document says it serves", () => {
  const check = typeCheck(
    `const served = null as unknown as Served<'/api/v1/instances'>;\nconst page: Page<InstanceSummary> = served;\nvoid page;`
  );
  assert.ok(check.ok, check.output);
});

test('the check bites: a client type the sidecar does not serve fails it', () => {
  const check = typeCheck(
    `const served = null as unknown as Served<'/api/v1/instances'>;\nconst page: Page<InstanceSummary & { uptime: number }> = served;\nvoid page;`
  );
  assert.equal(check.ok, false);
  assert.match(check.output, /uptime/);
});
