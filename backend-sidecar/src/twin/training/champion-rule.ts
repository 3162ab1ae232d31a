import type { RegularSeries } from '../../features/index.ts';
import { startTwin, type LoadedTwin } from '../twin.ts';
import { TWIN_TRAINING } from '../parameters.ts';

/**
 * A twin's one-step error on recent data: the mean over metrics of the RMSE from `fromRow` on,
 * each metric's error in units of `scales` (the candidate's robust spreads, so that two versions
 * with different scalings are measured alike). The twin runs from a little before `fromRow`, so
 * that its window and aggregates are filled when scoring starts.
 */
export function recentError(
  loaded: LoadedTwin,
  series: RegularSeries,
  fromRow: number,
  scales: ReadonlyMap<string, number>,
  warmupRows = TWIN_TRAINING.championWarmupRows.value
): number {
  const twin = startTwin(loaded);
  const from = series.from + fromRow * series.stepMs;
  const sums = new Map<string, { ss: number; n: number }>();
  const n = series.values[0]?.length ?? 0;
  for (let row = Math.max(0, fromRow - warmupRows); row < n; row++) {
    const values: Record<string, number> = {};
    series.metrics.forEach((metric, m) => {
      const v = series.values[m]![row]!;
      if (Number.isFinite(v)) values[metric] = v;
    });
    const step = twin.step(series.from + row * series.stepMs, values);
    if (!step || step.ts < from) continue;
    const actuals = step.actual;
    for (const [metric, predicted] of Object.entries(step.predicted)) {
      const actual = actuals[metric];
      const scale = scales.get(metric);
      if (actual === undefined || scale === undefined) continue;
      const s = sums.get(metric) ?? { ss: 0, n: 0 };
      s.ss += ((actual - predicted) / scale) ** 2;
      s.n++;
      sums.set(metric, s);
    }
  }
  const rmse = [...sums.values()].filter((s) => s.n > 0).map((s) => Math.sqrt(s.ss / s.n));
  return rmse.length ? rmse.reduce((a, b) => a + b, 0) / rmse.length : NaN;
}
