import os from 'node:os';
import { median, report } from './load-generator.ts';
import { ingestSimulatedHistory, startTestSidecar } from '../testing/test-sidecar.ts';
import type { LoadedTwin } from '../twin/index.ts';
import type { ColumnarBatch } from '../core/columnar.ts';
import { FleetSimulator } from '../simulator/index.ts';
import { InfluxDBv1Store } from '../store/influxdb-v1-store.ts';
import { startInfluxDB1 } from '../testing/test-servers.ts';
import type { IngestBatch } from '../ingest/validate-batch.ts';

const MIN = 60_000;
/** Instances per ingest request, as a few hundred agents' batches arrive together. */
const PER_REQUEST = 500;

export interface FleetBenchOptions {
  json: boolean;
  /** Fleet sizes (default 1,000, 5,000 and 20,000). */
  sizes?: number[];
  /** Seconds of 1 Hz load measured per size. */
  seconds?: number;
  epochs?: number;
}

interface SizeFigures {
  instances: number;
  offeredPerS: number;
  scoredPerS: number;
  /** Share of samples scored within 1 s of being sent, and the latency percentiles. */
  within1s: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  rssMb: number;
  /** RSS growth per instance (the store's cache included) and the JavaScript heap's (twins, live state). */
  kbPerInstance: number;
  heapKbPerInstance: number;
  cpuPerInstanceUs: number;
  warmupS: number;
  firstRoundHours: number;
  /** Samples that reached the live feed before their twin could score them. */
  unscored: number;
  peer?: { storedPerS: number; p99Ms: number; within1s: number } | undefined;
}

