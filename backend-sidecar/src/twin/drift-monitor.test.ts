import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DriftMonitor } from './drift-monitor.ts';

test('drift: the error level rising well above the twin’s own baseline, once, and never from an incident', () => {
  const drift = new DriftMonitor({ baselineSamples: 100, alpha: 0.05, ratio: 2 });
  for (let i = 0; i < 100; i++) assert.equal(drift.observe(0.8 + (i % 5) / 20, false), false);
  assert.ok(Math.abs(drift.baselineLevel! - 0.9) < 1e-9);
  // An incident: huge errors, but while anomalous points gather into an event they do not count.
  for (let i = 0; i < 500; i++) assert.equal(drift.observe(50, true), false);
  for (let i = 0; i < 200; i++) assert.equal(drift.observe(0.9, false), false);
  // The normal level moves: errors at 2.5 times the baseline for good.
  const flagged: number[] = [];
  for (let i = 0; i < 300; i++) if (drift.observe(2.5, false)) flagged.push(i);
  assert.equal(flagged.length, 1, 'reported once');
  assert.ok(flagged[0]! > 10 && flagged[0]! < 100, `after ${flagged[0]} samples`);
});
