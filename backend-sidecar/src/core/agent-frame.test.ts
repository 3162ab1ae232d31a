import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../testing/temp-dir.ts';
import { decodeAgentFrame, encodeAgentFrame, FrameError, loadLz4, type AgentFrame } from './agent-frame.ts';
import { lz4InflatedBound } from './lz4-frame-bound.ts';

const frame: AgentFrame = {
  agentId: 'a1b2',
  seq: 41,
  instance: 'web-1',
  labels: { host: 'web-1', zone: 'z' },
  metrics: ['cpu_user_pct', 'mem_used_pct'],
  ts: Float64Array.from([1_700_000_000_000, 1_700_000_000_010, 1_700_000_000_020]),
  values: Float64Array.from([1.5, 40, NaN, 41, 2.5, 42]),
};

test('a batch round-trips through the LZ4 frame, gaps (NaN) included', () => {
  assert.deepEqual(decodeAgentFrame(encodeAgentFrame(frame)), frame);
});

test('the frame is standard LZ4: the lz4 command line tool decodes it', () => {
  const file = path.join(tempDir('twin-lz4-'), 'batch.lz4');
  fs.writeFileSync(file, encodeAgentFrame(frame));
  const raw = execFileSync('lz4', ['-dc', file]);
  assert.equal(raw.subarray(0, 4).toString('latin1'), 'TWB1');
  assert.ok(raw.includes(Buffer.from('mem_used_pct')));
});

test('native (lz4-napi) and JavaScript (lz4js) codecs read each other: the fallback works', () => {
  const native = loadLz4(true);
  const js = loadLz4(false);
  assert.equal(native.name, 'lz4-napi');
  assert.equal(js.name, 'lz4js');
  assert.deepEqual(decodeAgentFrame(encodeAgentFrame(frame, native), js), frame);
  assert.deepEqual(decodeAgentFrame(encodeAgentFrame(frame, js), native), frame);
});

test('damaged frames are refused with a clear error, never a crash', () => {
  assert.throws(() => decodeAgentFrame(Buffer.from('not lz4 at all')), FrameError);
  const ok = loadLz4().decompress(encodeAgentFrame(frame));
  assert.throws(
    () => decodeAgentFrame(loadLz4().compress(ok.subarray(0, ok.length - 9))),
    /more than its 49 remaining bytes hold/
  );
  assert.throws(() => decodeAgentFrame(loadLz4().compress(ok.subarray(0, 12))), /batch truncated at byte/);
  assert.throws(() => decodeAgentFrame(loadLz4().compress(Buffer.from('XXXX'))), /bad magic/);
});

test('a decompression bomb is refused from its block headers, before anything is inflated (413)', () => {
  // 256 MiB of zeros compresses to about 1 MB; the frame's blocks say it inflates past the limit.
  const bomb = loadLz4().compress(Buffer.alloc(256 * 1024 * 1024));
  const rssBefore = process.memoryUsage().rss;
  assert.throws(
    () => decodeAgentFrame(bomb),
    (e: Error) =>
      e instanceof FrameError && e.status === 413 && /may inflate to \d+ bytes, over the limit/.test(e.message)
  );
  assert.ok(process.memoryUsage().rss - rssBefore < 64 * 1024 * 1024, 'nothing was inflated');
  assert.equal(
    lz4InflatedBound(encodeAgentFrame(frame))! >= loadLz4().decompress(encodeAgentFrame(frame)).length,
    true
  );
});

test('a frame whose header lies about its samples or sequence is refused with 400, never a crash', () => {
  const raw = loadLz4().decompress(encodeAgentFrame(frame));
  // The sample count sits after the header and the metric names: write 2^32 - 1 there.
  const at = raw.indexOf(Buffer.from('mem_used_pct')) + 'mem_used_pct'.length;
  const lying = Buffer.from(raw);
  lying.writeUInt32LE(0xffffffff, at);
  assert.throws(() => decodeAgentFrame(loadLz4().compress(lying)), /declares 4294967295 samples, more than/);
  const nanSeq = Buffer.from(raw);
  nanSeq.writeDoubleLE(NaN, 4 + 2 + frame.agentId.length);
  assert.throws(() => decodeAgentFrame(loadLz4().compress(nanSeq)), /sequence number NaN is not a whole number/);
});
