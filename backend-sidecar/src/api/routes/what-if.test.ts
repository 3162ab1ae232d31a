import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ingestSimulatedHistory, startTestSidecar } from '../../testing/test-sidecar.ts';
import type { Sidecar } from '../sidecar.ts';
import type { TwinReplay } from '../../anomaly/twin-replay.ts';

let sidecar: Sidecar;
const MIN = 60_000;
let now: number;

before(async () => {
  sidecar = await startTestSidecar({}, { TWIN_TRAIN_EPOCHS: '3', TWIN_MIN_HISTORY: '1d' });
  now = Math.floor(Date.now() / MIN) * MIN - 30 * MIN;
  await ingestSimulatedHistory(sidecar, { instances: 1, seed: 4, days: 2, now });
  await sidecar.trainer.train('sim-001', now);
  // Live: half an hour of a memory leak climbing towards the limit.
  const window = await sidecar.readWindow('sim-001', now - 10 * MIN, now);
  const last = Object.fromEntries(window.metrics.map((m, i) => [m, window.values[i]!.at(-1)!]));
  for (let m = 1; m <= 30; m++)
    await sidecar.ingest.ingest({
      instance: 'sim-001',
      samples: [{ ts: now + m * MIN, values: { ...last, mem_used_pct: Math.min(97, 70 + m * 0.9) } }],
    });
  while (!sidecar.scorer.state('sim-001')?.runner) await new Promise((r) => setTimeout(r, 50));
});
after(() => sidecar.stop());

const whatIf = (body: unknown) =>
  fetch(`${sidecar.url}/api/v1/twin/whatif`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

test('what-if rolls the twin forward with and without the actions: more memory lowers the memory trajectory and the crash risk', async () => {
  const response = await whatIf({
    instance: 'sim-001',
    actions: [{ type: 'add-memory', percent: 100 }],
    horizonMs: 3_600_000,
    metrics: ['mem_used_pct', 'cpu_user_pct'],
  });
  assert.equal(response.status, 200);
  const body = (await response.json()) as {
    model: string;
    steps: number;
    without: { probability: { crash: number }; trajectories: Record<string, { values: number[] }> };
    with: { probability: { crash: number }; confidence: number; trajectories: Record<string, { values: number[] }> };
    drop: { crash: number };
  };
  assert.equal(body.model, 'v0001');
  assert.equal(body.steps, 60);
  // Only the metrics asked for (those the twin models: cpu_user_pct may be folded into another).
  const keys = Object.keys(body.with.trajectories);
  assert.ok(
    keys.includes('mem_used_pct') && keys.every((k) => ['mem_used_pct', 'cpu_user_pct'].includes(k)),
    `${keys}`
  );
  const plain = body.without.trajectories.mem_used_pct!.values;
  const more = body.with.trajectories.mem_used_pct!.values;
  assert.equal(more.length, 60);
  assert.ok(Math.abs(more[0]! - plain[0]! / 2) < 1e-6, `${more[0]} against ${plain[0]}`);
  // Lower on the whole (the twin may pull a halved level back towards normal late in the hour).
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(more) < mean(plain), `${mean(more)} against ${mean(plain)}`);
  assert.ok(body.drop.crash >= 0 && body.with.probability.crash <= body.without.probability.crash);
  assert.ok(body.with.confidence >= 0 && body.with.confidence <= 1);
});

test('every trajectory keeps within what its metric can take: no negative rates, no share past 100 %', async () => {
  for (const actions of [[{ type: 'add-cpu', percent: 50 }], [{ type: 'migrate-host' }]]) {
    const body = (await (await whatIf({ instance: 'sim-001', actions, horizonMs: 3_600_000 })).json()) as {
      with: { trajectories: Record<string, { values: number[] }> };
      without: { trajectories: Record<string, { values: number[] }> };
    };
    const all = { ...body.without.trajectories, ...body.with.trajectories };
    assert.ok(Object.keys(all).length >= 10, `${Object.keys(all).length} trajectories`);
    for (const [metric, { values }] of Object.entries(all)) {
      assert.ok(Math.min(...values) >= 0, `${metric} with ${JSON.stringify(actions)} went to ${Math.min(...values)}`);
      if (metric.endsWith('_pct')) assert.ok(Math.max(...values) <= 100, `${metric}: ${Math.max(...values)}`);
    }
  }
});

