import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeAgentFrame } from '../core/agent-frame.ts';
import { freePort } from '../testing/processes.ts';
import { startTestSidecar, tempDir } from '../testing/test-sidecar.ts';
import { TwinAgent } from './twin-agent.ts';

test(
  'at 100 Hz with the sidecar cut off for a while, every sample arrives exactly once',
  { timeout: 90_000 },
  async () => {
    const port = await freePort();
    const dataDir = tempDir('twin-cut-');
    let sidecar = await startTestSidecar({ port, dataDir });
    const agent = new TwinAgent({
      url: `http://127.0.0.1:${port}`,
      hz: 100,
      instance: 'agent-100hz',
      labels: { host: 'test' },
      probeTargets: [],
      spoolDir: tempDir('twin-spool-'),
    });
    agent.start();
    try {
      await new Promise((r) => setTimeout(r, 1500));
      await sidecar.stop(); // the sidecar goes away...
      await new Promise((r) => setTimeout(r, 2500));
      assert.ok(agent.spooled >= 2, `${agent.spooled} batches spooled while the sidecar was away`);
      sidecar = await startTestSidecar({ port, dataDir }); // ...and comes back
      await new Promise((r) => setTimeout(r, 1500));
      await agent.stop(10_000);
      assert.equal(agent.spooled, 0);
      await sidecar.ingest.drain();
      const w = await sidecar.readWindow('agent-100hz', 0, Date.now() + 1000, undefined, ['mem_used_pct']);
      assert.ok(agent.stats.sampled >= 400, `${agent.stats.sampled} samples`);
      assert.equal(w.ts.length, agent.stats.sampled, 'every sample stored');
      assert.equal(new Set(w.ts).size, w.ts.length, 'none twice');
      assert.equal(agent.stats.sent, agent.stats.sampled);
    } finally {
      await agent.stop(0);
      await sidecar.stop();
    }
  }
);

test('a batch sent twice (its answer lost) is acknowledged twice and stored once; garbage gets 400', async () => {
  const sidecar = await startTestSidecar();
  const frame = encodeAgentFrame({
    agentId: 'dup-test',
    seq: 7,
    instance: 'dup-1',
    labels: {},
    metrics: ['x'],
    ts: Float64Array.from([Date.now() - 1000, Date.now()]),
    values: Float64Array.from([1, 2]),
  });
  const post = (body: Buffer) => fetch(`${sidecar.url}/api/v1/agent/batches`, { method: 'POST', body });
  assert.deepEqual(await (await post(frame)).json(), { accepted: 2, duplicate: false, seq: 7 });
  assert.deepEqual(await (await post(frame)).json(), { accepted: 0, duplicate: true, seq: 7 });
  await sidecar.ingest.drain();
  assert.equal((await sidecar.readWindow('dup-1', 0, Date.now() + 1)).ts.length, 2);
  const bad = await post(Buffer.from('garbage'));
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { code: string }).code, 'TWIN_ERR_AGENT_FRAME');
  await sidecar.stop();
});

test(
  'an agent restarted with an empty spool while the sidecar stays up loses nothing',
  { timeout: 60_000 },
  async () => {
    const sidecar = await startTestSidecar();
    const spoolDir = tempDir('twin-restart-');
    const run = async () => {
      const agent = new TwinAgent({
        url: sidecar.url,
        hz: 20,
        instance: 'agent-restart',
        labels: {},
        probeTargets: [],
        spoolDir,
      });
      agent.start();
      await new Promise((r) => setTimeout(r, 1500));
      await agent.stop(10_000);
      assert.equal(agent.spooled, 0, 'everything sent before stopping');
      return agent.stats.sampled;
    };
    try {
      // The same spool folder (the same agent id), emptied between runs: the second run's batches are new.
      const sampled = (await run()) + (await run());
      await sidecar.ingest.drain();
      const w = await sidecar.readWindow('agent-restart', 0, Date.now() + 1000, undefined, ['mem_used_pct']);
      assert.equal(w.ts.length, sampled, 'the second run stored too');
    } finally {
      await sidecar.stop();
    }
  }
);
