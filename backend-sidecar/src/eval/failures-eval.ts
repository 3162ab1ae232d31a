import fs from 'node:fs';
import path from 'node:path';
import { reliability } from '../analysis/index.ts';
import type { WhatIfAction } from '../analysis/what-if.ts';
import { printTable } from '../bench/load-generator.ts';
import type { FailureKind } from '../core/types.ts';
import { toRegular, type RegularSeries } from '../features/index.ts';
import { FleetSimulator, SCENARIO_OUTCOME } from '../simulator/index.ts';
import { tensorflow } from '../twin/lstm/tf-backend.ts';
import { FailurePipeline, HOUR, type ProbabilityTrace } from './failure-pipeline.ts';
import { loadSmdPart, readInterpretation, smdMachines, SMD_STEP_MS } from './smd-data.ts';
import { writeFigures } from './write-figures.ts';
import type { EvalOptions, SimulationOptions } from './eval-options.ts';

export type FailuresEvalOptions = EvalOptions & SimulationOptions;

const MIN = 60_000;
const DAY = 24 * HOUR;
const ALERT = 0.5;
const LEAD_NEEDED = 10 * MIN;
/** The action that answers each injected cause (what-if must rank it first). */
const REMEDY: Record<string, WhatIfAction['type'][]> = {
  memory: ['add-memory', 'restart'],
  disk: ['expand-disk'],
  network: ['migrate-host'],
  host: ['migrate-host'],
  cpu: ['add-cpu'],
};

/** A failure to forecast, with what caused it: resources (simulated) or column names (SMD layout). */
interface Expected {
  instance: string;
  ts: number;
  kind: FailureKind;
  /** When the fault began (root causes are looked for from then). */
  since: number;
  cause: { resource?: string; metrics?: string[] };
}

interface PredictionFigures {
  failures: number;
  predictedAhead: number;
  medianLeadMin: number;
  falseAlarmsPerInstanceDay: number;
  /** Alerts whose failure came at most 10 minutes past the horizon: early rather than false. */
  earlyAlarmsPerInstanceDay: number;
  brier: number;
  reliability: ReturnType<typeof reliability>['table'];
}

function score(
  series: ProbabilityTrace,
  failures: readonly { instance: string; ts: number; kind: FailureKind }[],
  instanceDays: number
): PredictionFigures {
  const leads: number[] = [];
  let ahead = 0;
  for (const f of failures) {
    const points = (series.get(f.instance) ?? []).filter((p) => p.ts > f.ts - HOUR && p.ts <= f.ts - LEAD_NEEDED);
    const firstAlert = points.find((p) => p[f.kind] >= ALERT);
    if (firstAlert) {
      ahead++;
      leads.push((f.ts - firstAlert.ts) / MIN);
    }
  }
  // An alert episode (crossing the threshold) with no failure of its kind within the hour after is a
  // false alarm; one whose failure comes at most 10 minutes past the hour is counted apart, as early.
  let falseAlarms = 0;
  let earlyAlarms = 0;
  const outcomes: { p: number; y: 0 | 1 }[] = [];
  const next = (instance: string, kind: FailureKind, ts: number) =>
    failures.find((f) => f.instance === instance && f.kind === kind && f.ts > ts)?.ts ?? Infinity;
  for (const [instance, points] of series)
    for (const kind of ['crash', 'outage'] as const) {
      let above = false;
      for (const p of points) {
        const failedAt = next(instance, kind, p.ts);
        const failed = failedAt <= p.ts + HOUR;
        outcomes.push({ p: p[kind], y: failed ? 1 : 0 });
        if (!above && p[kind] >= ALERT && !failed) {
          if (failedAt <= p.ts + HOUR + LEAD_NEEDED) earlyAlarms++;
          else falseAlarms++;
        }
        above = p[kind] >= ALERT;
      }
    }
  leads.sort((a, b) => a - b);
  const r = reliability(outcomes);
  return {
    failures: failures.length,
    predictedAhead: failures.length ? ahead / failures.length : NaN,
    medianLeadMin: leads.length ? leads[Math.floor(leads.length / 2)]! : NaN,
    falseAlarmsPerInstanceDay: falseAlarms / instanceDays,
    earlyAlarmsPerInstanceDay: earlyAlarms / instanceDays,
    brier: r.brier,
    reliability: r.table.filter((b) => b.count > 0),
  };
}

