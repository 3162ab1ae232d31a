import path from 'node:path';
import { quantile, type RegularSeries } from '../features/index.ts';
import { tensorflow } from '../twin/lstm/tf-backend.ts';
import { EVAL_RETRAIN_MS, RollingTwin, type RollingTwinOptions } from './rolling-twin.ts';
import { printTable } from '../bench/load-generator.ts';
import { writeFigures } from './write-figures.ts';
import { scoringOptions, type EvalOptions } from './eval-options.ts';
import { rollingZScores } from './rolling-z-score.ts';
import {
  loadSmdPart,
  readInterpretation,
  readLabels,
  smdMachines,
  smdPart,
  SHARED_DATA,
  type Interpretation,
} from './smd-data.ts';
import {
  averagePrecision,
  eventRecall,
  hitRate,
  pointAdjusted,
  pointwise,
  vusPr,
  type PointScores,
} from './detection-metrics.ts';

const WEEK_OF_MINUTES = 7 * 24 * 60;

/** What a detector made of one machine's test part: a 0/1 decision and a score per row, and a ranking per labelled event. */
interface Detection {
  predicted: Uint8Array;
  score: Float64Array;
  /** For each interpretation segment: SMD column numbers (1-based), most to least implicated. */
  ranked: number[][];
  trainSeconds: number;
  scoreSeconds: number;
}

export interface MachineFigures {
  machine: string;
  pointwise: PointScores;
  pointAdjusted: PointScores;
  eventRecall: number;
  aucPr: number;
  vusPr: number;
  hitRate100: number;
  hitRate150: number;
  trainSeconds: number;
  scoreSeconds: number;
}

/** Ranks SMD columns by a per-row, per-column deviation: by its peak over an event's rows. */
function rank(deviation: Float64Array[], start: number, end: number): number[] {
  const peaks = deviation.map((col, c) => {
    let peak = 0;
    for (let i = start; i <= end && i < col.length; i++) peak = Math.max(peak, col[i]!);
    return [c + 1, peak] as const;
  });
  return peaks.sort((a, b) => b[1] - a[1]).map(([c]) => c);
}

/**
 * Twin's own pipeline, as the product runs it: a twin trained on the machine's last training week
 * scores `test/` with its own thresholds, and every `retrainMs` a new version trained on the
 * rolling week so far (the recorded anomalies left out of its baseline) takes over.
 */
async function detectWithTwin(
  train: RegularSeries,
  test: RegularSeries,
  events: Interpretation[],
  epochs: number,
  retrainMs: number,
  lstm: RollingTwinOptions['lstm']
): Promise<Detection> {
  const twin = await RollingTwin.start(
    {
      instance: 'smd',
      metrics: train.metrics,
      stepMs: train.stepMs,
      windowMs: WEEK_OF_MINUTES * 60_000,
      retrainMs,
      epochs,
      lstm,
      backend: await tensorflow(),
    },
    train
  );
  const started = performance.now();
  const initialTraining = twin.trainSeconds;
  const n = test.values[0]!.length;
  const predicted = new Uint8Array(n);
  const score = new Float64Array(n);
  const columns = test.metrics.length;
  const deviation = Array.from({ length: columns }, () => new Float64Array(n));
  for (let r = 0; r < n; r++) {
    const values: Record<string, number> = {};
    test.metrics.forEach((m, c) => (values[m] = test.values[c]![r]!));
    const { step, point } = await twin.step(test.from + r * test.stepMs, values);
    if (!step || !point) continue;
    score[r] = point.instanceScore;
    predicted[r] = point.instanceScore > 1 ? 1 : 0;
    // A metric ranks by how far it went from where it kept to, its surprise breaking ties.
    const levels = step.levels ?? {};
    for (let c = 0; c < columns; c++) {
      const metric = test.metrics[c]!;
      deviation[c]![r] = (levels[metric] ?? 0) + twin.detector.ratio(metric, step.scores[metric]) / 1000;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    predicted,
    score,
    ranked: events.map((e) => rank(deviation, e.start, e.end)),
    trainSeconds: twin.trainSeconds,
    scoreSeconds: seconds - (twin.trainSeconds - initialTraining),
  };
}

/** A z-score per column of a series, computed from that column alone or from what was learnt of the training part. */
type ColumnZScores = (column: Float64Array, c: number) => Float64Array;

/**
 * Baselines: a z-score per metric, the row's score its largest |z|, the threshold the 99.5th
 * percentile of the scores on the training part (no labels involved).
 */
function detectWithZScore(
  train: RegularSeries,
  test: RegularSeries,
  events: Interpretation[],
  fit: (train: RegularSeries) => ColumnZScores
): Detection {
  const started = performance.now();
  const columnZ = fit(train);
  const zScores = (series: RegularSeries) => {
    const perColumn = series.values.map((col, c) => columnZ(col, c));
    const worst = new Float64Array(series.values[0]!.length);
    for (const z of perColumn) for (let i = 0; i < worst.length; i++) worst[i] = Math.max(worst[i]!, z[i]!);
    return { perColumn, worst };
  };
  const threshold = quantile(zScores(train).worst, 0.995);
  const trainSeconds = (performance.now() - started) / 1000;
  const scored = zScores(test);
  return {
    predicted: scored.worst.map((s) => (s > threshold ? 1 : 0)) as unknown as Uint8Array,
    score: scored.worst,
    ranked: events.map((e) => rank(scored.perColumn, e.start, e.end)),
    trainSeconds,
    scoreSeconds: (performance.now() - started) / 1000 - trainSeconds,
  };
}

/** Rolling: each value against the mean and deviation of the 60 rows before it. */
const rolling = (): ColumnZScores => (column) => rollingZScores(column);

/** Static: each value against its column's mean and deviation over the whole training part (the reference baseline). */
const staticZ = (train: RegularSeries): ColumnZScores => {
  const stats = train.values.map((col) => {
    const mean = col.reduce((a, b) => a + b, 0) / col.length;
    const sd = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length);
    return { mean, sd: Math.max(sd, 1e-3) };
  });
  return (column, c) => column.map((v) => Math.abs(v - stats[c]!.mean) / stats[c]!.sd) as Float64Array;
};

