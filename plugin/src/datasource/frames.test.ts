import { FieldType } from '@grafana/data';
import type { SeriesResponse } from '../api/types';
import { anomaliesOf, incidentOf, incidentRows, twinSeries } from '../panels/anomaly/model';
import { currentRisks, levelOf } from '../panels/failure-probability/model';
import { failureTableFrame, incidentFrame, instanceMatcher, twinFrames } from './frames';

const MIN = 60_000;
const response: SeriesResponse = {
  instance: 'web-1',
  ts: [0, 30_000, MIN, 90_000, 2 * MIN, 150_000],
  series: { mem: [10, 11, 12, 13, 40, 41] },
  twin: {
    version: 'v0002',
    stepMs: MIN,
    ts: [0, MIN, 2 * MIN],
    predicted: { mem: [10, 12, 14], '*instance': [null, null, null] },
    lower: { mem: [9, 11, 13] },
    upper: { mem: [11, 13, 15] },
    score: { mem: [0.1, 0.2, 9], '*instance': [0.1, 0.2, 9] },
  },
};

test('a twin replay becomes one frame per metric with actual, predicted, band and score at the twin step', () => {
  const frames = twinFrames(response, 'A');
  expect(frames).toHaveLength(1);
  const f = frames[0]!;
  expect(f.name).toBe('mem');
  expect(f.fields.map((x) => x.name)).toEqual(['time', 'actual', 'predicted', 'lower', 'upper', 'score']);
  expect(f.fields[0]!.type).toBe(FieldType.time);
  expect(Array.from(f.fields[1]!.values)).toEqual([10, 12, 40]);
  const [series] = twinSeries(frames);
  expect(anomaliesOf(series!)).toEqual([{ metric: 'mem', time: 2 * MIN, actual: 40, score: 9 }]);
});

test('incidents become annotation rows, and an anomaly finds the incident that covers it', () => {
  const frame = incidentFrame(
    [
      {
        id: 'inc-1',
        instance: 'web-1',
        start: 2 * MIN,
        end: 5 * MIN,
        open: false,
        peakScore: 9,
        severity: 'critical',
        metrics: [{ metric: 'mem', contribution: 1 }],
        rootCauses: [{ resource: 'memory', score: 0.9, metrics: ['mem'], findings: [], evidence: ['mem rose 3x'] }],
      },
    ],
    'B'
  );
  const rows = incidentRows([frame]);
  expect(rows[0]).toMatchObject({ id: 'inc-1', time: 2 * MIN, timeEnd: 5 * MIN, text: 'memory 90%: mem rose 3x' });
  expect(incidentOf({ metric: 'mem', time: 3 * MIN, actual: 40, score: 9 }, rows)?.id).toBe('inc-1');
  expect(incidentOf({ metric: 'mem', time: -5 * MIN, actual: 40, score: 9 }, rows)).toBeUndefined();
});

test('an incident that recurs daily says so in its annotation title and tags', () => {
  const incident = {
    id: 'inc-2',
    instance: 'db-1',
    start: 0,
    end: 45 * MIN,
    open: false,
    peakScore: 6.2,
    severity: 'critical' as const,
    metrics: [{ metric: 'cpu', contribution: 1 }],
    rootCauses: [],
  };
  const frame = incidentFrame([incident, { ...incident, id: 'inc-3', recurring: { days: 3 } }], 'B');
  const field = (name: string) => Array.from(frame.fields.find((f) => f.name === name)!.values);
  expect(field('title')).toEqual([
    'db-1: critical incident (peak 6.2)',
    'db-1: critical incident (peak 6.2), recurring at this time on 3 of the last 7 days',
  ]);
  expect(field('tags')).toEqual([
    ['critical', 'db-1'],
    ['critical', 'db-1', 'recurring'],
  ]);
});

test('failure predictions become a table the failure panel reads, worst first, with levels', () => {
  const frame = failureTableFrame(
    'web-1',
    [
      { kind: 'outage', horizonMs: 86_400_000, probability: 0.1, interval: [0.05, 0.2], confidence: 0.85, prior: true },
      { kind: 'crash', horizonMs: 3_600_000, probability: 0.7, interval: [0.6, 0.8], confidence: 0.8, prior: false },
    ],
    'A',
    1000
  );
  const risks = currentRisks([frame]);
  expect(risks.map((r) => `${r.kind} ${r.horizon}`)).toEqual(['crash 1h', 'outage 1d']);
  expect(risks[0]).toMatchObject({ instance: 'web-1', probability: 0.7, interval: [0.6, 0.8], prior: false });
  expect(levelOf(0.7, 0.3, 0.6)).toBe('critical');
  expect(levelOf(0.35, 0.3, 0.6)).toBe('warning');
  expect(levelOf(0.1, 0.3, 0.6)).toBe('ok');
});

test('a label selector matches instances by their labels; a plain id by its id', () => {
  const i = (id: string, host: string) =>
    ({ id, labels: { host, zone: 'z1' } }) as unknown as Parameters<ReturnType<typeof instanceMatcher>>[0];
  expect(instanceMatcher('host=h1,zone=z1')(i('a', 'h1'))).toBe(true);
  expect(instanceMatcher('host=h1')(i('a', 'h2'))).toBe(false);
  expect(instanceMatcher('a')(i('a', 'h2'))).toBe(true);
});
