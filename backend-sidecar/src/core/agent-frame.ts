import { createRequire } from 'node:module';
import { compress as lz4jsCompress, decompress as lz4jsDecompress } from 'lz4js';
import type { ColumnarBatch } from './columnar.ts';
import { lz4InflatedBound } from './lz4-frame-bound.ts';

/**
 * The agent's wire format: one instance's batch as columns (metric dictionary, first timestamp
 * plus varint deltas in ms, one float64 column per metric), compressed as a standard LZ4 frame
 * (the `lz4` command line tool decodes it). The header carries the agent's id and the batch's
 * sequence number, so a batch sent twice is stored once.
 */
export interface AgentFrame extends ColumnarBatch {
  agentId: string;
  seq: number;
}

const MAGIC = 0x31425754; // "TWB1"

interface Lz4 {
  compress(data: Buffer): Buffer;
  decompress(data: Buffer): Buffer;
  name: string;
}

/** lz4-napi (native, shipped in its npm package) when it loads, else lz4js (pure JavaScript). */
export function loadLz4(preferNative = true): Lz4 {
  if (preferNative) {
    try {
      const native = createRequire(import.meta.url)('lz4-napi') as {
        compressFrameSync(b: Buffer): Buffer;
        decompressFrameSync(b: Buffer): Buffer;
      };
      return {
        compress: (b) => native.compressFrameSync(b),
        decompress: (b) => native.decompressFrameSync(b),
        name: 'lz4-napi',
      };
    } catch {
      // no native build for this platform: fall through to the JavaScript one
    }
  }
  return {
    compress: (b) => Buffer.from(lz4jsCompress(b)),
    decompress: (b) => Buffer.from(lz4jsDecompress(b)),
    name: 'lz4js',
  };
}

let lz4: Lz4 | undefined;
const codec = () => (lz4 ??= loadLz4());

class Writer {
  private chunks: Buffer[] = [];
  u8(v: number) {
    this.chunks.push(Buffer.from([v]));
  }
  u16(v: number) {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    this.chunks.push(b);
  }
  u32(v: number) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.chunks.push(b);
  }
  f64(v: number) {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    this.chunks.push(b);
  }
  str(s: string) {
    const b = Buffer.from(s, 'utf8');
    this.u16(b.length);
    this.chunks.push(b);
  }
  varint(v: number) {
    const out: number[] = [];
    while (v >= 0x80) {
      out.push(v % 0x80 | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    this.chunks.push(Buffer.from(out));
  }
  raw(b: Buffer) {
    this.chunks.push(b);
  }
  done(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export function encodeAgentFrame(frame: AgentFrame, lz: Lz4 = codec()): Buffer {
  const w = new Writer();
  w.u32(MAGIC);
  w.str(frame.agentId);
  w.f64(frame.seq);
  w.str(frame.instance);
  const labels = Object.entries(frame.labels ?? {}).filter((e): e is [string, string] => e[1] !== undefined);
  w.u16(labels.length);
  for (const [k, v] of labels) {
    w.str(k);
    w.str(v);
  }
  w.u16(frame.metrics.length);
  for (const m of frame.metrics) w.str(m);
  const n = frame.ts.length;
  w.u32(n);
  if (n > 0) w.f64(frame.ts[0]!);
  for (let i = 1; i < n; i++) w.varint(Math.max(0, Math.round(frame.ts[i]! - frame.ts[i - 1]!)));
  // Column-major: each metric's values side by side, which compresses far better than rows.
  const width = frame.metrics.length;
  const columns = Buffer.alloc(n * width * 8);
  for (let c = 0; c < width; c++)
    for (let r = 0; r < n; r++) columns.writeDoubleLE(frame.values[r * width + c]!, (c * n + r) * 8);
  w.raw(columns);
  return lz.compress(w.done());
}

export class FrameError extends Error {
  /** 413 for a frame that would inflate past the limit; 400 for anything else wrong with it. */
  constructor(
    message: string,
    readonly status: 400 | 413 = 400
  ) {
    super(message);
  }
}

/**
 * The most one agent frame may inflate to: 16 MiB, fifty times a batch of 1,000 samples of 40
 * metrics (what an agent sends at most), and the compressed body limit.
 */
export const MAX_INFLATED_FRAME_BYTES = 16 * 1024 * 1024;

export function decodeAgentFrame(compressed: Buffer, lz: Lz4 = codec()): AgentFrame {
  const bound = lz4InflatedBound(compressed);
  if (bound === undefined) throw new FrameError('not an LZ4 frame (bad frame or block header)');
  if (bound > MAX_INFLATED_FRAME_BYTES)
    throw new FrameError(
      `the frame may inflate to ${bound} bytes, over the limit of ${MAX_INFLATED_FRAME_BYTES}; send smaller batches`,
      413
    );
  let data: Buffer;
  try {
    data = lz.decompress(compressed);
  } catch (err) {
    throw new FrameError(`not an LZ4 frame: ${(err as Error).message}`);
  }
  let o = 0;
  const need = (bytes: number) => {
    if (o + bytes > data.length) throw new FrameError(`batch truncated at byte ${o}`);
  };
  const u16 = () => (need(2), (o += 2), data.readUInt16LE(o - 2));
  const u32 = () => (need(4), (o += 4), data.readUInt32LE(o - 4));
  const f64 = () => (need(8), (o += 8), data.readDoubleLE(o - 8));
  const str = () => {
    const len = u16();
    need(len);
    o += len;
    return data.toString('utf8', o - len, o);
  };
  const varint = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      need(1);
      const b = data[o++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      if (shift > 49) throw new FrameError(`bad varint at byte ${o}`);
    }
  };
  if (u32() !== MAGIC) throw new FrameError('not a Twin agent batch (bad magic)');
  const agentId = str();
  const seq = f64();
  if (!Number.isSafeInteger(seq) || seq < 0) throw new FrameError(`sequence number ${seq} is not a whole number >= 0`);
  const instance = str();
  const labels: Record<string, string> = {};
  for (let i = u16(); i > 0; i--) labels[str()] = str();
  const metrics: string[] = [];
  for (let i = u16(); i > 0; i--) metrics.push(str());
  const n = u32();
  // Each sample takes at least a byte of time delta and 8 bytes per metric: a count the rest cannot hold is a lie.
  if (n > 0 && n - 1 + 8 + n * metrics.length * 8 > data.length - o)
    throw new FrameError(`the batch declares ${n} samples, more than its ${data.length - o} remaining bytes hold`);
  const ts = new Float64Array(n);
  if (n > 0) ts[0] = f64();
  for (let i = 1; i < n; i++) ts[i] = ts[i - 1]! + varint();
  const width = metrics.length;
  need(n * width * 8);
  const values = new Float64Array(n * width);
  for (let c = 0; c < width; c++)
    for (let r = 0; r < n; r++) values[r * width + c] = data.readDoubleLE(o + (c * n + r) * 8);
  return { agentId, seq, instance, labels, metrics, ts, values };
}
