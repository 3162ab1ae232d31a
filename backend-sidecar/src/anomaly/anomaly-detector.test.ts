import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnomalyDetector, type AnomalyEvent } from './anomaly-detector.ts';
import { AdaptiveThreshold } from './adaptive-threshold.ts';
import { quantile } from '../features/index.ts';

test('consecutive anomalous points form one event with contributions; single blips do not', () => {
  const d = new AnomalyDetector('i-1', { cpu: 4, mem: 4 });
  const opened: AnomalyEvent[] = [];
  const closed: AnomalyEvent[] = [];
  d.on('opened', (e) => opened.push(e));
  d.on('closed', (e) => closed.push(e));
  let t = 0;
  d.score((t += 1000), { cpu: 9, mem: 1 }); // a blip
  for (let i = 0; i < 40; i++) d.score((t += 1000), { cpu: 1, mem: 1 });
  assert.equal(opened.length, 0);
  for (let i = 0; i < 10; i++) d.score((t += 1000), { cpu: 12, mem: 6 });
  assert.equal(opened.length, 1);
  d.score((t += 60_000), { cpu: 1, mem: 1 }); // after a gap the event closes
  assert.equal(closed.length, 1);
  const e = closed[0]!;
  assert.equal(e.end - e.start, 9000);
  assert.equal(e.peakScore, 3);
  assert.equal(e.severity, 'critical');
  assert.deepEqual(
    e.metrics.map((m) => m.metric),
    ['cpu', 'mem']
  );
  assert.ok(Math.abs(e.metrics.reduce((a, m) => a + m.contribution, 0) - 1) < 1e-9);
  assert.ok(Math.abs(e.metrics[0]!.contribution - 0.8) < 1e-9, 'cpu went 8 past its threshold, mem 2');
});

test('a run that grazes the threshold is no event until it has gone past it by twice its worth, one point adding at most its own worth; a clear run opens at five points', () => {
  const d = new AnomalyDetector('i-graze', { cpu: 4 });
  const opened: AnomalyEvent[] = [];
  d.on('opened', (e) => opened.push(e));
  let t = 0;
  // 10 % past the threshold: 0.4 past it in five points, 2 past it after twenty.
  for (let i = 0; i < 19; i++) d.score((t += 1000), { cpu: 4.4 });
  assert.equal(opened.length, 0, 'grazing for 19 points');
  d.score((t += 1000), { cpu: 4.4 });
  assert.equal(opened.length, 1, 'still over after 20: an event');
  assert.equal(opened[0]!.start, 1000, 'from its first point');
  d.close();
  for (let i = 0; i < 4; i++) d.score((t += 60_000), { cpu: 1 });
  // Half past it: 2.5 past it by the fifth point.
  for (let i = 0; i < 5; i++) d.score((t += 1000), { cpu: 6 });
  assert.equal(opened.length, 2);
  d.close();

  // One point five times past it counts as one at twice: with four that graze it after, no event.
  for (let i = 0; i < 4; i++) d.score((t += 60_000), { cpu: 1 });
  d.score((t += 1000), { cpu: 20 });
  for (let i = 0; i < 4; i++) d.score((t += 1000), { cpu: 4.4 });
  assert.equal(opened.length, 2, 'a lone spike and its tail');
  for (let i = 0; i < 3; i++) d.score((t += 1000), { cpu: 8 });
  assert.equal(opened.length, 3, 'more points well past it');
});

test('thresholds follow the baseline: a noisier instance raises its own threshold, never below the floor', () => {
  const t = new AdaptiveThreshold(4, 4, 1000, 100);
  for (let i = 0; i < 1000; i++) t.observeNormal(3 + (i % 10) * 0.5);
  assert.ok(t.current > 8 && t.current < 10, `threshold ${t.current}`);
  const quiet = new AdaptiveThreshold(6, 4, 1000, 100);
  for (let i = 0; i < 1000; i++) quiet.observeNormal(0.1);
  assert.equal(quiet.current, 4);
});

test("an adaptive threshold is exactly 1.2 times the 99.9th percentile of its window's normal scores, floored, though it keeps only their tail", () => {
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const t = new AdaptiveThreshold(5, 4);
  const all: number[] = [];
  for (let i = 1; i <= 20_000; i++) {
    // Heavy-tailed scores with the odd NaN (a metric missing from a sample).
    const score = i % 997 === 0 ? NaN : -Math.log(random()) * (1 + 3 * (random() < 0.01 ? 1 : 0));
    all.push(score);
    t.observeNormal(score);
    if (i % 600 === 0) {
      const expected = Math.max(4, 1.2 * quantile(all.slice(-3600), 0.999));
      assert.ok(Math.abs(t.current - expected) < 1e-12, `after ${i}: ${t.current} against ${expected}`);
    }
  }
});

