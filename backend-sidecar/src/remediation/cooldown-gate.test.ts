import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CooldownGate } from './cooldown-gate.ts';

test('an action waits out its own cooldown per instance, and the instance a shorter one for any action', () => {
  const gate = new CooldownGate({ perInstanceMs: 60_000, perActionMs: 600_000 });
  assert.deepEqual(gate.check('i-1', 'restart', 0), { allowed: true });
  gate.record('i-1', 'restart', 0);
  const again = gate.check('i-1', 'restart', 120_000);
  assert.equal(again.allowed, false);
  assert.equal(!again.allowed && again.retryAt, 600_000);
  const other = gate.check('i-1', 'add_memory', 30_000);
  assert.equal(!other.allowed && other.retryAt, 60_000);
  assert.deepEqual(gate.check('i-1', 'add_memory', 60_000), { allowed: true });
  assert.deepEqual(gate.check('i-2', 'restart', 1), { allowed: true }, 'other instances are not held back');
  assert.deepEqual(gate.check('i-1', 'restart', 600_000), { allowed: true });
});
