// Scale-out end to end, as real processes: Redis (Debian), an S3-protocol server (s3rver), InfluxDB
// 1.x (Debian) as the shared metric store, two API nodes (`twin start`, TWIN_ROLE=api) and two
// training workers (`twin worker`). The twins are seasonal baselines so that 200 instances train
// in seconds on two cores; the jobs, the queue and the publishing are the same for LSTM twins.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { FleetSimulator } from '../simulator/index.ts';
import { S3ObjectStore } from '../store/index.ts';
import { startInfluxDB1, startRedis, startS3rver, type TestServer } from '../testing/test-servers.ts';
import { freePort, RunningCommand, TWIN_BIN } from '../testing/processes.ts';
import { tempDir } from '../testing/temp-dir.ts';

const INSTANCES = 200;
const MIN = 60_000;
const servers: TestServer[] = [];
const processes: RunningCommand[] = [];
let env: Record<string, string>;

interface ApiNode {
  url: string;
  port: number;
  dataDir: string;
  process: RunningCommand;
}

async function startApiNode(port?: number, dataDir = tempDir('twin-api-')): Promise<ApiNode> {
  port ??= await freePort();
  const cmd = new RunningCommand(
    TWIN_BIN,
    ['start', '--no-simulator', '--no-agent', '--port', String(port), '--data-dir', dataDir],
    { ...env, TWIN_ROLE: 'api' }
  );
  processes.push(cmd);
  await cmd.waitFor(/listening on (http:\S+)/, 60_000);
  return { url: `http://127.0.0.1:${port}`, port, dataDir, process: cmd };
}

async function startWorker(name: string): Promise<RunningCommand> {
  const cmd = new RunningCommand(TWIN_BIN, ['worker', '--name', name, '--concurrency', '1'], env);
  processes.push(cmd);
  await cmd.waitFor(/twin worker \S+: 1 at a time/, 60_000);
  return cmd;
}

const kill9 = async (cmd: RunningCommand) => {
  cmd.child.kill('SIGKILL');
  await cmd.exited;
};

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  const body = await res.text();
  assert.ok(res.ok, `${init?.method ?? 'GET'} ${url}: ${res.status} ${body}`);
  return JSON.parse(body) as T;
}

