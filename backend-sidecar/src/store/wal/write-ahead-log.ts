import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * Append-only log of accepted writes. A write is acknowledged only after its record is on disk
 * (fdatasync); appends that arrive while a sync is running are written together by the next one
 * (group commit), so durability costs one sync per burst, not per request.
 *
 * Record: length u32 | crc32(seq + payload) u32 | seq u64 | payload. Segments are named by their
 * first sequence number and rolled at `segmentBytes`.
 */
export interface WalRecord {
  seq: number;
  payload: Buffer;
}

export interface WalOptions {
  segmentBytes?: number;
}

const HEADER = 16;
const SEGMENT = /^(\d{20})\.wal$/;
// Buffers per writev call (IOV_MAX on Linux is 1,024).
const MAX_WRITEV_BUFFERS = 1024;

interface Pending {
  seq: number;
  /** The record: its header, then the payload's parts as they came (no copy). */
  parts: Buffer[];
  resolve: (seq: number) => void;
  reject: (err: Error) => void;
}

function record(seq: number, payload: Buffer | readonly Buffer[]): Buffer[] {
  const parts = Buffer.isBuffer(payload) ? [payload] : [...payload];
  const header = Buffer.allocUnsafe(HEADER);
  header.writeUInt32LE(
    parts.reduce((n, p) => n + p.length, 0),
    0
  );
  header.writeBigUInt64LE(BigInt(seq), 8);
  let crc = crc32(header.subarray(8));
  for (const part of parts) crc = crc32(part, crc);
  header.writeUInt32LE(crc, 4);
  return [header, ...parts];
}

/** Reads the records of one segment; stops at the first incomplete or corrupt record. */
function readSegment(file: string): { records: WalRecord[]; validBytes: number; size: number } {
  const data = fs.readFileSync(file);
  const records: WalRecord[] = [];
  let offset = 0;
  while (offset + HEADER <= data.length) {
    const length = data.readUInt32LE(offset);
    const end = offset + HEADER + length;
    if (end > data.length) break;
    if (crc32(data.subarray(offset + 8, end)) !== data.readUInt32LE(offset + 4)) break;
    records.push({ seq: Number(data.readBigUInt64LE(offset + 8)), payload: data.subarray(offset + HEADER, end) });
    offset = end;
  }
  return { records, validBytes: offset, size: data.length };
}

export class WriteAheadLog {
  private handle: fsp.FileHandle | undefined;
  private segmentSize = 0;
  private nextSeq: number;
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;
  private readonly segmentBytes: number;
  /** Bytes on disk over all segments. */
  bytes = 0;

  private constructor(
    readonly dir: string,
    lastSeq: number,
    options: WalOptions
  ) {
    this.nextSeq = lastSeq + 1;
    this.segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
  }

  /**
   * Opens the log, cutting off a torn record at the end of the last segment (a write that was
   * never acknowledged). Corruption anywhere else is an error that names the file and offset.
   */
  static async open(dir: string, options: WalOptions = {}): Promise<WriteAheadLog> {
    await fsp.mkdir(dir, { recursive: true });
    const segments = WriteAheadLog.segments(dir);
    let lastSeq = 0;
    let bytes = 0;
    segments.forEach((file, i) => {
      const { records, validBytes, size } = readSegment(file);
      if (validBytes < size) {
        if (i < segments.length - 1) {
          throw new Error(`write-ahead log ${file} is corrupt at byte ${validBytes} of ${size} (not its last segment)`);
        }
        fs.truncateSync(file, validBytes);
      }
      bytes += validBytes;
      if (records.length) lastSeq = records[records.length - 1]!.seq;
      else if (i === 0) lastSeq = Number(SEGMENT.exec(path.basename(file))![1]) - 1;
    });
    const wal = new WriteAheadLog(dir, lastSeq, options);
    wal.bytes = bytes;
    return wal;
  }

  private static segments(dir: string): string[] {
    return fs
      .readdirSync(dir)
      .filter((f) => SEGMENT.test(f))
      .sort()
      .map((f) => path.join(dir, f));
  }

  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** Resolves with the record's sequence number once it is durable. */
  append(payload: Buffer | readonly Buffer[]): Promise<number> {
    if (this.closed) return Promise.reject(new Error('write-ahead log is closed'));
    const seq = this.nextSeq++;
    return new Promise((resolve, reject) => {
      this.pending.push({ seq, parts: record(seq, payload), resolve, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending;
      this.pending = [];
      try {
        if (!this.handle || this.segmentSize >= this.segmentBytes) await this.roll(batch[0]!.seq);
        const buffers = batch.flatMap((p) => p.parts);
        const length = buffers.reduce((n, b) => n + b.length, 0);
        for (let from = 0; from < buffers.length; from += MAX_WRITEV_BUFFERS) {
          const { bytesWritten } = await this.handle!.writev(buffers.slice(from, from + MAX_WRITEV_BUFFERS));
          const expected = buffers.slice(from, from + MAX_WRITEV_BUFFERS).reduce((n, b) => n + b.length, 0);
          if (bytesWritten !== expected)
            throw new Error(`short write to the log (${bytesWritten} of ${expected} bytes)`);
        }
        await this.handle!.datasync();
        this.segmentSize += length;
        this.bytes += length;
        for (const p of batch) p.resolve(p.seq);
      } catch (err) {
        for (const p of batch) p.reject(err as Error);
      }
    }
    this.flushing = undefined;
  }

  private async roll(firstSeq: number): Promise<void> {
    await this.handle?.close();
    const file = path.join(this.dir, `${String(firstSeq).padStart(20, '0')}.wal`);
    this.handle = await fsp.open(file, 'a');
    this.segmentSize = (await this.handle.stat()).size;
    // Make the new file's directory entry durable too.
    const dirHandle = await fsp.open(this.dir, 'r');
    await dirHandle.sync().finally(() => dirHandle.close());
  }

  /** Every durable record after `afterSeq`, in order. */
  *replay(afterSeq: number): Generator<WalRecord> {
    for (const file of WriteAheadLog.segments(this.dir)) {
      for (const record of readSegment(file).records) if (record.seq > afterSeq) yield record;
    }
  }

  /** Deletes segments whose records are all at or below `seq` (applied to the store and durable there). */
  async truncateThrough(seq: number): Promise<number> {
    const segments = WriteAheadLog.segments(this.dir);
    let removed = 0;
    for (let i = 0; i + 1 < segments.length; i++) {
      const nextFirst = Number(SEGMENT.exec(path.basename(segments[i + 1]!))![1]);
      if (nextFirst - 1 > seq) break;
      this.bytes -= fs.statSync(segments[i]!).size;
      await fsp.unlink(segments[i]!);
      removed++;
    }
    return removed;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    await this.handle?.close();
    this.handle = undefined;
  }
}
