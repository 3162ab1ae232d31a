import fs from 'node:fs';
import { compress as snappy } from 'snappyjs';
import { encodeAgentFrame, loadLz4 } from '../core/agent-frame.ts';
import { EmbeddedDatabase } from '../store/index.ts';
import { freePort, RunningCommand, TWIN_BIN } from '../testing/processes.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { printTable } from './load-generator.ts';

export interface ChaosBenchOptions {
  json: boolean;
  /** Generated inputs (default 10,000). */
  inputs?: number;
  seed?: number;
}

/** One request the fuzzer sends: where, how, and what kind of input it is (for the per-door tally). */
interface Input {
  door: string;
  method: 'GET' | 'POST';
  path: string;
  type?: string;
  body?: string | Buffer;
}

/** A small seeded generator (mulberry32), so that a run can be repeated input for input. */
class Random {
  constructor(private state: number) {}
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

const NOW = Date.now();
const WEIRD = ['', ' ', '\\', '"', ',', '=', '\n', '\u0000', '\uFFFF', 'é', '../..', '%2F', '𝄞', 'NaN', '-0', '1e309'];

/** A byte-level mutation of a valid body: flips, cuts, repeats and inserts. */
function mutate(r: Random, body: Buffer): Buffer {
  const out = Buffer.from(body);
  switch (r.int(5)) {
    case 0:
      for (let i = 0; i < 1 + r.int(8); i++) if (out.length) out[r.int(out.length)] = r.int(256);
      return out;
    case 1:
      return out.subarray(0, r.int(out.length + 1));
    case 2:
      return Buffer.concat([out, out.subarray(r.int(out.length + 1))]);
    case 3: {
      const at = r.int(out.length + 1);
      return Buffer.concat([out.subarray(0, at), Buffer.from(r.pick(WEIRD)), out.subarray(at)]);
    }
    default:
      return Buffer.from(Array.from({ length: r.int(200) }, () => r.int(256)));
  }
}

function lineProtocol(r: Random, lines: number): string {
  const ts = () => `${NOW - r.int(3_600_000)}${String(r.int(1_000_000)).padStart(6, '0')}`;
  return Array.from({ length: lines }, () => {
    const host = r.next() < 0.1 ? r.pick(WEIRD) : `chaos-${r.int(50)}`;
    const value =
      r.next() < 0.1 ? r.pick(['1e309', 'NaN', '-', '0x10', '"s"', 't', '12i', '1u']) : String(r.next() * 100);
    return `cpu,host=${host} usage_user=${value},usage_system=${r.int(100)} ${ts()}`;
  }).join('\n');
}

function agentFrame(r: Random): Buffer {
  const n = 1 + r.int(50);
  return encodeAgentFrame({
    agentId: `chaos-agent-${r.int(5)}`,
    seq: r.int(1_000_000),
    instance: r.next() < 0.1 ? r.pick(['a/../b', 'ok-1', 'x'.repeat(200)]) : `chaos-agent-${r.int(5)}`,
    labels: {},
    metrics: ['cpu_user_pct', 'mem_used_pct'],
    ts: Float64Array.from({ length: n }, (_, i) => NOW - 60_000 + i * 10),
    values: Float64Array.from({ length: 2 * n }, () => r.next() * 100),
  });
}

/** A random JSON value, nested a few deep: objects, arrays, the odd types JSON has. */
function json(r: Random, depth = 0): unknown {
  const kind = depth > 3 ? r.int(5) : r.int(8);
  if (kind === 0) return null;
  if (kind === 1) return r.next() < 0.5;
  if (kind === 2) return r.pick([0, -1, 1e308, 1.5, 2 ** 53 + 1, NOW]);
  if (kind === 3) return r.pick(WEIRD);
  if (kind === 4) return 'x'.repeat(r.int(3) === 0 ? 100_000 : 10);
  if (kind === 5) return Array.from({ length: r.int(4) }, () => json(r, depth + 1));
  const keys = ['instance', 'samples', 'ts', 'values', 'time', 'status', 'log', 'report_id', 'actions', 'horizonMs'];
  return Object.fromEntries(Array.from({ length: r.int(5) }, () => [r.pick(keys), json(r, depth + 1)]));
}

/** Inputs the fuzzer sends, door by door, bombs and lies among them. */
function* inputs(r: Random, count: number, lz4Bomb: Buffer): Generator<Input> {
  const validLine = Buffer.from(lineProtocol(r, 5));
  const validFrame = agentFrame(r);
  const validReport = Buffer.from(
    JSON.stringify({ instance: 'chaos-r', time: new Date(NOW).toISOString(), log: 'kernel: ok' })
  );
  for (let i = 0; i < count; i++) {
    const door = r.int(9);
    if (door === 0)
      yield {
        door: 'line protocol',
        method: 'POST',
        path: `/api/v2/write?precision=${r.pick(['ns', 'ms', 'us', 'x'])}`,
        body: r.next() < 0.5 ? lineProtocol(r, 1 + r.int(20)) : mutate(r, validLine),
      };
    else if (door === 1)
      yield {
        door: 'agent frame',
        method: 'POST',
        path: '/api/v1/agent/batches',
        body: r.next() < 0.02 ? lz4Bomb : r.next() < 0.5 ? agentFrame(r) : mutate(r, validFrame),
      };
    else if (door === 2) {
      const header = r.next() < 0.3 ? Buffer.from([0x80, 0x8e, 0xce, 0x1c]) : Buffer.alloc(0);
      yield {
        door: 'remote write',
        method: 'POST',
        path: '/api/v1/write',
        body: Buffer.concat([
          header,
          r.next() < 0.5 ? Buffer.from(snappy(mutate(r, validLine))) : mutate(r, validLine),
        ]),
      };
    } else if (door === 3)
      yield {
        door: 'report',
        method: 'POST',
        path: '/api/v1/reports',
        type: 'application/json',
        body: r.next() < 0.5 ? JSON.stringify(json(r)) : mutate(r, validReport),
      };
    else if (door === 4) {
      const long = r.next() < 0.05 ? 'z'.repeat(2_000_000) : '';
      const raw = Buffer.concat([
        Buffer.from(`${long}kernel: `),
        Buffer.from(Array.from({ length: r.int(64) }, () => r.int(256))),
      ]);
      yield {
        door: 'raw report',
        method: 'POST',
        path: `/api/v1/reports?instance=${encodeURIComponent(r.next() < 0.2 ? r.pick(WEIRD) : 'chaos-r')}&time=${encodeURIComponent(r.pick(['2026-11-25T10:00:00Z', 'yesterday', '']))}`,
        type: 'text/plain',
        body: raw,
      };
    } else if (door === 5)
      yield {
        door: 'JSON ingest',
        method: 'POST',
        path: '/api/v1/ingest',
        type: 'application/json',
        body: JSON.stringify(json(r)),
      };
    else if (door === 6)
      yield {
        door: 'predict / what-if',
        method: 'POST',
        path: r.pick(['/api/v1/twin/predict', '/api/v1/twin/whatif']),
        type: r.pick(['application/json', 'text/plain', 'application/xml']),
        body: JSON.stringify(json(r)),
      };
    else if (door === 7) {
      const id = encodeURIComponent(r.next() < 0.5 ? r.pick(WEIRD) : `chaos-${r.int(50)}`);
      yield {
        door: 'reads',
        method: 'GET',
        path: r.pick([
          `/api/v1/instances/${id}`,
          `/api/v1/anomalies?instance=${id}`,
          `/api/v1/series?instance=${id}&from=${r.pick(['0', 'x', String(NOW - 3_600_000)])}&to=${NOW}&step=${r.pick(['1', '0', '60000', '-5'])}`,
          `/api/v1/instances/${id}/forecast`,
          `/api/v1/instances/${id}/models`,
          `/api/v1/reports/${id}`,
          `/api/v1/incidents?instance=${id}`,
        ]),
      };
    } else yield { door: 'bursts', method: 'GET', path: '/api/v1/instances' };
  }
}

/** Peak resident memory of a process (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

/**
 * `npm run bench -- chaos`: a sidecar started from this checkout on 127.0.0.1, fed generated
 * inputs at every ingest and API door (line protocol, LZ4 frames, remote write, reports as JSON and
 * raw text, JSON bodies, reads with hostile ids), decompression bombs and lying headers among
 * them, while a health probe measures stalls; then a Telegraf-like writer that retries every
 * unacknowledged batch as it was, through a kill -9 of the sidecar and its restart. Prints the
 * inputs tried, crashes, 5xx answers, stalls over 1 s, peak RSS, and points acknowledged, lost and
 * stored twice. Bounded: one sidecar, a fixed number of inputs, everything on loopback.
 */
export async function chaosBench(options: ChaosBenchOptions): Promise<void> {
  const count = options.inputs ?? 10_000;
  const r = new Random(options.seed ?? 7);
  const dataDir = tempDir('twin-chaos-');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ['start', '--no-simulator', '--no-agent', '--port', String(port), '--data-dir', dataDir];
  // A generous rate limit: the bursts are the fuzzer's, not a client's to be throttled.
  const env = { TWIN_RATE_LIMIT: '10000000' };
  let sidecar = new RunningCommand(TWIN_BIN, args, env);
  await sidecar.waitFor(/listening on/);
  const lz4Bomb = loadLz4().compress(Buffer.alloc(256 * 1024 * 1024));

  const byDoor = new Map<string, { tried: number; s5xx: number; statuses: Map<number, number> }>();
  const examples: string[] = [];
  let crashes = 0;
  let stalls = 0;
  let slowestProbeMs = 0;
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const started = performance.now();
      try {
        await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) });
      } catch {
        // counted as a stall below when it took too long
      }
      const ms = performance.now() - started;
      slowestProbeMs = Math.max(slowestProbeMs, ms);
      if (ms > 1000) stalls++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const started = performance.now();
  let sent = 0;
  const queue = inputs(r, count, lz4Bomb);
  const worker = async () => {
    for (let next = queue.next(); !next.done; next = queue.next()) {
      const input = next.value;
      const tally = byDoor.get(input.door) ?? { tried: 0, s5xx: 0, statuses: new Map() };
      byDoor.set(input.door, tally);
      tally.tried++;
      let status = 0;
      try {
        const res = await fetch(`${url}${input.path}`, {
          method: input.method,
          ...(input.body !== undefined ? { body: input.body } : {}),
          headers: input.type ? { 'content-type': input.type } : {},
          signal: AbortSignal.timeout(30_000),
        });
        status = res.status;
        await res.arrayBuffer();
      } catch {
        status = sidecar.child.exitCode !== null ? -1 : 0;
      }
      if (status >= 500) {
        tally.s5xx++;
        if (examples.length < 5)
          examples.push(`${status} ${input.method} ${input.path} ${String(input.body ?? '').slice(0, 160)}`);
      }
      tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
      if (status === -1) {
        crashes++;
        sidecar = new RunningCommand(TWIN_BIN, args, env);
        await sidecar.waitFor(/listening on/);
      }
      if (++sent % 1000 === 0) process.stderr.write(`chaos: ${sent}/${count} inputs\n`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  const fuzzSeconds = (performance.now() - started) / 1000;
  probing = false;
  await probe;
  const rssMb = peakRssMb(sidecar.child.pid!);

  // A Telegraf-like writer: each batch resent as it was until acknowledged, through a kill -9.
  const acked = new Set<number>();
  let kills = 0;
  let retries = 0;
  const batches = 400;
  const perBatch = 50;
  const DURABLE_T0 = Math.floor((NOW - 1_800_000) / 1000) * 1000;
  for (let b = 0; b < batches; b++) {
    const body = Array.from(
      { length: perBatch },
      (_, i) => `chaos_durable,host=chaos-durable v=${b * perBatch + i} ${DURABLE_T0 + (b * perBatch + i) * 10}`
    ).join('\n');
    for (;;) {
      // Four times, at a quarter of the batches each: a kill as a batch is on its way.
      if (kills < 4 && b === ((kills + 1) * batches) / 5) {
        // Mid-batch: the request may be in the log or not when the process dies.
        const inFlight = fetch(`${url}/write?precision=ms`, { method: 'POST', body }).catch(() => undefined);
        // 0 to 9 ms in: before the request is read, while it is logged, after it is logged but unanswered.
        await new Promise((resolve) => setTimeout(resolve, 3 * kills));
        sidecar.child.kill('SIGKILL');
        await sidecar.exited;
        await inFlight;
        kills++;
        sidecar = new RunningCommand(TWIN_BIN, args, env);
        await sidecar.waitFor(/listening on/);
        retries++;
      }
      try {
        const res = await fetch(`${url}/write?precision=ms`, {
          method: 'POST',
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        if (res.status === 204) {
          for (let i = 0; i < perBatch; i++) acked.add(b * perBatch + i);
          break;
        }
      } catch {
        // not acknowledged: resend
      }
      retries++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  sidecar.child.kill('SIGINT');
  await sidecar.exited;
  const db = await EmbeddedDatabase.open(dataDir);
  const connection = await db.connect();
  const [rows, distinct] = (
    await connection.runAndReadAll(
      `SELECT count(*), count(DISTINCT p.ts) FROM points p JOIN series s USING (sid)
       WHERE s.instance = 'chaos-durable' AND s.metric = 'chaos_durable_v'`
    )
  ).getRows()[0] as [bigint, bigint];
  connection.closeSync();
  db.close();
  const stored = Number(distinct);
  const lost = acked.size - Math.min(acked.size, stored);
  const duplicated = Number(rows) - stored;
  fs.rmSync(dataDir, { recursive: true, force: true });

  const tried = [...byDoor.values()].reduce((n, t) => n + t.tried, 0);
  const total5xx = [...byDoor.values()].reduce((n, t) => n + t.s5xx, 0);
  printTable(
    `chaos: ${tried} generated inputs in ${fuzzSeconds.toFixed(0)} s (seed ${options.seed ?? 7}), then ${batches} line-protocol batches retried through ${kills} kill -9s`,
    ['door', 'inputs', '5xx', 'answers'],
    [...byDoor.entries()].map(([door, t]) => [
      door,
      String(t.tried),
      String(t.s5xx),
      [...t.statuses.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([s, n]) => `${s === 0 ? 'timeout' : s}:${n}`)
        .join(' '),
    ])
  );
  const figures = {
    inputs: tried,
    crashes,
    errors5xx: total5xx,
    stalls,
    slowestHealthMs: Math.round(slowestProbeMs),
    peakRssMb: Math.round(rssMb),
    acknowledged: acked.size,
    lost,
    duplicated,
    retries,
  };
  printTable(
    'chaos: outcome (goal: 0 crashes, 0 5xx, 0 stalls, 0 lost, 0 duplicated, RSS bounded)',
    ['', 'figure'],
    Object.entries(figures).map(([k, v]) => [k, String(v)])
  );
  if (examples.length) process.stdout.write(`\nfirst inputs answered 5xx:\n${examples.join('\n')}\n`);
  if (options.json) process.stdout.write(JSON.stringify(figures) + '\n');
}