/** Root causes and what-if judged 10 minutes before each expected failure, on what the pipeline knows then. */
class Judge {
  readonly rootCause = { top1: 0, top3: 0, judged: 0 };
  readonly whatIf = { first: 0, judged: 0 };

  constructor(
    private readonly pipeline: FailurePipeline,
    private readonly expected: readonly Expected[]
  ) {}

  /** Judges the failures due 10 minutes after `ts` (called once a minute). */
  at(ts: number): void {
    for (const e of this.expected) {
      if (!(e.ts - LEAD_NEEDED <= ts && e.ts - LEAD_NEEDED > ts - MIN)) continue;
      const blamed = this.pipeline.rootCauses(e.instance, ts, e.since - HOUR);
      const ranked = e.cause.resource ? blamed.resources : blamed.metrics;
      const truth = e.cause.resource ? [e.cause.resource] : (e.cause.metrics ?? []);
      this.rootCause.judged++;
      if (truth.includes(ranked[0]!)) this.rootCause.top1++;
      if (ranked.slice(0, 3).some((r) => truth.includes(r))) this.rootCause.top3++;
      const remedy = e.cause.resource ? REMEDY[e.cause.resource] : undefined;
      if (!remedy) continue;
      try {
        const best = this.pipeline.whatIfRanking(e.instance, ts)[0];
        this.whatIf.judged++;
        if (best && best.drop > 0 && remedy.includes(best.action.type)) this.whatIf.first++;
      } catch {
        // the twin could not forecast yet (too little history): not judged
      }
    }
  }
}

function report(
  title: string,
  pipeline: FailurePipeline,
  judge: Judge,
  instanceDays: number,
  seconds: { train: number; run: number },
  extra: Record<string, unknown>,
  options: FailuresEvalOptions
): void {
  const learned = score(pipeline.learned, pipeline.failures, instanceDays);
  const trend = score(pipeline.trend, pipeline.failures, instanceDays);
  const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  const rc = judge.rootCause;
  printTable(
    title,
    ['', 'twin (learned model)', 'trend forecast alone'],
    [
      ['failures predicted >= 10 min ahead', f(learned.predictedAhead), f(trend.predictedAhead)],
      ['median lead time, min', f(learned.medianLeadMin, 0), f(trend.medianLeadMin, 0)],
      ['false alarms per instance-day', f(learned.falseAlarmsPerInstanceDay), f(trend.falseAlarmsPerInstanceDay)],
      [
        'early alarms per instance-day (failure 60-70 min later)',
        f(learned.earlyAlarmsPerInstanceDay),
        f(trend.earlyAlarmsPerInstanceDay),
      ],
      ['Brier score', f(learned.brier, 4), f(trend.brier, 4)],
      ['root cause top-1 / top-3 (of failures)', `${f(rc.top1 / rc.judged)} / ${f(rc.top3 / rc.judged)}`, ''],
      ['what-if ranks the remedy first', f(judge.whatIf.first / judge.whatIf.judged), ''],
      ['training / pipeline seconds', `${seconds.train.toFixed(0)} / ${seconds.run.toFixed(0)}`, ''],
    ]
  );
  printTable(
    'reliability of the learned 1-hour predictions (bins with moments)',
    ['predicted', 'moments', 'mean predicted', 'observed'],
    learned.reliability.map((b) => [
      `${b.from.toFixed(1)}-${b.to.toFixed(1)}`,
      String(b.count),
      f(b.predicted),
      f(b.observed),
    ])
  );
  writeFigures(
    'failures',
    {
      eval: 'failures',
      ...extra,
      twin: { ...learned, rootCause: rc, whatIf: judge.whatIf },
      peer: { name: 'trend forecast alone (the prior)', ...trend },
    },
    options
  );
}

