import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { run, TWIN_BIN } from '../testing/processes.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { SHARED_DATA } from './smd-data.ts';

/** Runs `twin eval NAME ...args --out <temp file>`; what it printed and the figures it wrote. */
async function runEval<T>(name: string, args: string[]): Promise<{ output: string; figures: T }> {
  const out = path.join(tempDir('twin-eval-'), `${name}.json`);
  const { code, output } = await run(TWIN_BIN, ['eval', name, ...args, '--out', out]);
  assert.equal(code, 0, output);
  return { output, figures: JSON.parse(fs.readFileSync(out, 'utf8')) as T };
}

test(
  'twin eval smd scores a machine of the real SMD data against three baselines and writes the figures',
  { timeout: 180_000 },
  async () => {
    const { output, figures } = await runEval<{
      twin: { pointwise: { tp: number; fp: number; fn: number }; aucPr: number; vusPr: number; hitRate100: number };
      peer: Record<string, { aucPr: number }>;
      retrainMs: number;
    }>('smd', ['--machines', 'machine-1-5', '--epochs', '1', '--retrain', '5d']);
    for (const row of [
      'F1 point-wise',
      'F1 point-adjusted',
      'event recall',
      'AUC-PR',
      'VUS-PR',
      'HitRate@100% / @150%',
      'training / scoring seconds',
    ])
      assert.match(output, new RegExp(row.replace(/[%/]/g, '.')));
    assert.match(output, /twin +untrained twin +static z-score +rolling z-score/);
    const { twin } = figures;
    // machine-1-5's test half has 0.42 % anomalous points (about 100 of 23,706).
    assert.ok(twin.pointwise.tp + twin.pointwise.fn > 50 && twin.pointwise.tp + twin.pointwise.fn < 200);
    for (const x of [twin.aucPr, twin.vusPr, twin.hitRate100]) assert.ok(x >= 0 && x <= 1, String(x));
    assert.deepEqual(Object.keys(figures.peer).sort(), ['rolling z-score', 'static z-score', 'untrained twin']);
    // The twin is retrained on its rolling week as the product does (every 5 days here, for time).
    assert.equal(figures.retrainMs, 5 * 86_400_000);
  }
);

