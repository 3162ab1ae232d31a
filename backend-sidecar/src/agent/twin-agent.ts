import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { toColumnar } from '../core/columnar.ts';
import { encodeAgentFrame } from '../core/agent-frame.ts';
import { Spool } from './spool.ts';
import type { InstanceLabels } from '../core/types.ts';
import { ProcReader, type ProcSnapshot } from './procfs.ts';
import { mergeSnapshots, metricsBetween } from './rates.ts';
import { tcpConnectMs, type ProbeTarget } from './tcp-probe.ts';
import { post } from './http-post.ts';

export const MIN_HZ = 0.1;
export const MAX_HZ = 100;

export interface AgentOptions {
  url: string;
  hz: number;
  instance: string;
  labels: InstanceLabels;
  probeTargets: ProbeTarget[];
  token?: string | undefined;
  /** Where batches wait while the sidecar is unreachable (default: a folder per instance under the temp dir). */
  spoolDir?: string;
  /** Most bytes the spool may hold; beyond it the oldest batches are dropped (and counted). */
  maxSpoolBytes?: number;
  /** Most time a sample waits in a batch before the batch is sent. */
  batchMs?: number;
  log?: (message: string) => void;
}

export function validateHz(hz: number, source = '--hz'): number {
  if (!Number.isFinite(hz) || hz < MIN_HZ || hz > MAX_HZ) {
    throw new Error(`${source} must be between ${MIN_HZ} and ${MAX_HZ} Hz (samples per second), got ${hz}`);
  }
  return hz;
}

/** The instance id: configured, else this machine's /etc/machine-id, else its host name. */
export function defaultInstanceId(): string {
  try {
    const id = fs.readFileSync('/etc/machine-id', 'utf8').trim();
    if (/^[0-9a-f]{8,}$/i.test(id)) return `${os.hostname()}-${id.slice(0, 8)}`;
  } catch {
    // no machine-id (some containers): fall back to the host name
  }
  return os.hostname();
}

interface PendingSample {
  ts: number;
  values: Record<string, number>;
}

/**
 * Samples this machine at a fixed rate with timestamps from one monotonic clock anchored to wall
 * time, batches the samples and sends them to the sidecar, keeping them while it is unreachable.
 */
export class TwinAgent {
  private readonly reader: ProcReader;
  private readonly wallAnchor = Date.now();
  private readonly monoAnchor = performance.now();
  private previous: { snap: ProcSnapshot; mono: number } | undefined;
  private batch: PendingSample[] = [];
  private batchStarted = 0;
  private lastTs = 0;
  private readonly spool: Spool;
  private readonly agentId: string;
  private nextSeq: number;
  private latencyMs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private stopped = false;
  private tick = 0;
  private backoffUntil = 0;
  private failures = 0;
  readonly stats = { sampled: 0, sent: 0, batches: 0, duplicates: 0, rejected: 0 };
  private readonly periodMs: number;

  constructor(private readonly options: AgentOptions) {
    validateHz(options.hz);
    this.periodMs = 1000 / options.hz;
    this.reader = new ProcReader('', (source, reason) => this.log(`source ${source} unavailable, skipped: ${reason}`));
    const dir =
      options.spoolDir ?? path.join(os.tmpdir(), `twin-agent-${options.instance.replace(/[^A-Za-z0-9._-]/g, '_')}`);
    this.spool = new Spool(dir, options.maxSpoolBytes ?? 256 * 1024 * 1024);
    this.nextSeq = this.spool.lastSeq + 1;
    // One id per spool: resent batches keep their (id, sequence) so the sidecar stores them once.
    const idFile = path.join(dir, 'agent-id');
    if (!fs.existsSync(idFile)) fs.writeFileSync(idFile, randomUUID());
    this.agentId = fs.readFileSync(idFile, 'utf8').trim();
    if (this.spool.length)
      this.log(`${this.spool.length} batches waiting in the spool from before; sending them first`);
  }

  get spooled(): number {
    return this.spool.length;
  }

  get spoolDropped(): number {
    return this.spool.dropped;
  }

  private log(message: string): void {
    this.options.log?.(message);
  }

  /** Milliseconds since the epoch from the monotonic clock: never jumps when the wall clock is set. */
  now(): number {
    return this.wallAnchor + (performance.now() - this.monoAnchor);
  }