test('a joint shift that no single metric shows still makes anomalies, with every metric contributing', () => {
  const detector = new AnomalyDetector('i-joint', { a: 4, b: 4, c: 4, '*joint': 3 });
  const opened: AnomalyEvent[] = [];
  detector.on('opened', (e) => opened.push(e));
  for (let t = 0; t < 20; t++) {
    // Each metric at half its threshold; their mean square (4) is over the joint threshold (3).
    const point = detector.score(t * 1000, { a: 2, b: 2.2, c: 1.8, '*joint': (4 + 4.84 + 3.24) / 3 });
    assert.deepEqual(point.anomalous, ['*joint']);
    // A mean of squares over its threshold counts as a root, in the units of the other scores.
    assert.ok(Math.abs(point.instanceScore - Math.sqrt((4 + 4.84 + 3.24) / 3 / 3)) < 1e-9, `${point.instanceScore}`);
  }
  assert.equal(opened.length, 1);
  assert.deepEqual(
    opened[0]!.metrics.map((m) => m.metric),
    ['b', 'a', 'c']
  );
});

test('the level score keeps its trained threshold; the gauges share its events by their squared distances', () => {
  const detector = new AnomalyDetector('i-level', { a: 4, b: 4, '*level': 5 });
  const opened: AnomalyEvent[] = [];
  detector.on('opened', (e) => opened.push(e));
  // Hours of quiet points: an adaptive threshold would sink to its floor; the level threshold stays at 5.
  for (let t = 0; t < 7200; t++) detector.score(t * 1000, { a: 1, b: 1, '*level': 0.5 });
  assert.equal(detector.threshold('*level'), 5);
  assert.equal(detector.threshold('a'), 4);
  for (let t = 7200; t < 7210; t++) {
    const point = detector.score(t * 1000, { a: 1, b: 1, '*level': 10 }, () => ({ a: 10, b: 2 }));
    assert.deepEqual(point.anomalous, ['*level']);
    assert.equal(point.instanceScore, 2);
  }
  const [a, b] = opened[0]!.metrics;
  assert.equal(a!.metric, 'a');
  assert.ok(Math.abs(a!.contribution - 100 / 104) < 1e-9, `a's share ${a!.contribution}`);
  assert.equal(b!.metric, 'b');
});

test('a metric past its own threshold is flagged, but the instance is anomalous only when its combined scores say so', () => {
  const detector = new AnomalyDetector('i-flag', { a: 4, b: 4, '*level': 5, '*joint': 3 });
  const opened: AnomalyEvent[] = [];
  detector.on('opened', (e) => opened.push(e));
  // Misses of one metric two points at a time (blips) leave the instance normal.
  for (let t = 0; t < 30; t++) {
    const point = detector.score(t * 1000, { a: t % 3 === 2 ? 1 : 8, b: 1, '*level': 2, '*joint': 0.3 });
    assert.deepEqual(point.anomalous, t % 3 === 2 ? [] : ['a']);
    assert.equal(point.instanceScore, 0.4);
  }
  assert.equal(opened.length, 0);
  // A metric the twin keeps missing (a leak the one-step twin does not foresee) makes it anomalous from its fifth point.
  const scores = Array.from({ length: 10 }, (_, t) =>
    detector.score((30 + t) * 1000, { a: 8, b: 1, '*level': 2, '*joint': 0.3 })
  );
  assert.deepEqual(
    scores.map((p) => p.instanceScore),
    [0.4, 0.4, 0.4, 0.4, 2, 2, 2, 2, 2, 2]
  );
  assert.equal(opened.length, 1);
  assert.deepEqual(
    opened[0]!.metrics.map((m) => m.metric),
    ['a']
  );
  opened.length = 0;
  // A twin without combined scores (a seasonal baseline) is anomalous when any metric is.
  const plain = new AnomalyDetector('i-plain', { a: 4, b: 4 });
  plain.on('opened', (e) => opened.push(e));
  for (let t = 0; t < 10; t++) assert.equal(plain.score(t * 1000, { a: 8, b: 1 }).instanceScore, 2);
  assert.equal(opened.length, 1);
});

test('a new version taking over mid-incident carries the event on: same id, opened once, closed once by the gap', () => {
  const first = new AnomalyDetector('i-v', { cpu: 4 });
  const opened: AnomalyEvent[] = [];
  const closed: AnomalyEvent[] = [];
  first.on('opened', (e) => opened.push(e));
  first.on('closed', (e) => closed.push(e));
  let t = 0;
  for (let i = 0; i < 6; i++) first.score((t += 1000), { cpu: 12 });
  assert.equal(opened.length, 1);

  const second = new AnomalyDetector('i-v', { cpu: 8 });
  second.on('opened', (e) => opened.push(e));
  second.on('closed', (e) => closed.push(e));
  second.continueFrom(first);
  assert.equal(first.openEvent, undefined, 'the old version lets the event go');
  assert.equal(second.openEvent?.id, opened[0]!.id);
  for (let i = 0; i < 4; i++) second.score((t += 1000), { cpu: 24 });
  second.score((t += 60_000), { cpu: 1 });
  assert.equal(opened.length, 1, 'not reported a second time');
  assert.equal(closed.length, 1);
  assert.equal(closed[0]!.id, opened[0]!.id);
  assert.equal(closed[0]!.end - closed[0]!.start, 9000, 'one event over both versions');
  assert.equal(closed[0]!.peakScore, 3, 'under the new thresholds: 24 over 8');
});