/**
 * `npm run eval -- failures`: a simulated fleet with injected faults. Each instance's twin is trained
 * on a clean week; then the test days run minute by minute through the whole pipeline. Printed beside
 * the trend forecast alone (the learned model's prior): failures predicted at least 10 minutes ahead,
 * lead time, false and early alarms per instance-day, Brier score and reliability; root-cause
 * accuracy and what-if ranking against the injected causes. With `--data DIR`, the same on a folder
 * in the SMD layout (see `smdFailures`).
 */
export async function failuresEval(options: FailuresEvalOptions): Promise<void> {
  if (options.data) return smdFailures(options.data, options);
  const instances = options.instances ?? 9;
  const days = options.days ?? 4;
  const seed = options.seed ?? 7;
  const epochs = options.epochs ?? 4;
  const backend = await tensorflow();
  const trainFrom = Date.parse('2026-03-01T00:00:00Z');
  // A week of clean history, the product's default training window (weekly cycles, like disk clean-ups, are in it).
  const testFrom = trainFrom + 7 * DAY;
  const testTo = testFrom + days * DAY;
  const clean = new FleetSimulator({ instances, seed, faultsPerInstanceDay: 0 });
  const faulty = new FleetSimulator({ instances, seed, faultsPerInstanceDay: 0.6 });
  const pipeline = new FailurePipeline((id) => faulty.labels(id) as Record<string, string | undefined>);

  const history = new Map<string, { ts: number[]; values: Record<string, number>[] }>();
  for (const tick of clean.ticks(trainFrom, testFrom, MIN))
    for (const s of tick.samples) {
      const h = history.get(s.instance) ?? { ts: [], values: [] };
      h.ts.push(s.ts);
      h.values.push(s.values);
      history.set(s.instance, h);
    }
  let trainSeconds = 0;
  for (const [instance, h] of history) {
    const metrics = Object.keys(h.values[0]!);
    const columns = metrics.map((m) => Float64Array.from(h.values, (v) => v[m] ?? NaN));
    const seconds = await pipeline.addTwin(instance, toRegular(h.ts, metrics, columns, MIN), epochs, backend);
    trainSeconds += seconds;
    process.stderr.write(`${instance}: twin trained in ${seconds.toFixed(1)} s\n`);
  }

  const truth = faulty.groundTruth(testFrom, testTo);
  const expected: Expected[] = truth.flatMap((r) =>
    r.failure
      ? r.instances.map((instance) => ({
          instance,
          ts: r.failure!.ts,
          kind: r.failure!.kind,
          since: r.start,
          cause: { resource: r.cause },
        }))
      : []
  );
  const judge = new Judge(pipeline, expected);
  const started = performance.now();
  for (const tick of faulty.ticks(testFrom, testTo, MIN)) {
    pipeline.tick(tick.ts, tick.samples);
    judge.at(tick.ts);
    for (const f of tick.failures) pipeline.recordFailure(f.instance, f.ts, f.kind);
  }
  report(
    `failures: ${instances} simulated instances, ${days} test days, ${pipeline.failures.length} failures (${truth.length} injected faults), 1-hour horizon, alert at ${ALERT}`,
    pipeline,
    judge,
    instances * days,
    { train: trainSeconds, run: (performance.now() - started) / 1000 },
    {
      instances,
      days,
      seed,
      injected: truth.map((r) => ({
        kind: r.kind,
        cause: r.cause,
        instances: r.instances,
        failure: r.failure ?? null,
      })),
      downtimeMs: SCENARIO_OUTCOME,
    },
    options
  );
}

interface FailuresFile {
  columns?: string[];
  failures: Record<string, { failure_row: number | null; kind: FailureKind; cause?: string[] }[]>;
}

