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
  'twin eval nab scores every realAWSCloudwatch file under the three NAB profiles, against two baselines',
  { timeout: 180_000 },
  async () => {
    const out = path.join(tempDir('twin-eval-'), 'nab.json');
    const { code, output } = await run(TWIN_BIN, ['eval', 'nab', '--epochs', '1', '--retrain', '5d', '--out', out]);
    assert.equal(code, 0, output);
    assert.match(output, /standard +-?\d+\.\d +-?\d+\.\d +-?\d+\.\d/);
    assert.match(output, /reward_low_FP_rate/);
    assert.match(output, /reward_low_FN_rate/);
    const figures = JSON.parse(fs.readFileSync(out, 'utf8')) as {
      twin: Record<string, number>;
      perFile: { file: string; windows: number }[];
    };
    assert.equal(figures.perFile.length, 17);
    assert.equal(
      figures.perFile.reduce((n, f) => n + f.windows, 0),
      30,
      'the 30 label windows of the corpus'
    );
    // Normalised between the null detector (0) and the perfect one (100): finite, and far from nonsense.
    for (const score of Object.values(figures.twin)) assert.ok(Number.isFinite(score) && score > -1000 && score <= 100);
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