function figures(machine: string, d: Detection, labels: Uint8Array, events: Interpretation[]): MachineFigures {
  const hits = (p: number) => {
    const rates = events.map((e, i) => hitRate(d.ranked[i]!, e.dims, p)).filter((x) => Number.isFinite(x));
    return rates.length ? rates.reduce((a, b) => a + b, 0) / rates.length : NaN;
  };
  return {
    machine,
    pointwise: pointwise(d.predicted, labels),
    pointAdjusted: pointAdjusted(d.predicted, labels),
    eventRecall: eventRecall(d.predicted, labels),
    aucPr: averagePrecision(d.score, labels),
    vusPr: vusPr(d.score, labels),
    hitRate100: hits(100),
    hitRate150: hits(150),
    trainSeconds: d.trainSeconds,
    scoreSeconds: d.scoreSeconds,
  };
}

/** Pools every machine's points for the overall point figures; averages the rest. */
function overall(rows: MachineFigures[], name = 'overall'): MachineFigures {
  const pool = (key: 'pointwise' | 'pointAdjusted'): PointScores => {
    const tp = rows.reduce((n, r) => n + r[key].tp, 0);
    const fp = rows.reduce((n, r) => n + r[key].fp, 0);
    const fn = rows.reduce((n, r) => n + r[key].fn, 0);
    const precision = tp + fp ? tp / (tp + fp) : 0;
    const recall = tp + fn ? tp / (tp + fn) : 0;
    return {
      tp,
      fp,
      fn,
      precision,
      recall,
      f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    };
  };
  const mean = (f: (r: MachineFigures) => number) => {
    const xs = rows.map(f).filter((x) => Number.isFinite(x));
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
  };
  return {
    machine: name,
    pointwise: pool('pointwise'),
    pointAdjusted: pool('pointAdjusted'),
    eventRecall: mean((r) => r.eventRecall),
    aucPr: mean((r) => r.aucPr),
    vusPr: mean((r) => r.vusPr),
    hitRate100: mean((r) => r.hitRate100),
    hitRate150: mean((r) => r.hitRate150),
    trainSeconds: rows.reduce((n, r) => n + r.trainSeconds, 0),
    scoreSeconds: rows.reduce((n, r) => n + r.scoreSeconds, 0),
  };
}

export type SmdEvalOptions = EvalOptions;

/**
 * `npm run eval -- smd --data DIR`: per machine of a folder in the SMD layout, Twin's twin trained
 * on `train/` (its last week, as the product's rolling window) scores `test/` with its own adaptive
 * thresholds; the same for an untrained twin (same network, initial weights) and a rolling z-score.
 * Prints and writes (JSON) point-wise and point-adjusted P/R/F1, event recall, AUC-PR, VUS-PR,
 * root-cause HitRate@100% and @150%, and training and scoring time.
 */
