import fs from 'node:fs';
import path from 'node:path';

/**
 * The agent's outbox: encoded batches as files named by sequence number, sent oldest first and
 * deleted once acknowledged, so they survive the sidecar being away (and the agent restarting).
 * Bounded in bytes: when full, the oldest batches are dropped and counted, never the newest.
 */
export class Spool {
  private readonly files: { seq: number; bytes: number }[] = [];
  private bytes = 0;
  dropped = 0;

  constructor(
    readonly dir: string,
    private readonly maxBytes: number
  ) {
    fs.mkdirSync(dir, { recursive: true });
    for (const name of fs.readdirSync(dir)) {
      const m = /^(\d{16})\.twb$/.exec(name);
      if (!m) continue;
      const bytes = fs.statSync(path.join(dir, name)).size;
      this.files.push({ seq: Number(m[1]), bytes });
      this.bytes += bytes;
    }
    this.files.sort((a, b) => a.seq - b.seq);
  }

  private file(seq: number): string {
    return path.join(this.dir, `${String(seq).padStart(16, '0')}.twb`);
  }

  /** The sequence number to use after the last one spooled (continues across restarts). */
  get lastSeq(): number {
    return this.files.at(-1)?.seq ?? -1;
  }

  get length(): number {
    return this.files.length;
  }

  get size(): number {
    return this.bytes;
  }

  put(seq: number, frame: Buffer): void {
    const tmp = `${this.file(seq)}.tmp`;
    fs.writeFileSync(tmp, frame);
    fs.renameSync(tmp, this.file(seq));
    this.files.push({ seq, bytes: frame.length });
    this.bytes += frame.length;
    while (this.bytes > this.maxBytes && this.files.length > 1) {
      const oldest = this.files.shift()!;
      fs.rmSync(this.file(oldest.seq), { force: true });
      this.bytes -= oldest.bytes;
      this.dropped++;
    }
  }

  oldest(): { seq: number; frame: Buffer } | undefined {
    const head = this.files[0];
    return head ? { seq: head.seq, frame: fs.readFileSync(this.file(head.seq)) } : undefined;
  }

  remove(seq: number): void {
    const i = this.files.findIndex((f) => f.seq === seq);
    if (i < 0) return;
    fs.rmSync(this.file(seq), { force: true });
    this.bytes -= this.files[i]!.bytes;
    this.files.splice(i, 1);
  }
}
