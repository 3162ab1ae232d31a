import fs from 'node:fs';
import path from 'node:path';
import { toRegular, type RegularSeries } from '../features/index.ts';
import { FleetSimulator } from '../simulator/index.ts';
import type { LstmTwinOptions } from '../twin/lstm/lstm-metadata.ts';
import { tensorflow, type TfBackend } from '../twin/lstm/tf-backend.ts';
import { printTable } from '../bench/load-generator.ts';
import { EVAL_RETRAIN_MS, RollingTwin } from './rolling-twin.ts';
import { writeFigures } from './write-figures.ts';
import type { EvalOptions, SimulationOptions } from './eval-options.ts';
import { loadSmdPart, smdMachines, smdPart, SHARED_DATA } from './smd-data.ts';
import { loadNabFiles, NAB_METRIC, NAB_TWIN_OPTIONS, nabPart, stepOf } from './nab-data.ts';
import { probationRows } from './nab-scoring.ts';
import {
  FORECAST_HORIZONS,
  NAIVE_FORECASTERS,
  naiveAvailable,
  naiveForecast,
  pooledSkill,
  SeriesSkillTally,
  type PooledSkill,
  gaussianInterval,
  type PointForecast,
  type SeriesSkill,
} from './forecast-skill.ts';

const MIN = 60_000;
const DAY = 86_400_000;
const WEEK_MS = 7 * DAY;
/** Rolling origins per series at least (spaced at most an hour of steps apart), so short series are scored as often as long ones. */
const ORIGINS_PER_SERIES = 200;
const MAX_ORIGIN_SPACING = 60;
/** The twin's forecasters: its direct heads, the same twin rolled forward, and the untrained network's heads. */
const TWINS = ['twin', 'twin rolled forward', 'untrained twin'] as const;

/** One recorded series a twin forecasts: the history it starts from, and the test rows forecast from. */
interface ForecastSource {
  name: string;
  /** development, validation, or the data's own (simulated). */
  part: string;
  series: RegularSeries;
  /** The first test row; the rows before it are the twin's first training. */
  testFrom: number;
  lstm?: Partial<LstmTwinOptions>;
}

export type ForecastEvalOptions = EvalOptions & SimulationOptions;

function rowsOf(series: RegularSeries, from: number, to: number): RegularSeries {
  return {
    from: series.from + from * series.stepMs,
    stepMs: series.stepMs,
    metrics: series.metrics,
    values: series.values.map((v) => v.slice(from, to)),
  };
}

/** SMD: each machine's train part then its test part, one series; the test part forecast. */
function smdSources(dir: string): ForecastSource[] {
  return smdMachines(dir).map((machine) => {
    const train = loadSmdPart(dir, 'train', machine);
    const rows = train.values[0]!.length;
    const test = loadSmdPart(dir, 'test', machine, rows * train.stepMs);
    return {
      name: machine,
      part: smdPart(machine),
      series: {
        ...train,
        values: train.values.map((v, c) => {
          const both = new Float64Array(v.length + test.values[c]!.length);
          both.set(v);
          both.set(test.values[c]!, v.length);
          return both;
        }),
      },
      testFrom: rows,
    };
  });
}

/** NAB: every file of the folder at its median step, the probationary rows its first training. */
function nabSources(dir: string): ForecastSource[] {
  return loadNabFiles(dir, () => true).map((file) => {
    const series = toRegular(file.ts, [NAB_METRIC], [file.values], stepOf(file.ts));
    return {
      name: file.name,
      part: nabPart(file.corpus),
      series,
      testFrom: probationRows(series.values[0]!.length),
      lstm: NAB_TWIN_OPTIONS,
    };
  });
}

/** The simulator: a week of history per instance (its faults included), then `days` to forecast. */
function simulatedSources(instances: number, days: number, seed: number): ForecastSource[] {
  const from = Date.parse('2026-03-01T00:00:00Z');
  const simulator = new FleetSimulator({ instances, seed });
  const samples = new Map<string, Record<string, number>[]>();
  const ts: number[] = [];
  for (const tick of simulator.ticks(from, from + WEEK_MS + days * DAY, MIN)) {
    ts.push(tick.ts);
    for (const s of tick.samples) {
      const rows = samples.get(s.instance) ?? [];
      rows.push(s.values);
      samples.set(s.instance, rows);
    }
  }
  return [...samples].map(([instance, rows]) => {
    const metrics = Object.keys(rows[0]!);
    const columns = metrics.map((m) => Float64Array.from(rows, (v) => v[m] ?? NaN));
    return {
      name: instance,
      part: `simulated (seed ${seed})`,
      series: toRegular(ts.slice(0, rows.length), metrics, columns, MIN),
      testFrom: WEEK_MS / MIN,
    };
  });
}

