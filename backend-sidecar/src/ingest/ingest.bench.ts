import { randomUUID } from 'node:crypto';
import { FleetSimulator } from '../simulator/index.ts';
import { InfluxDBv1Store } from '../store/influxdb-v1-store.ts';
import { startInfluxDB1 } from '../testing/test-servers.ts';
import { freePort, RunningCommand, TWIN_BIN } from '../testing/processes.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { postAll, report } from '../bench/load-generator.ts';
import { toColumnar } from '../core/columnar.ts';
import { encodeAgentFrame } from '../core/agent-frame.ts';
import type { Sample } from '../core/types.ts';

const DAY = 86_400_000;

/**
 * `npm run bench -- ingest`: end-to-end ingest (acknowledged = durable) of the same simulated fleet
 * through Twin's line-protocol and agent-protocol endpoints, side by side with InfluxDB 1.6 fed the
 * same points by the same load generator: the line-protocol bodies as they are, and the agent
 * frames' samples as line protocol batched like the frames (InfluxDB has no agent protocol; what
 * is compared is the same points in requests of the same size).
 */
interface Payload {
  points: number;
  /** Line protocol, 2,000 samples of the fleet a body. */
  lines: string[];
  /** Agent frames, 100 samples of one instance each (a second at 100 Hz). */
  frames: Buffer[];
  /** The frames' samples as line protocol batched the same way (for InfluxDB). */
  frameLines: string[];
}

function payload(sim: FleetSimulator, from: number, to: number): Payload {
  const out: Payload = { points: 0, lines: [], frames: [], frameLines: [] };
  const perInstance = new Map<string, Sample[]>();
  let pending: Sample[] = [];
  const agentId = randomUUID();
  let seq = 0;
  const frame = (instance: string, list: Sample[]) => {
    out.frames.push(encodeAgentFrame({ ...toColumnar(instance, { host: instance }, list), agentId, seq: seq++ }));
    out.frameLines.push(InfluxDBv1Store.toLineProtocol(list));
  };
  for (const tick of sim.ticks(from, to, 60_000)) {
    pending.push(...tick.samples);
    for (const s of tick.samples) {
      out.points += Object.keys(s.values).length;
      let list = perInstance.get(s.instance);
      if (!list) perInstance.set(s.instance, (list = []));
      list.push(s);
      if (list.length === 100) {
        frame(s.instance, list);
        perInstance.set(s.instance, []);
      }
    }
    if (pending.length >= 2000) {
      out.lines.push(InfluxDBv1Store.toLineProtocol(pending));
      pending = [];
    }
  }
  for (const [instance, list] of perInstance) if (list.length) frame(instance, list);
  if (pending.length) out.lines.push(InfluxDBv1Store.toLineProtocol(pending));
  return out;
}

/**
 * `npm run bench -- ingest`: end-to-end ingest (acknowledged = durable) of the same simulated fleet
 * through Twin's line-protocol and agent-protocol endpoints, side by side with InfluxDB 1.6 fed the
 * same points by the same load generator: the line-protocol bodies as they are, and the agent
 * frames' samples as line protocol batched like the frames (InfluxDB has no agent protocol; what
 * is compared is the same points in requests of the same size). Every server first takes the same
 * half day of warm-up data, untimed (V8 compiles the hot paths; Go has nothing to warm).
 */
export async function ingestBench(options: { json: boolean; days?: number; concurrency?: number }): Promise<void> {
  const concurrency = options.concurrency ?? 4;
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  const from = now - (options.days ?? 7) * DAY;
  const sim = new FleetSimulator({ instances: 20, seed: 3 });
  const warm = payload(sim, from - DAY / 2, from);
  const { points, lines, frames, frameLines } = payload(sim, from, now);
  process.stderr.write(
    `payload: ${points} points; ${lines.length} line-protocol bodies, ${frames.length} agent frames; ${concurrency} clients\n`
  );

  const runTwin = async (path: string, warmup: readonly (string | Buffer)[], bodies: readonly (string | Buffer)[]) => {
    const port = await freePort();
    const twin = new RunningCommand(
      TWIN_BIN,
      ['start', '--no-simulator', '--no-agent', '--port', String(port), '--data-dir', tempDir('twin-ingest-bench-')],
      {
        TWIN_MIN_HISTORY: '365d',
      }
    );
    try {
      await twin.waitFor(/listening on/);
      await postAll(`http://127.0.0.1:${port}${path}`, warmup, concurrency);
      return await postAll(`http://127.0.0.1:${port}${path}`, bodies, concurrency);
    } finally {
      twin.child.kill('SIGINT');
      await twin.exited;
    }
  };
  const lp = await runTwin('/write?precision=ms', warm.lines, lines);
  const agent = await runTwin('/api/v1/agent/batches', warm.frames, frames);
  const influx = await startInfluxDB1();
  let peer: { seconds: number; retries: number };
  let peerSmall: { seconds: number; retries: number };
  try {
    await new InfluxDBv1Store({ url: influx.url, database: 'twin' }).ensureDatabase();
    await postAll(`${influx.url}/write?db=twin&precision=ms`, warm.lines, concurrency);
    peer = await postAll(`${influx.url}/write?db=twin&precision=ms`, lines, concurrency);
    await new InfluxDBv1Store({ url: influx.url, database: 'twin2' }).ensureDatabase();
    await postAll(`${influx.url}/write?db=twin2&precision=ms`, warm.frameLines, concurrency);
    peerSmall = await postAll(`${influx.url}/write?db=twin2&precision=ms`, frameLines, concurrency);
  } finally {
    await influx.stop();
  }
  const rate = (r: { seconds: number }) => points / r.seconds;
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  const perBody = (bodies: readonly unknown[]) => fmt(points / bodies.length);
  report(
    `ingest: ${fmt(points)} points end to end (acknowledged = durable), ${concurrency} clients`,
    [
      [
        `line protocol, ${perBody(lines)} points a request, points/s`,
        fmt(rate(lp)),
        fmt(rate(peer)),
        (rate(lp) / rate(peer)).toFixed(2),
      ],
      [
        `agent protocol, ${perBody(frames)} points a request (peer: line protocol), points/s`,
        fmt(rate(agent)),
        fmt(rate(peerSmall)),
        (rate(agent) / rate(peerSmall)).toFixed(2),
      ],
      ['request bytes, line protocol', fmt(lines.reduce((n, b) => n + Buffer.byteLength(b), 0)), '', ''],
      ['request bytes, agent frames', fmt(frames.reduce((n, b) => n + b.length, 0)), '', ''],
    ],
    options.json,
    {
      bench: 'ingest',
      points,
      twin: { lineProtocolPointsPerSecond: rate(lp), agentPointsPerSecond: rate(agent) },
      peer: {
        name: 'InfluxDB 1.6 (Debian)',
        lineProtocolPointsPerSecond: rate(peer),
        lineProtocolAsAgentBatchesPointsPerSecond: rate(peerSmall),
      },
      ratio: { lineProtocol: rate(lp) / rate(peer), agent: rate(agent) / rate(peerSmall) },
    }
  );
}
