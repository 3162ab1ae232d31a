import { randomUUID } from 'node:crypto';
import { FleetSimulator } from '../simulator/index.ts';
import { InfluxDBv1Store } from '../store/influxdb-v1-store.ts';
import { startInfluxDB1 } from '../store/test-servers.ts';
import { freePort, RunningCommand, TWIN_BIN } from '../cli/process-helpers.ts';
import { tempDir } from '../api/test-helpers.ts';
import { postAll, report } from '../bench/load-generator.ts';
import { toColumnar } from '../core/columnar.ts';
import { encodeAgentFrame } from '../core/agent-frame.ts';
import type { Sample } from '../core/types.ts';

const DAY = 86_400_000;

/**
 * `npm run bench -- ingest`: end-to-end ingest (acknowledged = durable) of the same simulated fleet
 * through Twin's line-protocol and agent-protocol endpoints, side by side with InfluxDB 1.6 fed the
 * same line protocol by the same load generator.
 */
export async function ingestBench(options: { json: boolean; days?: number; concurrency?: number }): Promise<void> {
  const concurrency = options.concurrency ?? 4;
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  const from = now - (options.days ?? 3) * DAY;
  const sim = new FleetSimulator({ instances: 20, seed: 3 });
  const lines: string[] = [];
  const frames: Buffer[] = [];
  const perInstance = new Map<string, Sample[]>();
  let pending: Sample[] = [];
  let points = 0;
  const agentId = randomUUID();
  let seq = 0;
  for (const tick of sim.ticks(from, now, 60_000)) {
    pending.push(...tick.samples);
    for (const s of tick.samples) {
      points += Object.keys(s.values).length;
      let list = perInstance.get(s.instance);
      if (!list) perInstance.set(s.instance, (list = []));
      list.push(s);
      // An agent batch: 100 samples of one instance (a second at 100 Hz).
      if (list.length === 100) {
        frames.push(encodeAgentFrame({ ...toColumnar(s.instance, { host: s.instance }, list), agentId, seq: seq++ }));
        perInstance.set(s.instance, []);
      }
    }
    if (pending.length >= 2000) {
      lines.push(InfluxDBv1Store.toLineProtocol(pending));
      pending = [];
    }
  }
  for (const [instance, list] of perInstance) {
    if (list.length)
      frames.push(encodeAgentFrame({ ...toColumnar(instance, { host: instance }, list), agentId, seq: seq++ }));
  }
  if (pending.length) lines.push(InfluxDBv1Store.toLineProtocol(pending));
  process.stderr.write(
    `payload: ${points} points; ${lines.length} line-protocol bodies, ${frames.length} agent frames; ${concurrency} clients\n`
  );

  const runTwin = async (path: string, bodies: readonly (string | Buffer)[]) => {
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
      return await postAll(`http://127.0.0.1:${port}${path}`, bodies as string[], concurrency);
    } finally {
      twin.child.kill('SIGINT');
      await twin.exited;
    }
  };
  const lp = await runTwin('/write?precision=ms', lines);
  const agent = await runTwin('/api/v1/agent/batches', frames);
  const influx = await startInfluxDB1();
  let peer: { seconds: number; retries: number };
  try {
    await new InfluxDBv1Store({ url: influx.url, database: 'twin' }).ensureDatabase();
    peer = await postAll(`${influx.url}/write?db=twin&precision=ms`, lines, concurrency);
  } finally {
    await influx.stop();
  }
  const rate = (r: { seconds: number }) => points / r.seconds;
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  report(
    `ingest: ${fmt(points)} points end to end (acknowledged = durable), ${concurrency} clients`,
    [
      ['line protocol, points/s', fmt(rate(lp)), fmt(rate(peer)), (rate(lp) / rate(peer)).toFixed(2)],
      ['agent protocol (LZ4), points/s', fmt(rate(agent)), fmt(rate(peer)), (rate(agent) / rate(peer)).toFixed(2)],
      ['request bytes, line protocol', fmt(lines.reduce((n, b) => n + Buffer.byteLength(b), 0)), '', ''],
      ['request bytes, agent frames', fmt(frames.reduce((n, b) => n + b.length, 0)), '', ''],
    ],
    options.json,
    {
      bench: 'ingest',
      points,
      twin: { lineProtocolPointsPerSecond: rate(lp), agentPointsPerSecond: rate(agent) },
      peer: { name: 'InfluxDB 1.6 (Debian)', lineProtocolPointsPerSecond: rate(peer) },
      ratio: { lineProtocol: rate(lp) / rate(peer), agent: rate(agent) / rate(peer) },
    }
  );
}
