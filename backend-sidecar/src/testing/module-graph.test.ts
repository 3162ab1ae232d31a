import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { importCycles, readModuleGraph, stageViolations } from './module-graph.ts';

const SRC = fileURLToPath(new URL('..', import.meta.url));
const graph = readModuleGraph(SRC);

test('no import cycles anywhere in the sidecar (static, type-only and dynamic imports all count)', () => {
  assert.ok(graph.imports.size > 100, `read ${graph.imports.size} files`);
  assert.deepEqual(importCycles(graph), []);
});

test('a stage imports only stages upstream of it, and only through their index.ts', () => {
  assert.deepEqual(stageViolations(graph), []);
});

test('the checks see what they are meant to see', () => {
  const cyclic = {
    imports: new Map([
      ['twin/a.ts', ['twin/b.ts']],
      ['twin/b.ts', ['twin/a.ts']],
      ['anomaly/c.ts', ['twin/a.ts', 'api/server.ts', 'testing/temp-dir.ts']],
      ['api/server.ts', []],
      ['testing/temp-dir.ts', []],
    ]),
  };
  assert.deepEqual(importCycles(cyclic), [['twin/a.ts', 'twin/b.ts']]);
  assert.deepEqual(stageViolations(cyclic), [
    'anomaly/c.ts imports api/server.ts: api/ is downstream of anomaly/',
    'anomaly/c.ts imports testing/temp-dir.ts: testing/ is a harness',
    'anomaly/c.ts imports twin/a.ts: not through twin/index.ts',
  ]);
});