test('recommendations are ranked by the drop in failure probability the simulation predicts', async () => {
  const response = await fetch(`${sidecar.url}/api/v1/instances/sim-001/recommendations`);
  const { items } = (await response.json()) as { items: { action: { type: string }; drop: number }[] };
  assert.ok(items.length >= 1);
  for (let i = 1; i < items.length; i++) assert.ok(items[i - 1]!.drop >= items[i]!.drop);
});

test('what-if refuses what it cannot do, saying why', async () => {
  const unknown = await whatIf({ instance: 'nope', actions: [{ type: 'restart' }] });
  assert.equal(unknown.status, 404);
  const bad = await whatIf({ instance: 'sim-001', actions: [{ type: 'add-memory', percent: -5 }] });
  assert.equal(bad.status, 400);
  const none = await whatIf({ instance: 'sim-001', actions: [] });
  assert.equal(none.status, 400);
  assert.match(((await none.json()) as { detail: string }).detail, /actions/);
});

test("predict for an instance with a live twin: the twin's basis, its model version, actions ranked by the simulated drop", async () => {
  const response = await fetch(`${sidecar.url}/api/v1/twin/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instance: 'sim-001' }),
  });
  assert.equal(response.status, 200);
  const body = (await response.json()) as {
    basis: string;
    model: { version: string };
    predictions: { kind: string; interval: number[]; probability: number; confidence: number }[];
    recommendedActions: { action: string; effect: { drop: number } | null }[];
  };
  assert.equal(body.basis, 'twin');
  assert.equal(body.model.version, 'v0001');
  assert.equal(body.predictions.length, 4);
  for (const p of body.predictions) assert.ok(p.interval[0]! <= p.probability && p.probability <= p.interval[1]!);
  assert.ok(body.recommendedActions.length >= 1);
  const drops = body.recommendedActions.map((a) => a.effect!.drop);
  assert.deepEqual(
    drops,
    [...drops].sort((a, b) => b - a)
  );
  const nobody = await fetch(`${sidecar.url}/api/v1/twin/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instance: 'never-seen' }),
  });
  assert.equal(nobody.status, 404);
});