  start(): void {
    this.previous = { snap: this.reader.read(), mono: performance.now() };
    const probe = async () => {
      const results = await Promise.all(this.options.probeTargets.map((t) => tcpConnectMs(t)));
      const ok = results.filter((r): r is number => r !== undefined);
      this.latencyMs = ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : undefined;
      if (!this.stopped) this.probeTimer = setTimeout(probe, 1000);
    };
    if (this.options.probeTargets.length) void probe();
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.tick++;
    // Behind by more than a period (the event loop was busy): skip the missed ticks rather than
    // taking samples back to back, which would measure nothing and could share a timestamp.
    const now = performance.now();
    if (this.monoAnchor + this.tick * this.periodMs < now - this.periodMs) {
      this.tick = Math.ceil((now - this.monoAnchor) / this.periodMs);
    }
    const due = this.monoAnchor + this.tick * this.periodMs;
    this.timer = setTimeout(() => this.sampleOnce(), Math.max(0, due - performance.now()));
  }

  private sampleOnce(): void {
    const mono = performance.now();
    const snap = this.reader.read();
    const seconds = (mono - this.previous!.mono) / 1000;
    const values = metricsBetween(this.previous!.snap, snap, seconds);
    if (this.latencyMs !== undefined) values.net_latency_ms = this.latencyMs;
    this.previous = { snap: mergeSnapshots(this.previous!.snap, snap), mono };
    // Strictly increasing timestamps: one sample per millisecond at most.
    const ts = Math.max(Math.round(this.wallAnchor + (mono - this.monoAnchor)), this.lastTs + 1);
    this.lastTs = ts;
    if (this.batch.length === 0) this.batchStarted = mono;
    this.batch.push({ ts, values });
    this.stats.sampled++;
    // A batch is about a second of samples (at most 1,000), or whatever waited batchMs.
    if (
      this.batch.length >= Math.min(1000, Math.max(1, Math.round(this.options.hz))) ||
      mono - this.batchStarted >= (this.options.batchMs ?? 1000)
    ) {
      this.seal();
    }
    this.schedule();
  }

  /** Encodes the current batch into the spool; the sender takes it from there. */
  private seal(): void {
    if (this.batch.length === 0) return;
    const columns = toColumnar(this.options.instance, this.options.labels, this.batch);
    // The batch's time in ms, or one past the last: an agent restarted with an empty spool (or a
    // new host keeping the id) starts above every sequence it sent before, which the sidecar would
    // otherwise take for resent batches and drop.
    const seq = Math.max(this.nextSeq, Date.now());
    this.nextSeq = seq + 1;
    this.spool.put(seq, encodeAgentFrame({ ...columns, agentId: this.agentId, seq }));
    this.batch = [];
    this.stats.batches++;
    void this.flush();
  }

  /** Sends spooled batches oldest first until the spool is empty or the sidecar is away. */
  flush(): Promise<void> {
    this.sending ??= this.sendLoop().finally(() => (this.sending = undefined));
    return this.sending;
  }

  private async sendLoop(): Promise<void> {
    for (let next = this.spool.oldest(); next && Date.now() >= this.backoffUntil; next = this.spool.oldest()) {
      try {
        const response = await post(new URL('/api/v1/agent/batches', this.options.url), next.frame, {
          'content-type': 'application/vnd.twin.batch+lz4',
          ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
        });
        if (response.status >= 200 && response.status < 300) {
          const ack = JSON.parse(response.body.toString('utf8')) as { accepted: number; duplicate: boolean };
          this.spool.remove(next.seq);
          this.stats.sent += ack.accepted;
          if (ack.duplicate) this.stats.duplicates++;
          this.failures = 0;
        } else if (response.status >= 400 && response.status < 500 && response.status !== 429) {
          this.log(`sidecar refused batch ${next.seq} (${response.status}): ${response.body.toString('utf8')}`);
          this.spool.remove(next.seq);
          this.stats.rejected++;
        } else {
          const retryAfter = Number(response.retryAfter);
          this.retryLater(
            `sidecar answered ${response.status}`,
            Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined
          );
        }
      } catch (err) {
        this.retryLater((err as Error).message);
      }
    }
  }

  private retryLater(reason: string, delayMs?: number): void {
    this.failures++;
    const delay = delayMs ?? Math.min(5_000, 100 * 2 ** Math.min(this.failures, 6));
    this.backoffUntil = Date.now() + delay;
    if (this.failures === 1 || this.failures % 20 === 0) {
      this.log(`sidecar unreachable (${reason}); ${this.spool.length} batches spooled, retrying`);
    }
    setTimeout(() => void this.flush(), delay).unref();
  }

  /** Stops sampling; sends what it can within `graceMs` and leaves the rest in the spool. */
  async stop(graceMs = 3000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.seal();
    const deadline = Date.now() + graceMs;
    while (this.spool.length && Date.now() < deadline) {
      this.backoffUntil = Math.min(this.backoffUntil, Date.now());
      await this.flush();
      if (this.spool.length) await new Promise((r) => setTimeout(r, 100));
    }
  }
}