const ingest = (node: ApiNode, instance: string, samples: { ts: number; values: Record<string, number> }[]) =>
  json<{ accepted: number }>(`${node.url}/api/v1/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instance, samples }),
  });

const postJson = <T>(url: string, body: object) =>
  json<T>(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Stores an operating information report (a log line or more) through a node; its id. */
const storeReport = async (node: ApiNode, instance: string, log: string) =>
  (
    await postJson<{ report_id: string }>(`${node.url}/api/v1/reports`, {
      instance,
      time: new Date().toISOString(),
      status: { instance_status: 'ok', system_status: 'ok' },
      log,
    })
  ).report_id;

/** The failure report a node predicts for a report id, without its time of asking. */
const predict = (node: ApiNode, reportId: string) =>
  postJson<Record<string, unknown>>(`${node.url}/api/v1/twin/predict`, { report_id: reportId }).then(
    ({ time: _time, ...rest }) => rest
  );

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const outputs = processes.map((p) => `--- ${p.child.spawnargs.slice(2).join(' ')}\n${p.output.slice(-1500)}`);
  throw new Error(
    `${what}: not within ${timeoutMs / 1000} s${last ? ` (${(last as Error).message})` : ''}\n${outputs.join('\n')}`
  );
}

interface InstanceView {
  id: string;
  status: string;
  twin: { version?: string };
}
const fleet = async (node: ApiNode) =>
  (await json<{ items: InstanceView[] }>(`${node.url}/api/v1/instances?limit=10000`)).items;

/** Runs at most `width` of the tasks at a time. */
async function inParallel(tasks: (() => Promise<unknown>)[], width = 8): Promise<void> {
  const queue = [...tasks];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let task = queue.shift(); task; task = queue.shift()) await task();
    })
  );
}

before(async () => {
  const [redis, s3, influx] = await Promise.all([startRedis(), startS3rver(), startInfluxDB1()]);
  servers.push(redis, s3, influx);
  env = {
    REDIS_URL: redis.url,
    TWIN_METRIC_STORE: 'influxdb1',
    TWIN_INFLUX_URL: influx.url,
    TWIN_INFLUX_DB: 'twin',
    TWIN_OBJECT_STORE: 's3',
    TWIN_S3_BUCKET: 'twin',
    TWIN_S3_ENDPOINT: s3.url,
    TWIN_S3_ACCESS_KEY_ID: 'S3RVER',
    TWIN_S3_SECRET_ACCESS_KEY: 'S3RVER',
    TWIN_MODEL: 'seasonal-baseline',
    TWIN_MIN_HISTORY: '1h',
    TWIN_RETRAIN_INTERVAL: '24h',
    TWIN_PARSE_WORKERS: '0',
    TWIN_WRITE_BACK: '0',
  };
});

after(async () => {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await Promise.all(processes.map((p) => p.exited));
  await Promise.all(servers.map((s) => s.stop()));
});

test(
  'two API nodes and two workers on Redis, S3 and InfluxDB: 200 instances trained once each, a killed worker’s job retried by the other, streams, predictions and failures the same on both nodes, a killed API node loses no acknowledged write, a later node knows the fleet',
  { timeout: 600_000 },
  async () => {
    const [a, b] = await Promise.all([startApiNode(), startApiNode()]);
    const nodes = [a, b];
    const [w1] = await Promise.all([startWorker('w1'), startWorker('w2')]);

    // Two hours of history for 200 instances, each instance's batches to either node.
    const end = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
    const sim = new FleetSimulator({ instances: INSTANCES, seed: 11, faultsPerInstanceDay: 0 });
    const history: Record<string, { ts: number; values: Record<string, number> }[]> = {};
    for (const tick of sim.ticks(end - 2 * 60 * MIN, end, MIN))
      for (const s of tick.samples) (history[s.instance] ??= []).push({ ts: s.ts, values: s.values });
    const ids = Object.keys(history).sort();
    assert.equal(ids.length, INSTANCES);
    await inParallel(ids.map((id, i) => () => ingest(nodes[i % 2]!, id, history[id]!)));

    // Both nodes know every instance, whichever node its samples reached (the fleet bus).
    for (const node of nodes)
      await until(`${node.url} lists every instance`, async () =>
        (await fleet(node)).length === INSTANCES ? true : undefined
      );

    // Kill worker w1 while it holds a job: BullMQ hands the job to w2 once its lock lapses.
    const queue = new Queue('twin-training', { connection: { url: env.REDIS_URL! } });
    try {
      await until(
        'w1 finished some jobs',
        async () =>
          (await queue.getCompleted()).filter((j) => j.returnvalue.worker === 'w1').length >= 3 ? true : undefined,
        120_000
      );
      const held = await until(
        'w1 holds a training job',
        async () => (await queue.getActive()).find((j) => j.processedBy === 'w1'),
        60_000
      );
      await kill9(w1);

      // Every instance gets its first twin, on both nodes.
      const twins = await until(
        'every instance has a twin on both nodes',
        async () => {
          const views = await Promise.all(nodes.map(fleet));
          if (views.every((v) => v.length === INSTANCES && v.every((i) => i.twin.version))) return views;
          const missing = views.map(
            (v, n) =>
              `${'ab'[n]}: ${v.length} listed, without twin ${v
                .filter((i) => !i.twin.version)
                .map((i) => i.id)
                .slice(0, 8)
                .join(' ')}`
          );
          throw new Error(missing.join('; '));
        },
        240_000
      );
      assert.deepEqual(
        twins[0]!.map((i) => [i.id, i.twin.version]),
        twins[1]!.map((i) => [i.id, i.twin.version])
      );

      const retried = await until('the killed job finished', async () => {
        const job = await queue.getJob(held.id!);
        return (await job?.getState()) === 'completed' ? job : undefined;
      });
      assert.equal(retried!.returnvalue.worker, 'w2', 'the job w1 held was finished by w2');
      assert.equal(retried!.data.instance, held.data.instance);

      // Exactly once: one version per instance in the bucket, each from one job, and 200 jobs done.
      const objects = new S3ObjectStore({
        bucket: 'twin',
        prefix: '',
        endpoint: env.TWIN_S3_ENDPOINT!,
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
      });
      const metadata = (await objects.list('models/')).filter((k) => k.endsWith('/metadata.json'));
      const perInstance = new Map<string, string[]>();
      for (const key of metadata) {
        const [, instance, version] = key.split('/');
        perInstance.set(instance!, [...(perInstance.get(instance!) ?? []), version!]);
      }
      assert.equal(perInstance.size, INSTANCES);
      for (const [instance, versions] of perInstance) assert.deepEqual(versions, ['v0001'], instance);
      const counts = await queue.getJobCounts('completed', 'failed', 'active', 'waiting');
      assert.deepEqual(counts, { completed: INSTANCES, failed: 0, active: 0, waiting: 0 });
      const done = await queue.getCompleted(0, INSTANCES);
      const byW1 = done.filter((j) => j.returnvalue.worker === 'w1').length;
      assert.ok(byW1 > 0 && byW1 < INSTANCES, `both workers trained (w1 ${byW1})`);
      console.log(`# jobs: w1 ${byW1}, w2 ${INSTANCES - byW1}; ${held.id} retried on w2 after w1 was killed`);
    } finally {
      await queue.close();
    }

    // One node acts for the fleet (remediation, anomaly history, write-back), whichever it is.
    const health = await Promise.all(
      nodes.map((node) => json<{ leader: boolean; node: string }>(`${node.url}/healthz`))
    );
    assert.equal(health.filter((h) => h.leader).length, 1, JSON.stringify(health));
    assert.notEqual(health[0]!.node, health[1]!.node);

    // Live: a client on node b sees the scores of an instance whose samples only reach node a.
    const watched = ids[0]!;
    const stream = await fetch(`${b.url}/api/v1/stream?instance=${watched}&kind=anomaly_score`);
    assert.equal(stream.status, 200);
    const reader = stream.body!.getReader();
    let seen = '';
    const sawScore = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return false;
        seen += new TextDecoder().decode(value);
        if (/event: anomaly_score/.test(seen) && seen.includes(watched)) return true;
      }
    })();
    const last = (id: string) => history[id]!.at(-1)!.values;
    const live = (round: number) => (id: string) => ({ ts: end + (round + 1) * 10_000, values: last(id) });
    // Five rounds of one sample per instance at 10 s steps; each sample to either node.
    const acknowledged = new Map<string, number[]>();
    const sendRound = (round: number, to: (i: number) => ApiNode) =>
      inParallel(
        ids.map((id, i) => async () => {
          const sample = live(round)(id);
          await ingest(to(i), id, [sample]);
          acknowledged.set(id, [...(acknowledged.get(id) ?? []), sample.ts]);
        })
      );
    for (let round = 0; round < 3; round++) await sendRound(round, (i) => nodes[(i + round) % 2]!);
    await ingest(a, watched, [{ ts: end + 4 * 10_000 - 5_000, values: last(watched) }]);
    acknowledged.set(watched, [...acknowledged.get(watched)!, end + 4 * 10_000 - 5_000]);
    assert.equal(
      await Promise.race([sawScore, new Promise((r) => setTimeout(() => r('timeout'), 30_000))]),
      true,
      `node b streams ${watched}'s scores: ${seen.slice(0, 500)}`
    );
    await reader.cancel();

    // Predictions served by both nodes agree: an operating report stored through one node, the
    // failure report predicted for it by either (the reports live in the shared bucket).
    for (const id of ids.slice(0, 10)) {
      const reportId = await storeReport(
        a,
        id,
        `<6>Nov 30 10:00:01 ${id} systemd[1]: Started Daily apt upgrade and clean activities.\n`
      );
      const [fromA, fromB] = await Promise.all([predict(a, reportId), predict(b, reportId)]);
      assert.equal(fromA.basis, 'twin', id);
      assert.deepEqual(fromA, fromB, id);
    }

    // A report that says the instance failed, stored through node b: node a's failure analysis
    // hears of the failure and the findings too (the fleet bus), so both predict alike.
    const oom = ids[10]!;
    const failed = await storeReport(
      b,
      oom,
      `<3>Nov 30 10:00:01 ${oom} kernel: Out of memory: Killed process 4242 (java) total-vm:8388608kB\n` +
        `<0>Nov 30 10:00:09 ${oom} kernel: Kernel panic - not syncing: Out of memory and no killable processes\n`
    );
    const failures = await until('node a knows the failure', async () => {
      const list = await json<{ items: { instance: string; kind: string }[] }>(
        `${a.url}/api/v1/failures?instance=${oom}`
      );
      return list.items.length ? list.items : undefined;
    });
    assert.equal(failures[0]!.kind, 'crash');
    const predictions = (await Promise.all(nodes.map((node) => predict(node, failed)))) as {
      rootCauses: { resource: string }[];
      findings: unknown[];
    }[];
    assert.deepEqual(predictions[0]!.rootCauses, predictions[1]!.rootCauses);
    assert.deepEqual(predictions[0]!.findings, predictions[1]!.findings);
    assert.ok(
      predictions[0]!.rootCauses.some((c) => c.resource === 'memory'),
      JSON.stringify(predictions[0]!.rootCauses)
    );

    // Kill -9 node a just after it acknowledged a round, restart it on its data folder: nothing lost.
    await sendRound(3, () => a);
    await kill9(a.process);
    const restarted = await startApiNode(a.port, a.dataDir);
    await sendRound(4, (i) => [restarted, b][i % 2]!);
    for (const id of ids) {
      const rows = await until(`${id}'s live samples in the store`, async () => {
        const s = await json<{ ts: number[] }>(
          `${b.url}/api/v1/series?instance=${id}&from=${end + 1}&to=${end + 10 * MIN}`
        );
        return s.ts.length >= acknowledged.get(id)!.length ? s.ts : undefined;
      });
      assert.deepEqual(
        rows,
        [...acknowledged.get(id)!].sort((x, y) => x - y),
        id
      );
    }

    // A third node, started later on a fresh data folder, knows the whole fleet, its twins and its
    // recorded failures at once (registry snapshots, champions and failures in the bucket).
    const c = await startApiNode();
    const known = await until(
      'node c lists every instance with its twin',
      async () => {
        const view = await fleet(c);
        return view.length === INSTANCES && view.every((i) => i.twin.version) ? view : undefined;
      },
      60_000
    );
    assert.equal(known.length, INSTANCES);
    const recorded = await json<{ items: { kind: string }[] }>(`${c.url}/api/v1/failures?instance=${oom}`);
    assert.deepEqual(
      recorded.items.map((f) => f.kind),
      ['crash'],
      'node c knows the failure recorded before it started'
    );
  }
);