function sourcesFor(options: ForecastEvalOptions): { data: string; sources: ForecastSource[] } {
  if (options.data === 'simulator')
    return {
      data: 'simulator',
      sources: simulatedSources(options.instances ?? 4, options.days ?? 3, options.seed ?? 7),
    };
  const dir = path.resolve(options.data ?? path.join(SHARED_DATA, 'smd'));
  if (fs.existsSync(path.join(dir, 'train')) && fs.existsSync(path.join(dir, 'test')))
    return { data: dir, sources: smdSources(dir) };
  if (fs.existsSync(path.join(dir, 'labels', 'combined_windows.json'))) return { data: dir, sources: nabSources(dir) };
  throw new Error(
    `${dir}: neither the SMD layout (train/, test/) nor a NAB folder (labels/combined_windows.json); ` +
      'pass --data DIR or --data simulator'
  );
}

/** Per origin row, per metric: the forecasts at each horizon, direct (the heads) and rolled forward. */
type TwinForecasts = Map<number, Record<string, { direct: PointForecast[]; rolled: PointForecast[] }>>;

/**
 * Runs a twin over a source's test rows as the product does (trained on the history, retrained on
 * its rolling window every `retrainMs`) and forecasts at every origin twice: directly, by the
 * model's horizon heads with their calibrated intervals, and by rolling its one-step predictions
 * forward, whose interval at h steps is the one-step error grown as sqrt(h) (as if its errors were
 * independent steps of a walk). A model without heads forecasts directly as it rolls forward.
 */
async function runTwin(
  source: ForecastSource,
  epochs: number,
  retrainMs: number,
  origins: Set<number>,
  backend: TfBackend
): Promise<{ gauges: string[]; forecasts: TwinForecasts; withoutHeads: number }> {
  const { series, testFrom } = source;
  const twin = await RollingTwin.start(
    {
      instance: source.name,
      metrics: series.metrics,
      stepMs: series.stepMs,
      windowMs: WEEK_MS,
      retrainMs,
      epochs,
      lstm: source.lstm,
      backend,
    },
    rowsOf(series, 0, testFrom)
  );
  const forecasts: TwinForecasts = new Map();
  let withoutHeads = 0;
  const n = series.values[0]!.length;
  const longest = FORECAST_HORIZONS[FORECAST_HORIZONS.length - 1]!;
  for (let r = testFrom; r < n; r++) {
    const ts = series.from + r * series.stepMs;
    const sample: Record<string, number> = {};
    series.metrics.forEach((m, c) => (sample[m] = series.values[c]![r]!));
    await twin.step(ts, sample);
    if (!origins.has(r)) continue;
    const forecast = twin.forecast(Math.ceil((longest * series.stepMs) / twin.stepMs));
    if (!forecast) continue;
    const direct = twin.horizonForecast();
    if (!direct) withoutHeads++;
    const at: Record<string, { direct: PointForecast[]; rolled: PointForecast[] }> = {};
    for (const [metric, f] of Object.entries(forecast.metrics)) {
      const rolled = FORECAST_HORIZONS.map((h) => {
        const j = (ts + h * series.stepMs - forecast.from) / forecast.stepMs;
        const mean = Number.isInteger(j) && j >= 0 && j < f.values.length ? f.values[j]! : NaN;
        return { mean, interval: gaussianInterval(mean, f.error * Math.sqrt(h)) };
      });
      const heads = direct?.metrics[metric];
      const byHead = FORECAST_HORIZONS.map((h, hi) => {
        const i = direct ? direct.horizons.findIndex((steps) => steps * direct.stepMs === h * series.stepMs) : -1;
        if (!heads || i < 0) return rolled[hi]!;
        return {
          mean: heads.mean[i]!,
          interval: {
            lower80: heads.lower80[i]!,
            upper80: heads.upper80[i]!,
            lower95: heads.lower95[i]!,
            upper95: heads.upper95[i]!,
          },
        };
      });
      at[metric] = { direct: byHead, rolled };
    }
    forecasts.set(r, at);
  }
  return { gauges: twin.gauges, forecasts, withoutHeads };
}

