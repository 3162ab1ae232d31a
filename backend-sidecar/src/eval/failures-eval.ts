import { AnomalyDetector } from '../anomaly/index.ts';
import { candidateActions, effectOf, riskOf, withTrends, type WhatIfAction } from '../analysis/what-if.ts';
import {
  ExhaustionForecaster,
  FailurePredictor,
  IncidentCorrelator,
  reliability,
  type FailureEvidence,
  type KindPrediction,
} from '../analysis/index.ts';
import { printTable } from '../bench/load-generator.ts';
import type { FailureKind, Resource } from '../core/types.ts';
import { FleetSimulator, SCENARIO_OUTCOME, type ScenarioRun } from '../simulator/index.ts';
import { DEFAULT_LSTM_OPTIONS, LstmTwinRunner, thresholdsOf } from '../twin/index.ts';
import { trainLstmTwin } from '../twin/lstm-twin.ts';
import { weightsFromArtifacts } from '../twin/lstm/artifacts.ts';
import { tensorflow } from '../twin/lstm/tf-backend.ts';
import { toRegular } from '../features/index.ts';
import { writeFigures } from './write-figures.ts';

export interface FailuresEvalOptions {
  json: boolean;
  out?: string;
  epochs?: number;
  instances?: number;
  days?: number;
  seed?: number;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
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

interface Trace {
  /** Per instance, per minute: the 1-hour prediction per kind, from the learned model and from the trend alone. */
  learned: Map<string, { ts: number; crash: number; outage: number }[]>;
  trend: Map<string, { ts: number; crash: number; outage: number }[]>;
}

interface DetectorFigures {
  failures: number;
  predictedAhead: number;
  medianLeadMin: number;
  falseAlarmsPerInstanceDay: number;
  /** Alerts whose failure came in the second hour: early rather than false. */
  earlyAlarmsPerInstanceDay: number;
  brier: number;
  reliability: ReturnType<typeof reliability>['table'];
}

function score(
  series: Map<string, { ts: number; crash: number; outage: number }[]>,
  failures: { instance: string; ts: number; kind: FailureKind }[],
  instanceDays: number
): DetectorFigures {
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
  // An alert episode (crossing the threshold) with no failure of its kind within the hour after is
  // a false alarm; one whose failure comes within the second hour is counted apart, as early.
  let falseAlarms = 0;
  let earlyAlarms = 0;
  const outcomes: { p: number; y: 0 | 1 }[] = [];
  for (const [instance, points] of series) {
    for (const kind of ['crash', 'outage'] as const) {
      let above = false;
      for (const p of points) {
        const failed = failures.some(
          (f) => f.instance === instance && f.kind === kind && f.ts > p.ts && f.ts <= p.ts + HOUR
        );
        outcomes.push({ p: p[kind], y: failed ? 1 : 0 });
        if (!above && p[kind] >= ALERT && !failed) {
          const early = failures.some(
            (f) => f.instance === instance && f.kind === kind && f.ts > p.ts + HOUR && f.ts <= p.ts + 2 * HOUR
          );
          if (early) earlyAlarms++;
          else falseAlarms++;
        }
        above = p[kind] >= ALERT;
      }
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

/**
 * `npm run eval -- failures`: a simulated fleet with injected faults. Each instance's twin is trained
 * on clean history; then the test days run minute by minute through the whole pipeline (twin,
 * anomaly detector, incidents and root causes, trend forecast, learned failure model re-fitted as
 * failures are recorded, what-if). Printed beside the trend-only forecast (the model's prior): share
 * of failures predicted at least 10 minutes ahead, median lead time, false alarms per instance-day,
 * Brier score and reliability; root-cause accuracy and what-if ranking against the injected causes.
 */
export async function failuresEval(options: FailuresEvalOptions): Promise<void> {
  const instances = options.instances ?? 9;
  const days = options.days ?? 4;
  const seed = options.seed ?? 7;
  const epochs = options.epochs ?? 4;
  const backend = await tensorflow();
  const trainFrom = Date.parse('2026-03-01T00:00:00Z');
  // A week of clean history, the product's default training window (a weekly cycle, like disk clean-ups, is in it).
  const testFrom = trainFrom + 7 * DAY;
  const testTo = testFrom + days * DAY;
  const clean = new FleetSimulator({ instances, seed, faultsPerInstanceDay: 0 });
  const faulty = new FleetSimulator({ instances, seed, faultsPerInstanceDay: 0.6 });

  // Train one twin per instance on the clean week.
  const history = new Map<string, { ts: number[]; values: Record<string, number>[] }>();
  for (const tick of clean.ticks(trainFrom, testFrom, MIN))
    for (const s of tick.samples) {
      const h = history.get(s.instance) ?? { ts: [], values: [] };
      h.ts.push(s.ts);
      h.values.push(s.values);
      history.set(s.instance, h);
    }
  const correlator = new IncidentCorrelator();
  const twins = new Map<string, { runner: LstmTwinRunner; detector: AnomalyDetector; normal: Map<string, number> }>();
  let trainSeconds = 0;
  for (const [instance, h] of history) {
    const metrics = Object.keys(h.values[0]!);
    const series = toRegular(
      h.ts,
      metrics,
      metrics.map((m) => Float64Array.from(h.values, (v) => v[m] ?? NaN)),
      MIN
    );
    const started = performance.now();
    const { model, artifacts } = await trainLstmTwin({
      instance,
      version: 'v0001',
      series,
      options: { ...DEFAULT_LSTM_OPTIONS, maxEpochs: epochs },
      backend,
    });
    trainSeconds += (performance.now() - started) / 1000;
    const runner = new LstmTwinRunner(model, weightsFromArtifacts(artifacts, model.network));
    const tail = h.ts.length - model.network.window - model.features.aggregates.steps - 2;
    for (let i = Math.max(0, tail); i < h.ts.length; i++) runner.step(h.ts[i]!, h.values[i]!);
    const detector = new AnomalyDetector(instance, thresholdsOf(model));
    detector.on('opened', (e) => correlator.add(e));
    detector.on('closed', (e) => correlator.add(e));
    twins.set(instance, { runner, detector, normal: new Map(model.features.inputs.map((i) => [i.metric, i.center])) });
    process.stderr.write(`${instance}: twin trained in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }

  // Samples come a minute apart here (the product sees 1 Hz): the trends are fitted on the last hour.
  const forecaster = new ExhaustionForecaster({ horizonMs: HOUR, lookbackMs: HOUR });
  const predictor = new FailurePredictor({ horizonsMs: [HOUR] });
  const trace: Trace = { learned: new Map(), trend: new Map() };
  const failures: { instance: string; ts: number; kind: FailureKind }[] = [];
  const lastScore = new Map<string, number>();
  const truth = faulty.groundTruth(testFrom, testTo);
  const labels = (id: string) => faulty.labels(id) as Record<string, string | undefined>;
  const rootCauseHits = { top1: 0, top3: 0, judged: 0 };
  const whatIfHits = { first: 0, judged: 0 };
  let lastRefit = testFrom;
  const started = performance.now();
  for (const tick of faulty.ticks(testFrom, testTo, MIN)) {
    forecaster.observe(tick.samples, tick.ts);
    for (const s of tick.samples) {
      const twin = twins.get(s.instance)!;
      const step = twin.runner.step(s.ts, s.values);
      if (!step) continue;
      const point = twin.detector.score(s.ts, step.scores);
      lastScore.set(s.instance, point.instanceScore);
    }
    if (tick.ts % (10 * MIN) === 0) correlator.correlateFleet(labels, tick.ts);
    const forecasts = new Map<string, Record<FailureKind, number>>();
    const causes = new Map<string, { resource: Resource; probability: number; evidence: string }[]>();
    for (const f of forecaster.evaluate(tick.ts)) {
      const byKind = forecasts.get(f.instance) ?? { crash: 0, outage: 0 };
      byKind[f.kind] = f.probability;
      forecasts.set(f.instance, byKind);
      causes.set(f.instance, [...(causes.get(f.instance) ?? []), ...f.causes]);
    }
    for (const [instance, c] of causes) correlator.noteTrends(instance, c, tick.ts);
    for (const [instance, twin] of twins) {
      const trendP = forecasts.get(instance) ?? { crash: 0, outage: 0 };
      const incident = correlator.incidents(instance)[0];
      const recent = incident && (incident.open || incident.end > tick.ts - HOUR) ? incident : undefined;
      const evidence = (kind: FailureKind): FailureEvidence => ({
        trendProbability: trendP[kind],
        anomalyScore: lastScore.get(instance) ?? 0,
        incidentOpen: twin.detector.inIncident,
        rootCause: recent?.rootCauses[0]?.resource,
      });
      const predictions: KindPrediction[] = predictor.observe(instance, tick.ts, {
        crash: evidence('crash'),
        outage: evidence('outage'),
      });
      const p = (kind: FailureKind) => predictions.find((x) => x.kind === kind)!.probability;
      push(trace.learned, instance, { ts: tick.ts, crash: p('crash'), outage: p('outage') });
      push(trace.trend, instance, { ts: tick.ts, crash: trendP.crash, outage: trendP.outage });
    }
    // Root cause and what-if are judged on what the pipeline knows 10 minutes before each failure.
    for (const run of truth)
      if (run.failure && run.failure.ts - LEAD_NEEDED <= tick.ts && run.failure.ts - LEAD_NEEDED > tick.ts - MIN)
        for (const instance of run.instances) judge(run, instance, tick.ts);
    for (const f of tick.failures) {
      failures.push({ instance: f.instance, ts: f.ts, kind: f.kind });
      predictor.recordFailure(f.instance, f.ts, f.kind);
    }
    // The product re-fits when failures are recorded; here at most every 6 simulated hours, for speed.
    if (failures.length && tick.ts - lastRefit >= 6 * HOUR) {
      predictor.refit(tick.ts);
      lastRefit = tick.ts;
    }
  }
  const runSeconds = (performance.now() - started) / 1000;

  /** Root cause and what-if judged for a coming failure, on what the pipeline knows now. */
  function judge(run: ScenarioRun, instance: string, now: number): void {
    const incident = correlator.incidents(instance).find((i) => i.start <= now && i.end >= run.start - HOUR);
    rootCauseHits.judged++;
    // Without an incident, the causes are the resources the trend forecast sees heading for their limit.
    const trendCauses = (forecaster.forecast(instance, now) ?? [])
      .flatMap((f) => f.causes)
      .filter((c) => c.probability >= 0.05)
      .sort((a, b) => b.probability - a.probability)
      .map((c) => c.resource);
    const ranked = incident ? incident.rootCauses.map((c) => c.resource) : trendCauses;
    if (ranked[0] === run.cause) rootCauseHits.top1++;
    if (ranked.slice(0, 3).includes(run.cause)) rootCauseHits.top3++;
    const twin = twins.get(instance)!;
    try {
      const trends = forecaster.forecast(instance, now).flatMap((f) => f.causes);
      const plain = riskOf(withTrends(twin.runner.forecast(60), trends));
      const worst = (r: ReturnType<typeof riskOf>) => Math.max(r.probability.crash, r.probability.outage);
      const ranked = candidateActions(['memory', 'cpu', 'disk', 'host'])
        .map((action) => {
          const effect = effectOf([action], (m) => twin.normal.get(m));
          return {
            action,
            drop: worst(plain) - worst(riskOf(withTrends(twin.runner.forecast(60, effect), trends, effect))),
          };
        })
        .sort((a, b) => b.drop - a.drop);
      whatIfHits.judged++;
      if (ranked[0] && ranked[0].drop > 0 && REMEDY[run.cause]!.includes(ranked[0].action.type)) whatIfHits.first++;
    } catch {
      // the twin could not forecast (too little history): not judged
    }
  }

  const instanceDays = instances * days;
  const learned = score(trace.learned, failures, instanceDays);
  const trend = score(trace.trend, failures, instanceDays);
  const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  printTable(
    `failures: ${instances} simulated instances, ${days} test days, ${failures.length} failures (${truth.length} injected faults), 1-hour horizon, alert at ${ALERT}`,
    ['', 'twin (learned model)', 'trend forecast alone'],
    [
      ['failures predicted >= 10 min ahead', f(learned.predictedAhead), f(trend.predictedAhead)],
      ['median lead time, min', f(learned.medianLeadMin, 0), f(trend.medianLeadMin, 0)],
      [
        'false alarms per instance-day (no failure within 2 h)',
        f(learned.falseAlarmsPerInstanceDay),
        f(trend.falseAlarmsPerInstanceDay),
      ],
      [
        'early alarms per instance-day (failure in the 2nd hour)',
        f(learned.earlyAlarmsPerInstanceDay),
        f(trend.earlyAlarmsPerInstanceDay),
      ],
      ['Brier score', f(learned.brier, 4), f(trend.brier, 4)],
      [
        'root cause top-1 / top-3 (of failures)',
        `${f(rootCauseHits.top1 / rootCauseHits.judged)} / ${f(rootCauseHits.top3 / rootCauseHits.judged)}`,
        '',
      ],
      ['what-if ranks the remedy first', f(whatIfHits.first / whatIfHits.judged), ''],
      ['training / pipeline seconds', `${trainSeconds.toFixed(0)} / ${runSeconds.toFixed(0)}`, ''],
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
      instances,
      days,
      seed,
      injected: truth.map((r) => ({
        kind: r.kind,
        cause: r.cause,
        instances: r.instances,
        failure: r.failure ?? null,
      })),
      twin: { ...learned, rootCause: rootCauseHits, whatIf: whatIfHits },
      peer: { name: 'trend forecast alone (the prior)', ...trend },
      downtimeMs: SCENARIO_OUTCOME,
    },
    options
  );
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}
