import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../core/random.ts';
import { toRegular } from '../features/index.ts';
import type { AnomalyEvent } from '../anomaly/index.ts';
import { tensorflow } from '../twin/lstm/tf-backend.ts';
import { EVAL_RETRAIN_MS, RollingTwin } from './rolling-twin.ts';

const STEP = 5 * 60_000;
const DAY = 86_400_000;

/**
 * A week at 6 % CPU, then the instance moves to 15 % for good (a new release, say) and, two days
 * and a few hours later, spikes to 19 % for a quarter of an hour.
 */
function shiftedSeries(): { ts: number[]; values: number[]; shiftAt: number; spikeAt: number } {
  const random = new Random(3);
  const from = Date.UTC(2026, 0, 1);
  const shiftAt = from + 7 * DAY;
  const spikeAt = shiftAt + 2.3 * DAY;
  const ts: number[] = [];
  const values: number[] = [];
  for (let t = from; t < shiftAt + 3 * DAY; t += STEP) {
    const level = t < shiftAt ? 6 : 15;
    const spike = t >= spikeAt && t < spikeAt + 15 * 60_000 ? 4 : 0;
    ts.push(t);
    values.push(level + spike + 0.3 * random.gaussian());
  }
  return { ts, values, shiftAt, spikeAt };
}

async function eventsOpened(settleMs: number): Promise<AnomalyEvent[]> {
  const { ts, values } = shiftedSeries();
  const history = ts.findIndex((t) => t >= ts[0]! + 3 * DAY);
  const opened: AnomalyEvent[] = [];
  const twin = await RollingTwin.start(
    {
      instance: 'shifted',
      metrics: ['cpu'],
      stepMs: STEP,
      windowMs: 7 * DAY,
      retrainMs: EVAL_RETRAIN_MS,
      epochs: 0,
      lstm: { batchSize: 32, features: { aggregateSteps: 12 } },
      backend: await tensorflow(),
      settleMs,
      onOpened: (e) => opened.push(e),
    },
    toRegular(ts.slice(0, history), ['cpu'], [Float64Array.from(values.slice(0, history))], STEP)
  );
  for (let r = history; r < ts.length; r++) await twin.step(ts[r]!, { cpu: values[r]! });
  return opened;
}

test('a shift that lasts a day becomes the new normal, and a spike on the new level is caught', async () => {
  const { shiftAt, spikeAt } = shiftedSeries();
  const settled = await eventsOpened(DAY);
  const shift = settled.find((e) => e.start >= shiftAt && e.start < shiftAt + 3_600_000);
  assert.ok(shift, `the shift opens an anomaly: ${settled.map((e) => new Date(e.start).toISOString()).join(', ')}`);
  const spike = settled.find((e) => e.start >= spikeAt && e.start < spikeAt + 3_600_000);
  assert.ok(spike, 'the spike on the new level opens an anomaly of its own');
  assert.ok(spike.id !== shift.id);

  // Without settling, the twin stays pinned to the old level: the shift's anomaly never ends and
  // the spike is lost inside it.
  const pinned = await eventsOpened(Infinity);
  assert.ok(pinned.some((e) => e.start >= shiftAt && e.start < shiftAt + 3_600_000));
  assert.ok(!pinned.some((e) => e.start >= spikeAt - 6 * 3_600_000), 'nothing new after the shift');
});
