import fs from 'node:fs';

const SPACE = 0x20;
const TAB = 0x09;
const NEWLINE = 0x0a;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * A /proc file's bytes, read through a descriptor kept open (pread at offset 0) and scanned in
 * place: at 100 Hz, decoding whole files into strings and splitting them into lines was most of
 * the agent's time and nearly all of its garbage.
 */
export class ProcText {
  private static readonly descriptors = new Map<string, number>();
  private static buffer = Buffer.allocUnsafe(64 * 1024);

  /** Where the last `number()` stopped. */
  next = 0;

  private constructor(
    readonly bytes: Buffer,
    readonly length: number
  ) {}

  /** Reads a whole file. The bytes are shared: use them before the next read. */
  static read(file: string): ProcText {
    let fd = ProcText.descriptors.get(file);
    if (fd === undefined) {
      fd = fs.openSync(file, 'r');
      ProcText.descriptors.set(file, fd);
    }
    for (;;) {
      const n = fs.readSync(fd, ProcText.buffer, 0, ProcText.buffer.length, 0);
      if (n < ProcText.buffer.length) return new ProcText(ProcText.buffer, n);
      ProcText.buffer = Buffer.allocUnsafe(ProcText.buffer.length * 2);
    }
  }

  /** Position of `token` at or after `from`, or -1. */
  find(token: Buffer | string, from = 0): number {
    const at = this.bytes.indexOf(token, from, 'latin1');
    return at < 0 || at >= this.length ? -1 : at;
  }

  /** Position just past the end of the line that holds `pos`. */
  lineAfter(pos: number): number {
    const at = this.find('\n', pos);
    return at < 0 ? this.length : at + 1;
  }

  /** Skips blanks from `pos`; then the end of the word that starts there (sets `next` to it). */
  word(pos: number): number {
    const b = this.bytes;
    while (pos < this.length && (b[pos] === SPACE || b[pos] === TAB)) pos++;
    let end = pos;
    while (end < this.length && b[end] !== SPACE && b[end] !== TAB && b[end] !== NEWLINE) end++;
    this.next = end;
    return pos;
  }

  text(from: number, to: number): string {
    return this.bytes.toString('latin1', from, to);
  }

  /** The decimal number at `pos` (blanks skipped; NaN if there is none); `next` is set past it. */
  number(pos: number): number {
    const b = this.bytes;
    while (pos < this.length && (b[pos] === SPACE || b[pos] === TAB)) pos++;
    let value = 0;
    let digits = 0;
    while (pos < this.length && b[pos]! >= ZERO && b[pos]! <= NINE) {
      value = value * 10 + (b[pos]! - ZERO);
      pos++;
      digits++;
    }
    if (pos < this.length && b[pos] === DOT) {
      pos++;
      let fraction = 0;
      let scale = 1;
      while (pos < this.length && b[pos]! >= ZERO && b[pos]! <= NINE) {
        fraction = fraction * 10 + (b[pos]! - ZERO);
        scale *= 10;
        pos++;
        digits++;
      }
      value += fraction / scale;
    }
    this.next = pos;
    return digits ? value : NaN;
  }

  /** The `count` numbers that follow `pos`, into `out`. */
  numbers(pos: number, count: number, out: number[]): number[] {
    for (let i = 0; i < count; i++) {
      out[i] = this.number(pos);
      pos = this.next;
    }
    return out;
  }

  /** The number after `key` (a line start such as "\nCached:"), or NaN when the key is absent. */
  valueAfter(key: string): number {
    const at = this.find(key);
    return at < 0 ? NaN : this.number(at + key.length);
  }
}
