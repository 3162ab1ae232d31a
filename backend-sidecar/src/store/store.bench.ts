import { startInfluxDB1 } from '../testing/test-servers.ts';
import { InfluxDBv1Store } from './influxdb-v1-store.ts';
import { FleetSimulator } from '../simulator/index.ts';
import { freePort, RunningCommand, TWIN_BIN } from '../testing/processes.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { median, postAll, report } from '../bench/load-generator.ts';
import type { Sample } from '../core/types.ts';

const DAY = 86_400_000;

interface Side {
  pointsPerSecond: number;
  writeSeconds: number;
  retries: number;
  readMs: number;
  readPoints: number;
}

/**
 * `npm run bench -- store`: the same line-protocol payload (a simulated fleet's 7 days at 1-minute
 * resolution) from the same load generator into Twin's embedded store (through the sidecar's
 * /write: acknowledged = durable in the write-ahead log) and into InfluxDB 1.6 (its /write), then
 * the latency of reading one instance's 7 days back from each.
 */
export async function storeBench(options: { json: boolean; instances?: number; concurrency?: number }): Promise<void> {
  const instances = options.instances ?? 20;
  const concurrency = options.concurrency ?? 4;
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  const from = now - 7 * DAY;
  const sim = new FleetSimulator({ instances, seed: 1 });
  const bodies: string[] = [];
  let points = 0;
  let pending: Sample[] = [];
  for (const tick of sim.ticks(from, now, 60_000)) {
    pending.push(...tick.samples);
    if (pending.length >= 2000) {
      bodies.push(InfluxDBv1Store.toLineProtocol(pending));
      pending = [];
    }
    for (const s of tick.samples) points += Object.keys(s.values).length;
  }
  if (pending.length) bodies.push(InfluxDBv1Store.toLineProtocol(pending));
  process.stderr.write(
    `payload: ${instances} instances x 7 days at 1 min = ${points} points in ${bodies.length} bodies; ${concurrency} clients\n`
  );

  // Twin: the sidecar as a separate process, training off so only storage is measured.
  const port = await freePort();
  const twin = new RunningCommand(
    TWIN_BIN,
    ['start', '--no-simulator', '--no-agent', '--port', String(port), '--data-dir', tempDir('twin-bench-')],
    {
      TWIN_MIN_HISTORY: '365d',
    }
  );
  let tw: { seconds: number; retries: number };
  let twinRead: { readMs: number; readPoints: number };
  try {
    await twin.waitFor(/listening on/);
    const base = `http://127.0.0.1:${port}`;
    tw = await postAll(`${base}/write?precision=ms`, bodies, concurrency);
    for (;;) {
      const health = (await (await fetch(`${base}/healthz`)).json()) as { backlog: number };
      if (health.backlog === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    twinRead = await timeReads(async () => {
      const res = await fetch(`${base}/api/v1/series?instance=sim-001&from=${from}&to=${now + 1}`);
      const body = (await res.json()) as { ts: number[]; series: Record<string, unknown[]> };
      return body.ts.length * Object.keys(body.series).length;
    });
  } finally {
    twin.child.kill('SIGINT');
    await twin.exited;
  }

  // Peer: InfluxDB 1.6 from Debian.
  const influx = await startInfluxDB1();
  const store = new InfluxDBv1Store({ url: influx.url, database: 'twin' });
  await store.ensureDatabase();
  let ix: { seconds: number; retries: number };
  let influxRead: { readMs: number; readPoints: number };
  try {
    ix = await postAll(`${influx.url}/write?db=twin&precision=ms`, bodies, concurrency);
    influxRead = await timeReads(async () => {
      const q = new URLSearchParams({
        db: 'twin',
        epoch: 'ms',
        q: `SELECT * FROM twin WHERE instance = 'sim-001' AND time >= ${from}ms AND time <= ${now}ms`,
      });
      const body = (await (await fetch(`${influx.url}/query?${q}`)).json()) as {
        results: { series?: { columns: string[]; values: unknown[][] }[] }[];
      };
      const s = body.results[0]?.series?.[0];
      return s ? s.values.length * (s.columns.length - 2) : 0;
    });
  } finally {
    await influx.stop();
  }

  const twinSide: Side = {
    pointsPerSecond: points / tw.seconds,
    writeSeconds: tw.seconds,
    retries: tw.retries,
    ...twinRead,
  };
  const peerSide: Side = {
    pointsPerSecond: points / ix.seconds,
    writeSeconds: ix.seconds,
    retries: ix.retries,
    ...influxRead,
  };
  const fmt = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  report(
    `store: write ${fmt(points)} points (acknowledged = durable), then read one instance's 7 days`,
    [
      [
        'write points/s',
        fmt(twinSide.pointsPerSecond),
        fmt(peerSide.pointsPerSecond),
        fmt(twinSide.pointsPerSecond / peerSide.pointsPerSecond, 2),
      ],
      ['write seconds', fmt(tw.seconds, 1), fmt(ix.seconds, 1), fmt(tw.seconds / ix.seconds, 2)],
      [
        '7-day read ms (median of 5)',
        fmt(twinSide.readMs, 1),
        fmt(peerSide.readMs, 1),
        fmt(twinSide.readMs / peerSide.readMs, 2),
      ],
      ['points read', fmt(twinSide.readPoints), fmt(peerSide.readPoints), ''],
    ],
    options.json,
    {
      bench: 'store',
      points,
      twin: twinSide,
      peer: { name: 'InfluxDB 1.6 (Debian)', ...peerSide },
      ratio: {
        pointsPerSecond: twinSide.pointsPerSecond / peerSide.pointsPerSecond,
        readMs: twinSide.readMs / peerSide.readMs,
      },
    }
  );
}

async function timeReads(read: () => Promise<number>): Promise<{ readMs: number; readPoints: number }> {
  const times: number[] = [];
  let readPoints = 0;
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    readPoints = await read();
    times.push(performance.now() - started);
  }
  return { readMs: median(times), readPoints };
}
