import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../testing/temp-dir.ts';
import { freePort, RunningCommand, TWIN_BIN } from '../testing/processes.ts';

interface InstanceJson {
  id: string;
  labels: Record<string, string>;
  lastSeen: string;
  status: string;
  twin: { version?: string; readyInSeconds?: number };
}

async function instances(url: string): Promise<InstanceJson[]> {
  const res = await fetch(`${url}/api/v1/instances`);
  return ((await res.json()) as { items: InstanceJson[] }).items;
}

describe('twin start: a live fleet on embedded defaults, stopped cleanly and continued', { timeout: 300_000 }, () => {
  const dataDir = tempDir('twin-start-');
  let port: number;
  let url: string;
  const running: RunningCommand[] = [];
  after(() => running.forEach((r) => r.child.kill('SIGKILL')));

  // Demo faults run 20 times faster so that a crash is predicted and happens within the test.
  const args = () => [
    'start',
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    '--instances',
    '6',
    '--backfill',
    '2d',
    '--backfill-step',
    '2m',
    '--demo-speed',
    '20',
  ];

  test('first start: URL, instances reporting (simulator and this machine), twins trained, anomalies and predictions shown', async () => {
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const twin = new RunningCommand(TWIN_BIN, args());
    running.push(twin);
    await twin.waitFor(new RegExp(`listening on ${url.replace(/\./g, '\\.')}`));
    assert.equal((await fetch(`${url}/healthz`)).status, 200);

    await twin.waitFor(/simulator: 6 instances live at 1 Hz/);
    // Twins train two at a time (one per core), so they finish in no fixed order.
    for (let i = 1; i <= 6; i++) await twin.waitFor(new RegExp(`TWIN +sim-00${i} v0001 trained`));
    const listed = await instances(url);
    const sims = listed.filter((i) => i.id.startsWith('sim-'));
    assert.equal(sims.length, 6);
    for (const s of sims) {
      assert.equal(s.status, 'live');
      assert.equal(s.twin.version, 'v0001');
      assert.ok(s.labels.host && s.labels.zone && s.labels.service);
      assert.ok(Date.now() - Date.parse(s.lastSeen) < 10_000);
    }
    // The agent samples this very machine and reports through the HTTP API.
    await twin.waitFor(/agent +sampling .* at 1 Hz/);
    const deadline = Date.now() + 20_000;
    let agent: InstanceJson | undefined;
    while (!agent && Date.now() < deadline) {
      agent = (await instances(url)).find((i) => i.labels.source === 'agent');
      if (!agent) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(agent, 'the local agent reports');
    assert.ok((agent.twin.readyInSeconds ?? 0) > 0, 'its twin waits for enough history');

    // The demo memory leak on sim-002: an anomaly, a crash prediction, then the crash itself.
    await twin.waitFor(/ANOMALY +sim-002 /, 90_000);
    const predicted = await twin.waitFor(/PREDICT +sim-002 crash within 60m: p=(\d\.\d+)/, 90_000);
    assert.ok(Number(predicted[1]) >= 0.5);
    await twin.waitFor(/FAILURE +sim-002 crash \(memory\) recorded by simulator/, 90_000);
    assert.ok(
      twin.output.indexOf('PREDICT  sim-002 crash') < twin.output.indexOf('FAILURE  sim-002 crash'),
      'predicted before it happened'
    );
    const failures = (await (await fetch(`${url}/api/v1/failures?instance=sim-002`)).json()) as {
      items: { kind: string }[];
    };
    assert.ok(failures.items.some((f) => f.kind === 'crash'));
    // The anomaly that preceded the crash is kept in the anomaly history. It may close only with the
    // crash itself (the failure closes the instance's open event), and is written as it closes.
    const memoryAnomaly = async () => {
      const anomalies = (await (await fetch(`${url}/api/v1/anomalies?instance=sim-002`)).json()) as {
        items: { metrics: { metric: string }[]; open: boolean }[];
      };
      return anomalies.items.some(
        (a) => !a.open && a.metrics.some((m) => m.metric.startsWith('mem_') || m.metric.startsWith('psi_memory'))
      );
    };
    const kept = Date.now() + 15_000;
    while (!(await memoryAnomaly()) && Date.now() < kept) await new Promise((r) => setTimeout(r, 250));
    assert.ok(await memoryAnomaly(), 'a closed memory anomaly in the history');

    twin.child.kill('SIGINT');
    assert.equal(await twin.exited, 0, twin.output.slice(-3000));
    assert.match(twin.output, /stopped cleanly; state kept in/);
    assert.match(twin.output, /agent +stopped after \d+ samples \(\d+ acknowledged/);
    await assert.rejects(fetch(`${url}/healthz`), 'nothing listens after the stop');
  });

  test('second start continues from the stored state: same instances and twins, no retraining', async () => {
    const twin = new RunningCommand(TWIN_BIN, args());
    running.push(twin);
    await twin.waitFor(/continuing from stored state: 7 instances, 6 twins/);
    const listed = await instances(url);
    assert.equal(listed.filter((i) => i.twin.version === 'v0001').length, 6);
    await twin.waitFor(/simulator: 6 instances live/);
    await new Promise((r) => setTimeout(r, 12_000));
    assert.doesNotMatch(twin.output, /TWIN +sim-\d+ v0002/);
    twin.child.kill('SIGTERM');
    assert.equal(await twin.exited, 0, twin.output.slice(-3000));
  });
});
