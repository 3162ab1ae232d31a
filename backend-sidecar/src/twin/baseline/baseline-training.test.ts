import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetSimulator, SIMULATED_METRICS, type ScenarioRun } from '../../simulator/index.ts';
import { trainTwinModel, type TrainingData } from './baseline-training.ts';
import { BaselineTwinRunner } from './baseline-runner.ts';
import { AnomalyDetector } from '../../anomaly/index.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 2);

function toTrainingData(sim: FleetSimulator, instance: string, from: number, to: number, step: number): TrainingData {
  const ts: number[] = [];
  const rows: Record<string, number>[] = [];
  for (const tick of sim.ticks(from, to, step)) {
    const s = tick.samples.find((x) => x.instance === instance);
    if (!s) continue;
    ts.push(s.ts);
    rows.push({ ...s.values, constant_metric: 7 });
  }
  const metrics = [...SIMULATED_METRICS, 'constant_metric'];
  return { ts, metrics, values: metrics.map((m) => Float64Array.from(rows, (r) => r[m] ?? NaN)) };
}

test('a twin learns normal behaviour: few false alarms on normal data, a leak stands out, constants dropped', async () => {
  const leakStart = T0 + 3 * DAY + 2 * 3_600_000;
  const leak: ScenarioRun = {
    id: 'leak',
    kind: 'memory_leak',
    instances: ['sim-001'],
    host: 'host-01',
    start: leakStart,
    end: leakStart + 3_600_000,
    cause: 'memory',
    failure: { kind: 'crash', ts: leakStart + 3_600_000 },
  };
  const sim = new FleetSimulator({ instances: 1, seed: 4, faultsPerInstanceDay: 0, extraRuns: [leak] });
  const data = toTrainingData(sim, 'sim-001', T0, T0 + 3 * DAY, 60_000);
  const progress: number[] = [];
  const model = await trainTwinModel('sim-001', 'v0001', data, 60_000, (f) => progress.push(f));

  assert.deepEqual(model.dropped, [{ name: 'constant_metric', reason: 'constant' }]);
  assert.equal(model.metrics.length, SIMULATED_METRICS.length);
  assert.equal(progress.at(-1), 1);
  assert.ok(
    progress.every((p, i) => i === 0 || p >= progress[i - 1]!),
    'progress only moves forward'
  );
  assert.ok(model.validationError > 0.3 && model.validationError < 2, `validation error ${model.validationError}`);

  const runner = new BaselineTwinRunner(model);
  const detector = new AnomalyDetector('sim-001', Object.fromEntries(model.metrics.map((m) => [m.name, m.threshold])));
  const opened: string[][] = [];
  detector.on('opened', (e) => opened.push(e.metrics.map((m) => m.metric)));
  let normalPoints = 0;
  let normalAlarms = 0;
  for (const tick of sim.ticks(T0 + 3 * DAY, leakStart + 3_600_000, 60_000)) {
    const s = tick.samples[0];
    if (!s) continue;
    const scored = detector.score(s.ts, runner.step(s.ts, s.values).scores);
    if (s.ts < leakStart) {
      normalPoints++;
      if (scored.anomalous.length) normalAlarms++;
    }
  }
  assert.ok(normalAlarms / normalPoints < 0.03, `${normalAlarms}/${normalPoints} normal points flagged`);
  const leakEvents = opened.filter(
    (metrics) => metrics.includes('mem_used_pct') || metrics.includes('psi_memory_some_avg10')
  );
  assert.ok(leakEvents.length >= 1, `events: ${JSON.stringify(opened)}`);
});
