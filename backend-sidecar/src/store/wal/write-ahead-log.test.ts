import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../testing/temp-dir.ts';
import { WriteAheadLog } from './write-ahead-log.ts';

const payload = (i: number) => Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(i % 50) }));

test('concurrent appends get increasing sequence numbers and replay in order after reopening', async () => {
  const dir = tempDir('twin-wal-');
  const wal = await WriteAheadLog.open(dir, { segmentBytes: 2048 });
  const seqs: number[] = [];
  for (let burst = 0; burst < 20; burst++) {
    seqs.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => wal.append(payload(burst * 10 + i))))));
  }
  assert.deepEqual(
    seqs,
    Array.from({ length: 200 }, (_, i) => i + 1)
  );
  await wal.close();
  assert.ok(fs.readdirSync(dir).length > 3, 'rolled into several segments');
  const reopened = await WriteAheadLog.open(dir, { segmentBytes: 2048 });
  assert.equal(reopened.lastSeq, 200);
  const replayed = [...reopened.replay(150)].map((r) => JSON.parse(r.payload.toString()).i);
  assert.deepEqual(
    replayed,
    Array.from({ length: 50 }, (_, i) => 150 + i)
  );
  assert.equal(await reopened.append(payload(1)), 201);
  await reopened.close();
});

test('a torn record at the end (a write that was never acknowledged) is cut off; earlier ones survive', async () => {
  const dir = tempDir('twin-wal-');
  const wal = await WriteAheadLog.open(dir);
  for (let i = 0; i < 10; i++) await wal.append(payload(i));
  await wal.close();
  const [segment] = fs.readdirSync(dir);
  const file = path.join(dir, segment!);
  fs.appendFileSync(file, Buffer.from([200, 0, 0, 0, 1, 2, 3])); // half a header
  const reopened = await WriteAheadLog.open(dir);
  assert.equal(reopened.lastSeq, 10);
  assert.equal([...reopened.replay(0)].length, 10);
  await reopened.close();
});

test('corruption in an older segment is an error that names the file and the byte', async () => {
  const dir = tempDir('twin-wal-');
  const wal = await WriteAheadLog.open(dir, { segmentBytes: 200 });
  for (let i = 0; i < 20; i++) await wal.append(payload(i));
  await wal.close();
  const first = path.join(dir, fs.readdirSync(dir).sort()[0]!);
  const bytes = fs.readFileSync(first);
  bytes[20] = bytes[20]! ^ 0xff;
  fs.writeFileSync(first, bytes);
  await assert.rejects(WriteAheadLog.open(dir), /write-ahead log .*00000000000000000001\.wal is corrupt at byte 0/);
});

test('segments applied to the store are removed; the rest stay', async () => {
  const dir = tempDir('twin-wal-');
  const wal = await WriteAheadLog.open(dir, { segmentBytes: 300 });
  for (let i = 0; i < 30; i++) await wal.append(payload(i));
  const before = fs.readdirSync(dir).length;
  const removed = await wal.truncateThrough(15);
  assert.ok(removed > 0);
  assert.equal(fs.readdirSync(dir).length, before - removed);
  const seqs = [...wal.replay(0)].map((r) => r.seq);
  assert.ok(seqs[0]! <= 16 && seqs.at(-1) === 30, `first kept ${seqs[0]}`);
  await wal.close();
});