test('an event still being gathered when a new version takes over opens once it has its points', () => {
  const first = new AnomalyDetector('i-w', { cpu: 4 });
  let t = 0;
  for (let i = 0; i < 3; i++) first.score((t += 1000), { cpu: 12 });
  const second = new AnomalyDetector('i-w', { cpu: 4 });
  const opened: AnomalyEvent[] = [];
  second.on('opened', (e) => opened.push(e));
  second.continueFrom(first);
  second.score((t += 1000), { cpu: 12 });
  assert.equal(opened.length, 0);
  second.score((t += 1000), { cpu: 12 });
  assert.equal(opened.length, 1);
  assert.equal(opened[0]!.end - opened[0]!.start, 4000);
});

test('a surprise larger than any of the training window opens an event at once; one within what the window showed does not', () => {
  // Thresholds 4; the training window's largest surprise was 1.5 times a threshold.
  const d = new AnomalyDetector('i-s', { cpu: 4, mem: 4, '*level': 3 }, 1.5);
  const opened: AnomalyEvent[] = [];
  const closed: AnomalyEvent[] = [];
  d.on('opened', (e) => opened.push(e));
  d.on('closed', (e) => closed.push(e));
  let t = 0;
  const normal = { cpu: 1, mem: 1, '*level': 1 };
  d.score((t += 1000), normal);
  assert.equal(
    d.score((t += 1000), { ...normal, cpu: 5.6 }).instanceScore,
    1 / 3,
    'past its threshold, within the window'
  );
  assert.equal(opened.length, 0);
  for (let i = 0; i < 60; i++) d.score((t += 1000), normal);
  const point = d.score((t += 1000), { ...normal, mem: 8 });
  assert.equal(point.instanceScore, 2 / 1.5, 'unseen: it counts at once, against the peak it passed');
  assert.equal(opened.length, 1);
  assert.deepEqual(
    opened[0]!.metrics.map((m) => m.metric),
    ['mem']
  );
  for (let i = 0; i < 60; i++) d.score((t += 1000), normal);
  assert.equal(closed.length, 1);
  // The bar is now that surprise: a smaller one is no longer unseen.
  assert.equal(d.score((t += 1000), { ...normal, cpu: 7.6 }).instanceScore, 1 / 3);
  assert.equal(opened.length, 1);
  d.score((t += 1000), { ...normal, cpu: 8.4 });
  assert.equal(opened.length, 2);
});

test('without a training peak (a model from before it was kept), no single point opens an event', () => {
  const d = new AnomalyDetector('i-old', { cpu: 4, '*level': 3 });
  const opened: AnomalyEvent[] = [];
  d.on('opened', (e) => opened.push(e));
  d.score(1000, { cpu: 400, '*level': 1 });
  assert.equal(opened.length, 0);
});

test('a level score past the largest of the training window opens an event at once; one within it waits for a run of points', () => {
  // Level threshold 3; the training window's largest level score was twice that (a spike it had shown).
  const d = new AnomalyDetector('i-l', { cpu: 4, '*level': 3 }, 10, { '*level': 6 });
  const opened: AnomalyEvent[] = [];
  d.on('opened', (e) => opened.push(e));
  let t = 0;
  const normal = { cpu: 1, '*level': 1 };
  d.score((t += 1000), normal);
  assert.equal(
    d.score((t += 1000), { ...normal, '*level': 5.4 }).instanceScore,
    1.8,
    'past its threshold, within the window'
  );
  assert.equal(opened.length, 0);
  for (let i = 0; i < 60; i++) d.score((t += 1000), normal);
  assert.equal(d.score((t += 1000), { ...normal, '*level': 7.5 }).instanceScore, 2.5);
  assert.equal(opened.length, 1, 'unseen in the window: reported at once');
  for (let i = 0; i < 60; i++) d.score((t += 1000), normal);
  // The bar is now that level: one below it is no longer unseen.
  d.score((t += 1000), { ...normal, '*level': 7 });
  assert.equal(opened.length, 1);
});

test('each side of the baseline has its own bar: a drop in the window does not make a rise as far familiar', () => {
  // Level threshold 3; the window dropped to 8 below its baseline but never rose past 2 above it.
  const d = new AnomalyDetector('i-sides', { cpu: 4, '*level': 3 }, 10, { '*level+': 2, '*level-': 8 });
  const opened: AnomalyEvent[] = [];
  d.on('opened', (e) => opened.push(e));
  let t = 0;
  const normal = { cpu: 1, '*level': 1, '*level+': 1, '*level-': 0 };
  d.score((t += 1000), normal);
  d.score((t += 1000), { ...normal, '*level': 6, '*level+': 0, '*level-': 6 });
  assert.equal(opened.length, 0, 'a drop within the window waits for a run of points');
  for (let i = 0; i < 60; i++) d.score((t += 1000), normal);
  assert.equal(d.score((t += 1000), { ...normal, '*level': 6, '*level+': 6, '*level-': 0 }).instanceScore, 2);
  assert.equal(opened.length, 1, 'as far above: unseen on that side, reported at once');
});