/**
 * The failures evaluation on a folder in the SMD layout: each machine's twin trained on (the last
 * week of) `train/`, then `test/` run row by row (a minute apart) through the pipeline. The failures
 * to forecast are those of `failures.json` when the folder has one (`failure_row` counted in test
 * rows, null for a fault that passes without failing; `columns` names the columns, which lets their
 * resources be known), else each labelled interpretation segment's start, as an outage caused by
 * the segment's columns.
 */
async function smdFailures(dir: string, options: FailuresEvalOptions): Promise<void> {
  const folder = path.resolve(dir);
  const backend = await tensorflow();
  const file = path.join(folder, 'failures.json');
  const given = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as FailuresFile) : undefined;
  const machines = options.machines ?? smdMachines(folder);
  const rename = (series: RegularSeries): RegularSeries =>
    given?.columns ? { ...series, metrics: series.metrics.map((m, c) => given.columns![c] ?? m) } : series;
  const pipeline = new FailurePipeline();
  const tests = new Map<string, RegularSeries>();
  const expected: Expected[] = [];
  let trainSeconds = 0;
  for (const machine of machines) {
    const train = rename(loadSmdPart(folder, 'train', machine));
    const trainRows = train.values[0]!.length;
    const week = Math.min(trainRows, 7 * 1440);
    const tail = {
      ...train,
      from: (trainRows - week) * SMD_STEP_MS,
      values: train.values.map((v) => v.subarray(trainRows - week)),
    };
    const seconds = await pipeline.addTwin(machine, tail, options.epochs ?? 4, backend);
    trainSeconds += seconds;
    const test = rename(loadSmdPart(folder, 'test', machine, trainRows * SMD_STEP_MS));
    tests.set(machine, test);
    const at = (row: number) => test.from + row * SMD_STEP_MS;
    if (given) {
      for (const f of given.failures[machine] ?? [])
        if (f.failure_row !== null)
          expected.push({
            instance: machine,
            ts: at(f.failure_row),
            kind: f.kind,
            since: at(Math.max(0, f.failure_row - 60)),
            cause: { metrics: f.cause ?? [] },
          });
    } else
      for (const segment of readInterpretation(folder, machine))
        expected.push({
          instance: machine,
          ts: at(segment.start),
          kind: 'outage',
          since: at(Math.max(0, segment.start - 60)),
          cause: { metrics: segment.dims.map((d) => test.metrics[d - 1]!) },
        });
    process.stderr.write(`${machine}: twin trained in ${seconds.toFixed(1)} s\n`);
  }
  const judge = new Judge(pipeline, expected);
  const started = performance.now();
  const due = [...expected].sort((a, b) => a.ts - b.ts);
  const from = Math.min(...[...tests.values()].map((t) => t.from));
  const to = Math.max(...[...tests.values()].map((t) => t.from + t.values[0]!.length * SMD_STEP_MS));
  for (let ts = from; ts < to; ts += SMD_STEP_MS) {
    const samples = [...tests].flatMap(([machine, t]) => {
      const row = Math.round((ts - t.from) / SMD_STEP_MS);
      if (row < 0 || row >= t.values[0]!.length) return [];
      return [{ instance: machine, ts, values: Object.fromEntries(t.metrics.map((m, c) => [m, t.values[c]![row]!])) }];
    });
    pipeline.tick(ts, samples);
    judge.at(ts);
    while (due.length && due[0]!.ts <= ts) {
      const f = due.shift()!;
      pipeline.recordFailure(f.instance, f.ts, f.kind);
    }
  }
  report(
    `failures: ${machines.length} machines of ${folder}, ${expected.length} failures (${given ? 'failures.json' : 'labelled segment starts'}), 1-hour horizon, alert at ${ALERT}`,
    pipeline,
    judge,
    [...tests.values()].reduce((n, t) => n + t.values[0]!.length, 0) / 1440,
    { train: trainSeconds, run: (performance.now() - started) / 1000 },
    { data: folder, machines, source: given ? 'failures.json' : 'interpretation_label segment starts' },
    options
  );
}
