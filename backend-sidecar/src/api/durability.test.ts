import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../testing/temp-dir.ts';
import { freePort, RunningCommand, TWIN_BIN } from '../testing/processes.ts';
import { EmbeddedDatabase } from '../store/index.ts';

// An hour ago: inside the raw retention (the training window), whatever day the test runs.
const T0 = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000;

test(
  'every acknowledged write survives kill -9 of the sidecar mid-load, with no duplicates',
  { timeout: 120_000 },
  async () => {
    const dataDir = tempDir('twin-kill-');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const args = ['start', '--no-simulator', '--no-agent', '--port', String(port), '--data-dir', dataDir];
    const first = new RunningCommand(TWIN_BIN, args);
    await first.waitFor(/listening on/);

    const acked = new Map<string, number>(); // instance -> samples acknowledged (contiguous from T0)
    let stop = false;
    const client = async (instance: string) => {
      let next = 0;
      while (!stop) {
        const samples = Array.from({ length: 100 }, (_, i) => ({
          ts: T0 + (next + i) * 1000,
          values: { cpu: i, mem: 50 + i / 10, disk: 30, net: 1000 * i, lat: 0.5 },
        }));
        try {
          const res = await fetch(`${url}/api/v1/ingest`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ instance, samples }),
          });
          if (res.ok) {
            next += 100;
            acked.set(instance, next);
          } else if (res.status === 503) {
            await new Promise((r) => setTimeout(r, 50));
          } else {
            throw new Error(`unexpected ${res.status}`);
          }
        } catch {
          return; // the sidecar is gone
        }
      }
    };
    const clients = ['k-1', 'k-2', 'k-3', 'k-4'].map(client);
    // Mid-load: once a few thousand samples are acknowledged (sooner or later on a busy machine).
    const acknowledged = () => [...acked.values()].reduce((a, b) => a + b, 0);
    for (let waited = 0; acknowledged() < 4000 && waited < 30_000; waited += 50)
      await new Promise((r) => setTimeout(r, 50));
    first.child.kill('SIGKILL');
    stop = true;
    await Promise.all(clients);
    assert.equal(await first.exited, null);
    const total = acknowledged();
    assert.ok(total >= 1000, `only ${total} samples acknowledged before the kill`);

    const second = new RunningCommand(TWIN_BIN, args);
    await second.waitFor(/listening on/);
    second.child.kill('SIGINT');
    assert.equal(await second.exited, 0, `ended by ${second.signal}:\n${second.output.slice(-2000)}`);

    const db = await EmbeddedDatabase.open(dataDir);
    const connection = await db.connect();
    const rows = (
      await connection.runAndReadAll(
        `SELECT se.instance, count(*) AS points, count(DISTINCT (p.ts, p.sid)) AS distinct_points, min(p.ts), max(p.ts)
       FROM points p JOIN series se USING (sid) GROUP BY se.instance ORDER BY se.instance`
      )
    ).getRows() as [string, bigint, bigint, bigint, bigint][];
    connection.closeSync();
    db.close();
    for (const [instance, samples] of acked) {
      const row = rows.find((r) => r[0] === instance);
      assert.ok(row, `${instance} is in the store`);
      const [, points, distinct, minTs] = row;
      assert.equal(points, distinct, `${instance}: no duplicate points`);
      assert.equal(Number(minTs), T0);
      // Every acknowledged sample is there (5 metrics each); unacknowledged ones may be too.
      assert.ok(Number(points) >= samples * 5, `${instance}: ${points} points stored, ${samples * 5} acknowledged`);
    }
  }
);