export async function smdEval(options: SmdEvalOptions): Promise<void> {
  const dir = path.resolve(options.data ?? path.join(SHARED_DATA, 'smd'));
  const machines = options.machines ?? smdMachines(dir);
  const epochs = options.epochs ?? 8;
  const retrainMs = options.retrainMs ?? EVAL_RETRAIN_MS;
  const lstm = scoringOptions(options);
  const detectors = ['twin', 'untrained twin', 'static z-score', 'rolling z-score'] as const;
  const results: Record<(typeof detectors)[number], MachineFigures[]> = {
    twin: [],
    'untrained twin': [],
    'static z-score': [],
    'rolling z-score': [],
  };
  for (const machine of machines) {
    const train = loadSmdPart(dir, 'train', machine);
    const test = loadSmdPart(dir, 'test', machine, train.values[0]!.length * 60_000);
    const labels = readLabels(dir, machine);
    const events = readInterpretation(dir, machine);
    process.stderr.write(
      `${machine}: ${train.values[0]!.length} training rows, ${labels.length} test rows, ${events.length} labelled events\n`
    );
    results.twin.push(
      figures(machine, await detectWithTwin(train, test, events, epochs, retrainMs, lstm), labels, events)
    );
    results['untrained twin'].push(
      figures(machine, await detectWithTwin(train, test, events, 0, retrainMs, lstm), labels, events)
    );
    results['static z-score'].push(figures(machine, detectWithZScore(train, test, events, staticZ), labels, events));
    results['rolling z-score'].push(figures(machine, detectWithZScore(train, test, events, rolling), labels, events));
  }
  type Totals = Record<(typeof detectors)[number], MachineFigures>;
  const totals = Object.fromEntries(detectors.map((d) => [d, overall(results[d])])) as Totals;
  // Development and validation pooled apart (see smdPart): configuration is chosen on development only.
  const parts = [...new Set(machines.map(smdPart))];
  const partTotals = Object.fromEntries(
    parts.map((part) => [
      part,
      Object.fromEntries(
        detectors.map((d) => [
          d,
          overall(
            results[d].filter((r) => smdPart(r.machine) === part),
            `${part} overall`
          ),
        ])
      ) as Totals,
    ])
  );
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
  for (const machine of [...machines, ...parts.map((p) => `${p} overall`), 'overall']) {
    const part = parts.find((p) => machine === `${p} overall`);
    const pick = (d: (typeof detectors)[number]) =>
      machine === 'overall' ? totals[d] : part ? partTotals[part]![d] : results[d].find((r) => r.machine === machine)!;
    const rows: string[][] = [
      [
        'F1 point-wise (P / R)',
        ...detectors.map(
          (d) => `${f(pick(d).pointwise.f1)} (${f(pick(d).pointwise.precision)}/${f(pick(d).pointwise.recall)})`
        ),
      ],
      [
        'F1 point-adjusted (P / R)',
        ...detectors.map(
          (d) =>
            `${f(pick(d).pointAdjusted.f1)} (${f(pick(d).pointAdjusted.precision)}/${f(pick(d).pointAdjusted.recall)})`
        ),
      ],
      ['event recall', ...detectors.map((d) => f(pick(d).eventRecall))],
      ['AUC-PR', ...detectors.map((d) => f(pick(d).aucPr))],
      ['VUS-PR', ...detectors.map((d) => f(pick(d).vusPr))],
      ['HitRate@100% / @150%', ...detectors.map((d) => `${f(pick(d).hitRate100)} / ${f(pick(d).hitRate150)}`)],
      [
        'training / scoring seconds',
        ...detectors.map((d) => `${pick(d).trainSeconds.toFixed(1)} / ${pick(d).scoreSeconds.toFixed(1)}`),
      ],
    ];
    printTable(`smd ${machine}`, ['', ...detectors], rows);
  }
  const document = {
    eval: 'smd',
    data: dir,
    epochs,
    retrainMs,
    scoring: lstm,
    machines,
    twin: totals.twin,
    peer: {
      'untrained twin': totals['untrained twin'],
      'static z-score': totals['static z-score'],
      'rolling z-score': totals['rolling z-score'],
    },
    parts: partTotals,
    perMachine: results,
  };
  writeFigures('smd', document, options);
}