test('/metrics: the sidecar health and the twin outputs in the Prometheus text format, which promtool accepts', async () => {
  await sidecar.predictFailures(Date.now());
  const response = await fetch(`${sidecar.url}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  for (const line of [
    /^twin_ingested_samples_total \d+/m,
    /^twin_ingest_backlog_samples \d+/m,
    /^twin_wal_bytes \d+/m,
    /^twin_models 1$/m,
    /^twin_training_jobs_total\{outcome="champion"\} 1$/m,
    /^twin_http_request_duration_seconds_bucket\{le="[^"]+",method="POST",route="\/api\/v1\/twin\/whatif",status="200"\} \d+/m,
    /^twin_failure_probability\{instance="sim-001",kind="crash",horizon="60m"\} [\d.e-]+$/m,
    /^twin_failure_probability\{instance="sim-001",kind="outage",horizon="1440m"\} [\d.e-]+$/m,
    /^twin_anomaly_score\{instance="sim-001"\} [\d.e-]+$/m,
    /^twin_prediction\{instance="sim-001",metric="mem_used_pct"\} [\d.e-]+$/m,
    /^twin_process_resident_memory_bytes \d+/m,
  ])
    assert.match(text, line);
  // Prometheus's own checker, from Debian's prometheus package (installed by CI). prom-client's
  // default nodejs_active_*_total gauges break a naming rule promtool lints; ours are checked whole.
  const { spawnSync } = await import('node:child_process');
  const ours = text
    .split('\n')
    .filter((l) => !/twin_nodejs_active_\w+_total/.test(l))
    .join('\n');
  const check = spawnSync('promtool', ['check', 'metrics'], { input: ours, encoding: 'utf8' });
  if (check.error) assert.fail(`promtool is needed here: ${check.error.message}`);
  assert.equal(check.status, 0, check.stdout + check.stderr);
});

test("series with twin=true: the twin's prediction, band and scores over a past range, beside the actual values", async () => {
  // A whole day of normal history, so that no hour of the simulated daily cycle (the time the test runs at) decides it.
  const from = now - 25 * 3_600_000;
  const to = now - 3_600_000;
  const response = await fetch(
    `${sidecar.url}/api/v1/series?instance=sim-001&from=${from}&to=${to}&step=60000&metric=mem_used_pct&twin=true`
  );
  assert.equal(response.status, 200);
  const body = (await response.json()) as { series: Record<string, (number | null)[]>; twin: TwinReplay };
  assert.equal(body.twin.version, 'v0001');
  assert.equal(body.twin.stepMs, 60_000);
  assert.equal(body.twin.ts.length, 1440);
  assert.deepEqual(Object.keys(body.twin.predicted), ['mem_used_pct']);
  assert.deepEqual(Object.keys(body.twin.score).sort(), ['*instance', 'mem_used_pct']);
  // The ratio (surprise or level, over its threshold) is the detector's view: mostly below 1 on normal history.
  const ratio = body.twin.ratio.mem_used_pct!;
  assert.equal(ratio.length, body.twin.ts.length);
  assert.ok(ratio.filter((r) => r !== null && r > 1).length / ratio.length < 0.1);
  const predicted = body.twin.predicted.mem_used_pct!;
  assert.ok(
    predicted.every((p) => p !== null),
    'a prediction at every step from the first (history before the range primes the twin)'
  );
  // On normal history the actual values stay mostly within the band.
  const actual = body.series.mem_used_pct!;
  let inside = 0;
  body.twin.ts.forEach((ts, i) => {
    const a = actual[i];
    if (
      a !== null &&
      a !== undefined &&
      a >= body.twin.lower.mem_used_pct![i]! &&
      a <= body.twin.upper.mem_used_pct![i]!
    )
      inside++;
  });
  assert.ok(inside / body.twin.ts.length > 0.9, `${inside} of ${body.twin.ts.length} inside the band`);
});

test("the twin's direct forecast: each metric 1, 10 and 60 steps ahead with 80 % and 95 % intervals that widen with the horizon", async () => {
  const response = await fetch(`${sidecar.url}/api/v1/instances/sim-001/forecast?metrics=mem_used_pct,cpu_user_pct`);
  assert.equal(response.status, 200);
  const body = (await response.json()) as {
    model: string;
    at: number;
    stepMs: number;
    horizons: {
      steps: number;
      ts: number;
      metrics: Record<string, { mean: number; lower80: number; upper80: number; lower95: number; upper95: number }>;
    }[];
  };
  assert.equal(body.model, 'v0001');
  assert.deepEqual(
    body.horizons.map((h) => h.steps),
    [1, 10, 60]
  );
  for (const h of body.horizons) {
    assert.equal(h.ts, body.at + h.steps * body.stepMs);
    assert.ok(Object.keys(h.metrics).every((m) => ['mem_used_pct', 'cpu_user_pct'].includes(m)));
    const f = h.metrics.mem_used_pct!;
    assert.ok(
      f.lower95 <= f.lower80 && f.lower80 <= f.mean && f.mean <= f.upper80 && f.upper80 <= f.upper95,
      JSON.stringify(f)
    );
  }
  const width = (i: number) =>
    body.horizons[i]!.metrics.mem_used_pct!.upper95 - body.horizons[i]!.metrics.mem_used_pct!.lower95;
  assert.ok(width(2) > width(0), `${width(0)} then ${width(2)}`);
  const instance = (await (await fetch(`${sidecar.url}/api/v1/instances/sim-001`)).json()) as {
    twin: { forecast: string };
  };
  assert.equal(instance.twin.forecast, 'direct', 'the instance says how its twin forecasts');
  const missing = await fetch(`${sidecar.url}/api/v1/instances/nobody/forecast`);
  assert.equal(missing.status, 404);
  assert.match(((await missing.json()) as { detail: string }).detail, /live twin of instance "nobody" not found/);
});
