import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parameterRegisters } from './parameter.ts';
import { parametersMarkdown, PARAMETERS_DOC } from '../testing/parameter-doc.ts';

test('docs/parameters.md is the registers as they are (npm run params writes it)', async () => {
  assert.equal(fs.readFileSync(PARAMETERS_DOC, 'utf8'), await parametersMarkdown());
});

test('every tuned number says what it does and where its value came from; data choices name their data', () => {
  assert.ok(parameterRegisters().size >= 9);
  for (const [name, record] of parameterRegisters())
    for (const [key, p] of Object.entries(record)) {
      assert.ok(p.what.length > 10 && p.source.length > 10 && p.unit, `${name}.${key}`);
      if (p.basis === 'chosen on data')
        assert.match(p.source, /SMD|NAB|simulated|seed/, `${name}.${key} names its data`);
    }
});

test('keyed records replace positional arrays: the failure prior has a weight per named feature', async () => {
  const { FEATURE_NAMES, PRIOR_WEIGHTS } = await import('../analysis/failure-model.ts');
  const { FAILURE_MODEL } = await import('../analysis/index.ts');
  assert.deepEqual(Object.keys(FAILURE_MODEL.priorWeights.value).sort(), [...FEATURE_NAMES].sort());
  assert.deepEqual([...PRIOR_WEIGHTS], [0, 1, 0, 0, 0, 0, 0, 0, 0, 2.4, 4.6, 0]);
});