interface ItemFigures {
  item: string;
  part: string;
  stepMs: number;
  skills: SeriesSkill[];
  /** Metrics the twins did not forecast (and why), scored by nobody. */
  withoutTwin: { metric: string; reason: string }[];
  /** Origins at which a twin had no heads (its history too short to calibrate them) and forecast rolled forward. */
  withoutHeads: Record<'twin' | 'untrained twin', number>;
}

async function evaluateSource(
  source: ForecastSource,
  epochs: number,
  retrainMs: number,
  backend: TfBackend
): Promise<ItemFigures> {
  const { series, testFrom } = source;
  const n = series.values[0]!.length;
  const spacing = Math.max(1, Math.min(MAX_ORIGIN_SPACING, Math.floor((n - testFrom) / ORIGINS_PER_SERIES)));
  const origins = new Set<number>();
  for (let r = testFrom; r < n - 1; r += spacing) origins.add(r);
  const stepsPerDay = Math.round(DAY / series.stepMs);
  const runs: Partial<Record<'twin' | 'untrained twin', Awaited<ReturnType<typeof runTwin>>>> = {};
  const failed: string[] = [];
  for (const [name, e] of [
    ['twin', epochs],
    ['untrained twin', 0],
  ] as const) {
    try {
      runs[name] = await runTwin(source, e, retrainMs, origins, backend);
    } catch (error) {
      failed.push(`${name}: ${(error as Error).message}`);
    }
  }
  const figures: ItemFigures = {
    item: source.name,
    part: source.part,
    stepMs: series.stepMs,
    skills: [],
    withoutTwin: [],
    withoutHeads: { twin: runs.twin?.withoutHeads ?? 0, 'untrained twin': runs['untrained twin']?.withoutHeads ?? 0 },
  };
  const naive = NAIVE_FORECASTERS.filter((k) => naiveAvailable(k, testFrom, stepsPerDay));
  series.metrics.forEach((metric, c) => {
    const missing = (['twin', 'untrained twin'] as const).filter((t) => !runs[t]?.gauges.includes(metric));
    if (missing.length) {
      figures.withoutTwin.push({
        metric,
        reason: failed.length
          ? failed.join('; ')
          : `not forecast by the ${missing.join(' and ')} (dropped, or a counter)`,
      });
      return;
    }
    const column = series.values[c]!;
    const tally = new SeriesSkillTally(`${source.name}/${metric}`, [...TWINS, ...naive]);
    for (const origin of origins)
      FORECAST_HORIZONS.forEach((h, hi) => {
        if (origin + h >= n) return;
        const forecasts: Record<string, PointForecast> = {};
        const trained = runs.twin!.forecasts.get(origin)?.[metric];
        forecasts.twin = trained?.direct[hi] ?? { mean: NaN };
        forecasts['twin rolled forward'] = trained?.rolled[hi] ?? { mean: NaN };
        forecasts['untrained twin'] = runs['untrained twin']!.forecasts.get(origin)?.[metric]?.direct[hi] ?? {
          mean: NaN,
        };
        for (const k of naive) forecasts[k] = { mean: naiveForecast(k, column, origin, h, stepsPerDay) };
        tally.add(hi, column[origin + h]!, forecasts);
      });
    figures.skills.push(tally.summary(TWINS));
  });
  return figures;
}

const ratio = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x.toFixed(3) : '-');
const share = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? `${Math.round(100 * x)}%` : '-');

function horizonHeader(items: ItemFigures[]): string[] {
  const steps = new Set(items.map((i) => i.stepMs));
  const stepMs = steps.size === 1 ? [...steps][0]! : undefined;
  return FORECAST_HORIZONS.map((h) =>
    stepMs ? `${h} step${h > 1 ? 's' : ''} (${(h * stepMs) / MIN} min)` : `${h} step${h > 1 ? 's' : ''}`
  );
}

