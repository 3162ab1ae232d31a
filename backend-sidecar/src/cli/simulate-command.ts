import fs from 'node:fs';
import { parseDuration } from '../core/duration.ts';
import { FleetSimulator, HttpSink, type SimulatorSink } from '../simulator/index.ts';

export interface SimulateOptions {
  instances: string;
  seed: string;
  backfill: string;
  step: string;
  live: boolean;
  url?: string;
  out?: string;
  token?: string;
  faultsPerDay: string;
  demo: boolean;
}

/** Writes JSON lines: one per batch of samples, one per failure, and the ground truth at the end. */
function fileSink(file: string): SimulatorSink & { close(): void } {
  const fd = fs.openSync(file, 'w');
  return {
    writeSamples: async (instance, labels, samples) => {
      fs.writeSync(fd, JSON.stringify({ type: 'samples', instance, labels, samples }) + '\n');
    },
    recordFailure: async (failure) => {
      fs.writeSync(fd, JSON.stringify({ type: 'failure', ...failure }) + '\n');
    },
    close: () => fs.closeSync(fd),
  };
}

/** `twin simulate`: backfill history for a simulated fleet, then (optionally) stream it live at 1 Hz. */
export async function simulateCommand(options: SimulateOptions): Promise<void> {
  if (!options.url && !options.out) throw new Error('give --url (a sidecar to send to) or --out (a JSON-lines file)');
  const now = Date.now();
  const simulator = new FleetSimulator({
    instances: Number(options.instances),
    seed: Number(options.seed),
    faultsPerInstanceDay: Number(options.faultsPerDay),
    ...(options.demo ? { demoStart: now } : {}),
  });
  const sink = options.url ? new HttpSink(options.url, options.token) : fileSink(options.out!);
  const from = now - parseDuration(options.backfill);
  const isTTY = process.stderr.isTTY;
  const result = await simulator.backfill(sink, from, now, parseDuration(options.step), (f) => {
    if (isTTY) process.stderr.write(`\rbackfill ${(100 * f).toFixed(0)}%`);
  });
  if (isTTY) process.stderr.write('\n');
  const truth = simulator.groundTruth(from, now);
  process.stderr.write(
    `backfilled ${result.samples} samples and ${result.failures} failures; ${truth.length} faults injected\n`
  );
  if ('close' in sink) {
    fs.appendFileSync(options.out!, JSON.stringify({ type: 'ground_truth', runs: truth }) + '\n');
    sink.close();
  }
  if (options.live && options.url) {
    const stop = simulator.live(sink, 1000, (err) => process.stderr.write(`${err.message}\n`));
    const stopAsked = new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    process.stderr.write(
      `streaming ${simulator.profiles.length} instances live at 1 Hz to ${options.url}; Ctrl-C stops\n`
    );
    await stopAsked;
    stop();
  }
}