interface Template {
  loaded: LoadedTwin;
  trainSeconds: number;
  trainThreads: number;
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/** Each simulated instance's values of one minute: what the live samples vary around. */
function lastValues(instances: number, now: number): Map<string, Record<string, number>> {
  const sim = new FleetSimulator({ instances, seed: 3, faultsPerInstanceDay: 0 });
  const bases = new Map<string, Record<string, number>>();
  for (const tick of sim.ticks(now - MIN, now, MIN)) for (const s of tick.samples) bases.set(s.instance, s.values);
  return bases;
}

/** Samples one second of the fleet: each instance's last history values with a little noise. */
function secondOf(bases: Map<string, Record<string, number>>, ts: number, seed: number): IngestBatch[] {
  const out: IngestBatch[] = [];
  let k = seed;
  for (const [instance, base] of bases) {
    const values: Record<string, number> = {};
    for (const m in base) {
      k = (k * 1103515245 + 12345) & 0x7fffffff;
      values[m] = base[m]! * (1 + ((k / 0x7fffffff) * 0.02 - 0.01));
    }
    out.push({ instance, samples: [{ ts, values }] });
  }
  return out;
}

/**
 * Drives one fleet size through a sidecar on embedded defaults at 1 Hz for `seconds`: every
 * instance has a live LSTM twin (copies of one trained twin: training thousands is the backlog
 * figure, not this run), samples arrive as agents' batches through the ingest path (validation,
 * write-ahead log, store, live feed), and each is timed from sending to scored by its twin.
 */
async function runSize(instances: number, seconds: number, template: Template): Promise<SizeFigures> {
  const sidecar = await startTestSidecar({}, { TWIN_PARSE_WORKERS: '0' });
  await sidecar.trainer.stop(); // this run measures the live path; training is the backlog figure
  try {
    const rss0 = process.memoryUsage().rss;
    const heap = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const heap0 = heap();
    const now = Math.floor(Date.now() / MIN) * MIN;
    process.stderr.write(`fleet ${instances}: 40 minutes of history for every instance (the twins start from it)\n`);
    await ingestSimulatedHistory(sidecar, { instances, seed: 3, days: 40 / 1440, now });
    const ids = sidecar.instances.list().map((i) => i.id);
    for (const id of ids) sidecar.models.adopt(id, template.loaded);
    const bases = lastValues(instances, now);

    // When each sample was sent, and when its twin scored it (right after the sidecar's own
    // listener on the live feed, which scores synchronously).
    const sentAt = new Map<number, number>();
    const latencies: number[] = [];
    let lastScoredAt = 0;
    let unscored = 0;
    let measuring = false;
    sidecar.feed.subscribe((batches: readonly ColumnarBatch[]) => {
      const t = performance.now();
      for (const b of batches) {
        const ts = b.ts[b.ts.length - 1]!;
        const sent = sentAt.get(ts);
        if (sent === undefined || !measuring) continue;
        if ((sidecar.scorer.state(b.instance)?.lastScoredTs ?? 0) >= ts) {
          latencies.push(t - sent);
          lastScoredAt = t;
        } else unscored++;
      }
    });
    const send = async (ts: number) => {
      const batches = secondOf(bases, ts, ts);
      sentAt.set(ts, performance.now());
      const requests: Promise<number>[] = [];
      for (let i = 0; i < batches.length; i += PER_REQUEST)
        requests.push(sidecar.ingest.ingestMany(batches.slice(i, i + PER_REQUEST)));
      await Promise.all(requests);
    };

    // Warm-up: each twin starts from its history at its first live sample.
    const warm = performance.now();
    let ts = now + 1000;
    await send(ts);
    await sidecar.ingest.drain();
    while (ids.some((id) => !sidecar.scorer.state(id)?.runner)) await new Promise((r) => setTimeout(r, 50));
    const warmupS = (performance.now() - warm) / 1000;

    // Measured: one sample per instance a second, on the wall clock.
    measuring = true;
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    for (let s = 1; s <= seconds; s++) {
      ts = now + 1000 + s * 1000;
      const due = started + (s - 1) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await send(ts);
    }
    await sidecar.ingest.drain();
    // The load lasts `seconds`; a backlog scored after it makes the sustained rate lower.
    const elapsed = Math.max(seconds, (lastScoredAt - started) / 1000);
    const cpu = process.cpuUsage(cpu0);
    const rss = process.memoryUsage().rss;
    const sent = instances * seconds;
    return {
      instances,
      offeredPerS: instances,
      scoredPerS: latencies.length / elapsed,
      within1s: latencies.filter((l) => l <= 1000).length / sent,
      p50Ms: median(latencies),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.reduce((m, l) => Math.max(m, l), 0),
      rssMb: rss / 2 ** 20,
      kbPerInstance: (rss - rss0) / instances / 1024,
      heapKbPerInstance: (heap() - heap0) / instances / 1024,
      cpuPerInstanceUs: (cpu.user + cpu.system) / sent,
      warmupS,
      firstRoundHours: (instances * template.trainSeconds) / template.trainThreads / 3600,
      unscored,
    };
  } finally {
    await sidecar.stop();
  }
}

/** The peer: InfluxDB 1.x (Debian) storing the same fleet's samples at 1 Hz, no twins. */
async function runPeer(instances: number, seconds: number): Promise<SizeFigures['peer']> {
  const influx = await startInfluxDB1().catch(() => undefined);
  if (!influx) return undefined;
  try {
    const store = new InfluxDBv1Store({ url: influx.url, database: 'fleet' });
    await store.ensureDatabase();
    const now = Math.floor(Date.now() / MIN) * MIN;
    const bases = lastValues(instances, now);
    const latencies: number[] = [];
    const started = performance.now();
    for (let s = 1; s <= seconds; s++) {
      const wait = started + (s - 1) * 1000 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const t0 = performance.now();
      const batches = secondOf(bases, now + s * 1000, s);
      const samples = batches.map((b) => ({ instance: b.instance, ...b.samples[0]! }));
      const writes: Promise<void>[] = [];
      for (let i = 0; i < samples.length; i += 5000) writes.push(store.write(samples.slice(i, i + 5000)));
      await Promise.all(writes);
      latencies.push(performance.now() - t0);
    }
    // As for Twin: over at least the load's length (its first second starts at once, so the last
    // write ends under `seconds` in: without this the peer stored more a second than was offered).
    const elapsed = Math.max(seconds, (performance.now() - started) / 1000);
    return {
      storedPerS: (instances * seconds) / elapsed,
      p99Ms: percentile(latencies, 99),
      within1s: latencies.filter((l) => l <= 1000).length / latencies.length,
    };
  } finally {
    await influx.stop();
  }
}

/** Trains the one twin every instance of the runs gets a copy of, and times it (the backlog figure). */
async function trainTemplate(epochs: number): Promise<Template> {
  const sidecar = await startTestSidecar({}, { TWIN_TRAIN_EPOCHS: String(epochs), TWIN_MIN_HISTORY: '1h' });
  await sidecar.trainer.stop();
  try {
    const now = Math.floor(Date.now() / MIN) * MIN;
    await ingestSimulatedHistory(sidecar, { instances: 1, seed: 3, days: 1, now });
    const started = performance.now();
    await sidecar.trainer.train('sim-001', now);
    return {
      loaded: sidecar.models.loadedChampion('sim-001')!,
      trainSeconds: (performance.now() - started) / 1000,
      trainThreads: sidecar.config.trainThreads,
    };
  } finally {
    await sidecar.stop();
  }
}

/**
 * `npm run bench -- fleet`: a simulated fleet of 1,000, 5,000 and 20,000 instances at 1 Hz through
 * one sidecar on this machine: sustained ingest, time from a sample's sending to its twin's score,
 * memory, CPU per instance, and the training backlog a first round would take; beside InfluxDB 1.x
 * (Debian) storing the same samples without twins.
 */
export async function fleetBench(options: FleetBenchOptions): Promise<void> {
  const sizes = options.sizes?.length ? options.sizes : [1000, 5000, 20_000];
  const seconds = options.seconds ?? 20;
  const epochs = options.epochs ?? 20;
  process.stderr.write(`training the template twin (1 day of 1-minute history, at most ${epochs} epochs)\n`);
  const template = await trainTemplate(epochs);
  const runs: SizeFigures[] = [];
  for (const instances of sizes) {
    const figures = await runSize(instances, seconds, template);
    figures.peer = await runPeer(instances, seconds);
    runs.push(figures);
    global.gc?.();
  }
  const fmt = (v: number, d = 0) => v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const rows: [string, string, string, string][] = [];
  for (const r of runs) {
    const n = fmt(r.instances);
    rows.push(
      [
        `${n}: samples stored and scored per second (peer: stored by InfluxDB)`,
        fmt(r.scoredPerS),
        r.peer ? fmt(r.peer.storedPerS) : '',
        r.peer ? (r.scoredPerS / r.peer.storedPerS).toFixed(2) : '',
      ],
      [
        `${n}: share of samples scored within 1 s of sending (peer: seconds stored within 1 s)`,
        fmt(r.within1s * 100, 1) + ' %',
        r.peer ? fmt(r.peer.within1s * 100, 1) + ' %' : '',
        '',
      ],
      [
        `${n}: latency to score, p50 / p99 / max, ms`,
        `${fmt(r.p50Ms)} / ${fmt(r.p99Ms)} / ${fmt(r.maxMs)}`,
        r.peer ? `p99 ${fmt(r.peer.p99Ms)}` : '',
        '',
      ],
      [
        `${n}: memory: process RSS MB / RSS growth per instance KB / JS heap per instance KB`,
        `${fmt(r.rssMb)} / ${fmt(r.kbPerInstance, 1)} / ${fmt(r.heapKbPerInstance, 1)}`,
        '',
        '',
      ],
      [`${n}: CPU per instance-sample (all threads: DuckDB's too), microseconds`, fmt(r.cpuPerInstanceUs, 1), '', ''],
      [`${n}: twins started from history at the first sample, seconds`, fmt(r.warmupS, 1), '', ''],
      [
        `${n}: first training round, hours on ${template.trainThreads} threads (${fmt(template.trainSeconds, 1)} s a twin)`,
        fmt(r.firstRoundHours, 1),
        '',
        '',
      ]
    );
  }
  const w = template.loaded.weights;
  const weightsKb = w
    ? [w.kernel, w.recurrent, w.bias, w.denseKernel, w.denseBias].reduce((n, a) => n + a.byteLength, 0) / 1024
    : 0;
  rows.push([
    'weights of one twin, KB (the runs share one set; distinct twins add this per instance)',
    fmt(weightsKb, 1),
    '',
    '',
  ]);
  report(
    `fleet at 1 Hz through one sidecar's ingest service (no HTTP; embedded store, LSTM twins), ${seconds} s per size, ${os.availableParallelism()} cores`,
    rows,
    options.json,
    {
      bench: 'fleet',
      cpus: os.availableParallelism(),
      seconds,
      trainSecondsPerTwin: template.trainSeconds,
      weightsKbPerTwin: weightsKb,
      twin: runs.map(({ peer: _peer, ...r }) => r),
      peer: {
        name: 'InfluxDB 1.x (Debian), storing only',
        runs: runs.map((r) => ({ instances: r.instances, ...r.peer })),
      },
      ratio: runs.map((r) => ({ instances: r.instances, stored: r.peer ? r.scoredPerS / r.peer.storedPerS : null })),
    }
  );
}
