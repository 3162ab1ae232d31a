import type { EvalOptions, SimulationOptions } from '../eval/eval-options.ts';

/** What the benchmarks and evaluations take from the command line. */
export interface MeasureOptions extends EvalOptions, SimulationOptions {
  /** Fleet sizes and seconds of load (bench fleet). */
  sizes?: number[];
  seconds?: number;
  /** Generated inputs (bench chaos). */
  inputs?: number;
}

export type Measure = (options: MeasureOptions) => Promise<void>;

/** Benchmarks (`npm run bench -- NAME`) by name; each prints its figures beside a peer's from the same run. */
export const BENCHMARKS: Record<string, Measure> = {
  store: async (o) => (await import('../store/store.bench.ts')).storeBench(o),
  agent: async (o) => (await import('../agent/agent.bench.ts')).agentBench(o),
  ingest: async (o) => (await import('../ingest/ingest.bench.ts')).ingestBench(o),
  twin: async (o) => (await import('../twin/twin.bench.ts')).twinBench(o),
  fleet: async (o) => (await import('../bench/fleet.bench.ts')).fleetBench(o),
  chaos: async (o) => (await import('../bench/chaos.bench.ts')).chaosBench(o),
};

/** Evaluations (`npm run eval -- NAME`) by name; each scores detection against labels with the system's own thresholds. */
export const EVALUATIONS: Record<string, Measure> = {
  smd: async (o) => (await import('../eval/smd-eval.ts')).smdEval(o),
  nab: async (o) => (await import('../eval/nab-eval.ts')).nabEval(o),
  logs: async (o) => (await import('../eval/logs-eval.ts')).logsEval(o),
  failures: async (o) => (await import('../eval/failures-eval.ts')).failuresEval(o),
  forecast: async (o) => (await import('../eval/forecast-eval.ts')).forecastEval(o),
};

export async function runNamed(
  what: string,
  registry: Record<string, Measure>,
  name: string | undefined,
  options: MeasureOptions
): Promise<void> {
  const names = Object.keys(registry);
  const available = names.length ? names.join(', ') : 'none yet';
  if (!name) {
    process.stdout.write(`available: ${available}\n`);
    return;
  }
  const run = registry[name];
  if (!run) {
    process.stderr.write(`twin: no ${what} named "${name}" (available: ${available})\n`);
    process.exitCode = 2;
    return;
  }
  await run(options);
}