test(
  "twin eval nab scores NAB's files under its three profiles per part, beside two baselines and NAB's published detectors",
  { timeout: 240_000 },
  async () => {
    const { output, figures } = await runEval<{
      twin: Record<string, Record<string, number>>;
      peer: Record<string, Record<string, Record<string, number>>>;
      perFile: { file: string; part: string; windows: number }[];
      withoutTwin: { file: string; reason: string }[];
    }>('nab', ['--machines', 'realAWSCloudwatch,realAdExchange', '--epochs', '1', '--retrain', '5d']);
    assert.match(output, /nab development: normalised score, realAWSCloudwatch \(17 files/);
    assert.match(output, /nab validation: normalised score, realAdExchange \(6 files/);
    assert.match(output, /^ +standard +reward_low_FP_rate +reward_low_FN_rate$/m);
    assert.match(output, /^twin +-?\d+\.\d +-?\d+\.\d +-?\d+\.\d$/m);
    const development = figures.perFile.filter((f) => f.part === 'development');
    assert.equal(development.length, 17);
    assert.equal(
      development.reduce((n, f) => n + f.windows, 0),
      30,
      'the 30 label windows of realAWSCloudwatch'
    );
    // The hourly ad exchange files are scored too (no abort), each twin that could not train named.
    assert.equal(figures.perFile.filter((f) => f.part === 'validation').length, 6);
    for (const w of figures.withoutTwin) assert.ok(w.reason.length > 0);
    // Normalised between the null detector (0) and the perfect one (100): finite, and far from nonsense.
    for (const part of ['development', 'validation'])
      for (const score of Object.values(figures.twin[part]!))
        assert.ok(Number.isFinite(score) && score > -1000 && score <= 100, `${part} ${score}`);
    // NAB's published detectors, normalised on the same files (numenta's HTM: 73.9 on realAWSCloudwatch).
    assert.equal(figures.peer.development!.numenta!.standard!.toFixed(1), '73.9');
    assert.ok(Number.isFinite(figures.peer.validation!.numenta!.standard));
  }
);

test('twin eval logs prints template and catalogue figures for every Loghub system and BGL precision and recall', async () => {
  const out = path.join(tempDir('twin-eval-'), 'logs.json');
  const { code, output } = await run(TWIN_BIN, ['eval', 'logs', '--out', out]);
  assert.equal(code, 0, output);
  assert.match(output, /BGL: flagged lines against the alert labels/);
  const figures = JSON.parse(fs.readFileSync(out, 'utf8')) as {
    systems: {
      system: string;
      groupingAccuracy: number;
      recurringTemplateShare: number;
      alerts?: { precision: number; recall: number };
    }[];
  };
  assert.deepEqual(
    figures.systems.map((s) => s.system),
    ['BGL', 'HDFS', 'Linux', 'OpenStack', 'Thunderbird']
  );
  const bgl = figures.systems[0]!;
  assert.ok(bgl.alerts!.precision > 0.9 && bgl.alerts!.recall > 0.9, JSON.stringify(bgl.alerts));
  for (const s of figures.systems) assert.ok(s.recurringTemplateShare > 0.9 && s.groupingAccuracy > 0.6, s.system);
});

test(
  'twin eval failures runs the whole pipeline on a small simulated fleet and prints every figure beside the trend alone',
  { timeout: 180_000 },
  async () => {
    const { output, figures } = await runEval<{ twin: { brier: number }; peer: { name: string } }>('failures', [
      '--instances',
      '3',
      '--days',
      '1',
      '--epochs',
      '1',
    ]);
    for (const row of [
      'failures predicted >= 10 min ahead',
      'median lead time',
      'false alarms per instance-day',
      'Brier score',
      'root cause top-1 / top-3',
      'what-if ranks the remedy first',
    ])
      assert.ok(output.includes(row), row);
    assert.ok(figures.twin.brier >= 0 && figures.twin.brier < 0.1);
    assert.match(figures.peer.name, /trend forecast alone/);
  }
);

test(
  'twin eval failures --data runs on a folder in the SMD layout, with the failures its failures.json names',
  { timeout: 180_000 },
  async () => {
    // The shared data linked, not copied, beside a failures.json of our own.
    const dir = tempDir('smd-failures-');
    for (const part of ['train', 'test']) {
      fs.mkdirSync(path.join(dir, part));
      fs.symlinkSync(path.join(SHARED_DATA, 'smd', part, 'machine-1-5.txt'), path.join(dir, part, 'machine-1-5.txt'));
    }
    fs.writeFileSync(
      path.join(dir, 'failures.json'),
      JSON.stringify({
        failures: {
          'machine-1-5': [
            { failure_row: 2000, kind: 'crash', cause: ['smd_01'] },
            { failure_row: null, kind: 'outage', cause: ['smd_02'] },
          ],
        },
      })
    );
    const { output, figures } = await runEval<{
      twin: { failures: number; rootCause: { judged: number } };
      source: string;
    }>('failures', ['--data', dir, '--epochs', '1']);
    assert.match(output, /1 machines of .*, 1 failures \(failures\.json\)/);
    assert.equal(figures.source, 'failures.json');
    assert.equal(figures.twin.failures, 1);
    assert.equal(figures.twin.rootCause.judged, 1);
  }
);

type ForecastFigures = {
  twin: Record<string, { relativeMae: number[]; coverage80: number[] }>;
  peer: Record<string, Record<string, { relativeMae: number[]; beatsBestNaive: number[] }>>;
  items: { item: string; part: string; skills: { points: number[]; bestNaive: { mae: number }[] }[] }[];
};

test(
  'twin eval forecast scores the twin at 1, 10 and 60 steps beside the untrained network and four naive forecasts, per part',
  { timeout: 180_000 },
  async () => {
    const { output, figures } = await runEval<ForecastFigures>('forecast', [
      '--data',
      path.join(SHARED_DATA, 'nab'),
      '--machines',
      'ec2_cpu_utilization_5f5533,exchange-2_cpc_results',
      '--epochs',
      '1',
    ]);
    for (const row of [
      'twin',
      'untrained twin',
      'persistence',
      'seasonal naive \\(day\\)',
      'seasonal naive \\(week\\)',
      'rolling mean',
    ])
      assert.match(output, new RegExp(`^${row} +[-\\d.]+ \\(`, 'm'));
    // realAWSCloudwatch develops at NAB's 5 minutes; the hourly ad exchange file validates (and does not abort).
    assert.match(output, /forecast development: .*\n +1 step \(5 min\) +10 steps \(50 min\) +60 steps \(300 min\)/);
    assert.match(output, /forecast validation: .*\n +1 step \(60 min\) +10 steps \(600 min\) +60 steps \(3600 min\)/);
    assert.deepEqual(
      figures.items.map((i) => [i.item, i.part]),
      [
        ['ec2_cpu_utilization_5f5533', 'development'],
        ['exchange-2_cpc_results', 'validation'],
      ]
    );
    for (const part of ['development', 'validation']) {
      const twin = figures.twin[part]!;
      assert.equal(twin.relativeMae.length, 3);
      for (const x of twin.relativeMae) assert.ok(x > 0 && Number.isFinite(x), String(x));
      for (const c of twin.coverage80) assert.ok(c >= 0 && c <= 1);
      // No naive forecast is below the best naive, by definition.
      for (const naive of ['persistence', 'seasonal naive (day)', 'rolling mean'])
        for (const x of figures.peer[part]![naive]!.relativeMae) assert.ok(x >= 1 - 1e-9, `${naive} ${x}`);
    }
    // Scored from rolling origins over the test part: about 200 per series.
    for (const item of figures.items) assert.ok(item.skills[0]!.points[0]! >= 150, String(item.skills[0]!.points));
  }
);

test(
  'twin eval forecast --data simulator forecasts every gauge of each simulated instance',
  { timeout: 180_000 },
  async () => {
    const { output, figures } = await runEval<ForecastFigures>('forecast', [
      '--data',
      'simulator',
      '--instances',
      '1',
      '--days',
      '1',
      '--epochs',
      '1',
    ]);
    assert.match(output, /forecast simulated \(seed 7\): 2\d series in 1 items/);
    assert.ok(figures.items[0]!.skills.length >= 20);
  }
);