/**
 * `npm run eval -- forecast --data DIR`: the twin's forecasting skill. Per series (an SMD machine's
 * metric, a NAB file, a simulated instance's metric) the twin runs as the product does, and from
 * rolling origins over the test part its forecasts 1, 10 and 60 steps ahead are scored beside
 * persistence, seasonal naive (a day and a week before), a rolling mean and the untrained network,
 * on the same points: MAE relative to the best naive forecast (geometric mean over series, and the
 * share of series below it), and for the twins' intervals the 80 % and 95 % coverage and the
 * pinball loss. Per part (development, validation) as the data's layout says.
 */
export async function forecastEval(options: ForecastEvalOptions): Promise<void> {
  const epochs = options.epochs ?? 8;
  const retrainMs = options.retrainMs ?? EVAL_RETRAIN_MS;
  const { data, sources: all } = sourcesFor(options);
  const wanted = options.machines;
  const sources = wanted ? all.filter((s) => wanted.includes(s.name) || wanted.includes(s.part)) : all;
  if (!sources.length)
    throw new Error(`no series to forecast in ${data}${wanted ? ` among ${wanted.join(', ')}` : ''}`);
  const backend = await tensorflow();
  const items: ItemFigures[] = [];
  const started = performance.now();
  for (const [i, source] of sources.entries()) {
    const t0 = performance.now();
    const figures = await evaluateSource(source, epochs, retrainMs, backend);
    items.push(figures);
    process.stderr.write(
      `[${i + 1}/${sources.length}] ${source.part} ${source.name}: ${figures.skills.length} series forecast` +
        `${figures.withoutTwin.length ? `, ${figures.withoutTwin.length} without a twin` : ''} ` +
        `(${((performance.now() - t0) / 1000).toFixed(0)} s)\n`
    );
  }
  const forecasters = [...TWINS, ...NAIVE_FORECASTERS];
  const parts = [...new Set(items.map((i) => i.part))];
  const pooled: Record<string, Record<string, PooledSkill>> = {};
  for (const part of parts) {
    const inPart = items.filter((i) => i.part === part);
    const skills = inPart.flatMap((i) => i.skills);
    pooled[part] = Object.fromEntries(forecasters.map((f) => [f, pooledSkill(skills, f)]));
    const without = inPart.flatMap((i) => i.withoutTwin.map((w) => `${i.item}/${w.metric}`));
    const header = horizonHeader(inPart);
    printTable(
      `forecast ${part}: ${skills.length} series in ${inPart.length} items${without.length ? ` (${without.length} without a twin)` : ''}; ` +
        'MAE / best naive MAE, geometric mean over series (share of series below the best naive)',
      ['', ...header],
      forecasters.map((f) => [
        f,
        ...FORECAST_HORIZONS.map(
          (_, hi) => `${ratio(pooled[part]![f]!.relativeMae[hi])} (${share(pooled[part]![f]!.beatsBestNaive[hi])})`
        ),
      ])
    );
    printTable(
      `forecast ${part}: intervals, 80 % and 95 % coverage, pinball loss / best naive MAE`,
      ['', ...header],
      TWINS.map((f) => [
        f,
        ...FORECAST_HORIZONS.map((_, hi) => {
          const p = pooled[part]![f]!;
          return `${share(p.coverage80?.[hi])} / ${share(p.coverage95?.[hi])} / ${ratio(p.relativePinball?.[hi])}`;
        }),
      ])
    );
  }
  printTable(
    'forecast per item: twin and untrained twin MAE / best naive MAE (geometric mean over its series), at each horizon',
    ['', 'part', 'series', ...TWINS],
    items.map((item) => [
      item.item,
      item.part,
      String(item.skills.length),
      ...TWINS.map((t) => pooledSkill(item.skills, t).relativeMae.map(ratio).join(' / ')),
    ])
  );
  const document = {
    eval: 'forecast',
    data,
    epochs,
    retrainMs,
    horizons: FORECAST_HORIZONS,
    seconds: (performance.now() - started) / 1000,
    twin: Object.fromEntries(parts.map((p) => [p, pooled[p]!.twin])),
    peer: Object.fromEntries(
      parts.map((p) => [p, Object.fromEntries(forecasters.slice(1).map((f) => [f, pooled[p]![f]]))])
    ),
    items,
  };
  writeFigures('forecast', document, options);
}
