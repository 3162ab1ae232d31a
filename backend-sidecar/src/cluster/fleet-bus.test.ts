import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { FleetBus } from './fleet-bus.ts';
import { startRedis, type TestServer } from '../testing/test-servers.ts';
import type { ColumnarBatch } from '../core/columnar.ts';

let redis: TestServer;
before(async () => {
  redis = await startRedis();
});
after(() => redis.stop());

const batch = (instance: string, ts: number[]): ColumnarBatch => ({
  instance,
  metrics: ['cpu_user_pct'],
  ts: Float64Array.from(ts),
  values: Float64Array.from(ts, (t) => t / 10),
});

async function until(what: string, done: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Two API nodes that listen, one process that only speaks, and a client that can cut everyone's connection. */
async function withNodes(
  speaker: string,
  body: (nodes: { a: FleetBus; b: FleetBus; speaker: FleetBus; killer: Redis }) => Promise<void>
): Promise<void> {
  const a = await FleetBus.open(redis.url, 'node-a', true);
  const b = await FleetBus.open(redis.url, 'node-b', true);
  const other = await FleetBus.open(redis.url, speaker, false);
  const killer = new Redis(redis.url);
  try {
    await body({ a, b, speaker: other, killer });
  } finally {
    killer.disconnect();
    await Promise.all([a.close(), b.close(), other.close()]);
  }
}

/** Disconnects every client but the killer (ioredis reconnects them). */
const killConnections = (killer: Redis) => killer.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');

test('samples reach every node in one order, and a node whose connection dropped reads what it missed', () =>
  withNodes('node-w', async ({ a, b, speaker: writer, killer }) => {
    const seen = { a: [] as number[], b: [] as number[] };
    a.onSamples((batches) => batches.forEach((x) => seen.a.push(...x.ts)));
    b.onSamples((batches) => batches.forEach((x) => seen.b.push(...x.ts)));
    await writer.publishSamples([batch('i-1', [1, 2]), batch('i-2', [3])]);
    await until('the first samples', () => seen.a.length === 3 && seen.b.length === 3);

    // Every client but the killer is disconnected; an entry is appended before they are back.
    await killConnections(killer);
    await killer.xadd(
      'twin:samples',
      '*',
      'm',
      JSON.stringify([{ instance: 'i-1', metrics: ['cpu_user_pct'], ts: [4, 5], values: [0.4, null] }])
    );
    await writer.publishSamples([batch('i-2', [6])]);
    await until('the samples sent while the nodes were away', () => seen.a.length === 6 && seen.b.length === 6);
    assert.deepEqual(seen.a, [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(seen.b, seen.a);
    // The stream keeps two minutes of entries, by Redis's clock.
    assert.ok((await killer.xlen('twin:samples')) >= 3);
  }));

test('model changes and fleet events reach every other node, also those sent while its connection was down', () =>
  withNodes('worker-1', async ({ a, b, speaker: worker, killer }) => {
    const models = { a: [] as string[], b: [] as string[] };
    const events = { a: [] as string[], b: [] as string[] };
    a.onModel((c) => models.a.push(`${c.instance} ${c.why} by ${c.node}`));
    b.onModel((c) => models.b.push(`${c.instance} ${c.why} by ${c.node}`));
    a.onEvent((e) => events.a.push(e.type === 'failure' ? e.failure.id : e.instance));
    b.onEvent((e) => events.b.push(e.type === 'failure' ? e.failure.id : e.instance));

    await worker.publishModel('web-1', 'published');
    await a.publishEvent({
      type: 'failure',
      failure: { id: 'f-1', instance: 'web-1', ts: 1, kind: 'crash', source: 'api' },
    });
    await until('the first announcements', () => models.b.length === 1 && events.b.length === 1);

    await killConnections(killer);
    // Appended while both API nodes are away (as another node would, its connection intact).
    await killer.xadd('twin:models', '*', 'm', JSON.stringify({ instance: 'web-2', why: 'rollback', node: 'node-c' }));
    await killer.xadd(
      'twin:events',
      '*',
      'm',
      JSON.stringify({ node: 'node-c', event: { type: 'findings', instance: 'web-2', time: 2, findings: [] } })
    );
    await until(
      'the announcements made while the nodes were away',
      () => models.a.length === 2 && models.b.length === 2 && events.b.length === 2 && events.a.length === 1
    );
    assert.deepEqual(models.a, ['web-1 published by worker-1', 'web-2 rollback by node-c']);
    assert.deepEqual(models.b, models.a);
    // A node's own events are applied where they happened, not echoed back to it.
    assert.deepEqual(events.a, ['web-2']);
    assert.deepEqual(events.b, ['f-1', 'web-2']);
  }));
