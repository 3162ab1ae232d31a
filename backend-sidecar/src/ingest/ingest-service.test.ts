import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Sample } from '../core/types.ts';
import { toSamples, type ColumnarBatch } from '../core/columnar.ts';
import { WriteAheadLog } from '../store/index.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { IngestService, type SampleWriter } from './ingest-service.ts';
import { LiveFeed } from './live-feed.ts';
import { encodeAgentFrame } from '../core/agent-frame.ts';

/** An in-memory store that records the applied sequence number with the samples, like DuckDB does. */
class MemoryStore implements SampleWriter {
  rows: Sample[] = [];
  seq = 0;
  delayMs = 0;
  async writeColumns(batches: readonly ColumnarBatch[], walSeq?: number) {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    for (const b of batches) this.rows.push(...toSamples(b));
    if (walSeq !== undefined) this.seq = walSeq;
  }
  async appliedSeq() {
    return this.seq;
  }
}

const tracker = { touch: () => undefined };
const batch = (instance: string, from: number, n: number) => ({
  instance,
  samples: Array.from({ length: n }, (_, i) => ({ ts: from + i * 1000, values: { cpu: i } })),
});
const T = Date.UTC(2026, 10, 1);

test('a crash between acknowledgement and storage loses nothing and duplicates nothing', async () => {
  const dir = tempDir('twin-ingest-');
  const store = new MemoryStore();
  const wal = await WriteAheadLog.open(dir);
  const ingest = new IngestService(wal, store, tracker, new LiveFeed());
  await ingest.ingest(batch('a', T, 10));
  await ingest.drain();
  assert.equal(store.rows.length, 10);
  // Acknowledged, then the process dies before the store has it:
  store.delayMs = 10_000;
  await ingest.ingest(batch('a', T + 10_000, 5));
  await wal.close();

  const survivor = new MemoryStore();
  survivor.rows = store.rows.slice(0, 10);
  survivor.seq = 1;
  const reopened = await WriteAheadLog.open(dir);
  const again = new IngestService(reopened, survivor, tracker, new LiveFeed());
  assert.equal(await again.recover(), 5);
  assert.equal(survivor.rows.length, 15);
  assert.equal(new Set(survivor.rows.map((r) => r.ts)).size, 15);
  await reopened.close();
});

test('when the store is slower than ingest, requests are refused with 503 and Retry-After, memory stays bounded', async () => {
  const store = new MemoryStore();
  store.delayMs = 200;
  const wal = await WriteAheadLog.open(tempDir('twin-ingest-'));
  const ingest = new IngestService(wal, store, tracker, new LiveFeed(), {
    maxQueuedSamples: 1000,
    maxApplySamples: 300,
  });
  const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => ingest.ingest(batch(`i${i}`, T, 200))));
  const accepted = results.filter((r) => r.status === 'fulfilled').length;
  const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
  assert.ok(accepted >= 4 && accepted <= 5, `${accepted} accepted`);
  assert.equal(refused.length, 20 - accepted);
  for (const err of refused) {
    assert.equal(err.statusCode, 503);
    assert.equal(err.retryAfterS, 1);
    assert.match(err.message, /nothing of this request was kept/);
  }
  assert.ok(ingest.backlog <= 1000);
  await ingest.drain();
  assert.equal(store.rows.length, accepted * 200, 'every acknowledged sample stored');
  await wal.close();
});

test('a resent agent batch after a sidecar restart is stored once, also once the log segments holding it are gone', async () => {
  const dir = tempDir('twin-ingest-');
  const store = new MemoryStore();
  // Tiny segments: every record rolls a new one, so compaction drops the frame's own segment.
  const wal = await WriteAheadLog.open(dir, { segmentBytes: 1 });
  const ingest = new IngestService(wal, store, tracker, new LiveFeed());
  const frame = (seq: number, ts: number) =>
    encodeAgentFrame({
      agentId: 'agent-1',
      seq,
      instance: 'a',
      labels: {},
      metrics: ['cpu'],
      ts: Float64Array.from([ts]),
      values: Float64Array.from([1]),
    });
  assert.equal((await ingest.ingestAgentFrame(frame(7, T))).duplicate, false);
  await ingest.ingest(batch('b', T, 3));
  await ingest.drain();
  await ingest.compactLog();
  await ingest.ingest(batch('b', T + 3000, 3));
  await ingest.drain();
  assert.ok((await ingest.compactLog()) > 0, 'segments were dropped');
  assert.ok(![...wal.replay(0)].some((r) => r.payload[0] === 0x05), "the frame's own record is gone");
  await wal.close();

  const reopened = await WriteAheadLog.open(dir, { segmentBytes: 1 });
  const again = new IngestService(reopened, store, tracker, new LiveFeed());
  await again.recover();
  const rows = store.rows.length;
  assert.deepEqual(await again.ingestAgentFrame(frame(7, T)), { accepted: 0, duplicate: true, seq: 7 });
  assert.equal((await again.ingestAgentFrame(frame(8, T + 1000))).duplicate, false);
  await again.drain();
  assert.equal(store.rows.length, rows + 1, 'the resent batch is not stored twice; the next one is stored');
  await reopened.close();
});

test('a client resending a batch whose answer it lost stores it once, across a restart; untimed bodies are new points each time', async () => {
  const dir = tempDir('twin-ingest-');
  const store = new MemoryStore();
  const wal = await WriteAheadLog.open(dir);
  const ingest = new IngestService(wal, store, tracker, new LiveFeed());
  const timed = `cpu,host=a v=1 ${T}\ncpu,host=a v=2 ${T + 1000}`;
  await ingest.ingestLineProtocol(timed, 'ms');
  await ingest.ingestLineProtocol(timed, 'ms');
  await ingest.ingest(batch('b', T, 3));
  await ingest.ingest(batch('b', T, 3));
  await ingest.ingestLineProtocol('cpu,host=c v=1', 'ms');
  await new Promise((r) => setTimeout(r, 5));
  await ingest.ingestLineProtocol('cpu,host=c v=1', 'ms');
  await ingest.drain();
  assert.equal(store.rows.length, 2 + 3 + 2, 'resends stored once; the untimed body twice');
  assert.equal(ingest.stats.resent, 2);
  await wal.close();

  // After a restart (a kill -9 between logging and answering), the log says what was stored.
  const reopened = await WriteAheadLog.open(dir);
  const again = new IngestService(reopened, store, tracker, new LiveFeed());
  await again.recover();
  await again.ingestLineProtocol(timed, 'ms');
  await again.ingest(batch('b', T, 3));
  await again.drain();
  assert.equal(store.rows.length, 7);
  assert.equal(again.stats.resent, 2);
  await reopened.close();
});
