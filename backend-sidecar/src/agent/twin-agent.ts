import fs from 'node:fs';
import os from 'node:os';
import type { InstanceLabels } from '../core/types.ts';
import { ProcReader, type ProcSnapshot } from './procfs.ts';
import { metricsBetween } from './rates.ts';
import { tcpConnectMs, type ProbeTarget } from './tcp-probe.ts';

export const MIN_HZ = 0.1;
export const MAX_HZ = 100;

export interface AgentOptions {
  url: string;
  hz: number;
  instance: string;
  labels: InstanceLabels;
  probeTargets: ProbeTarget[];
  token?: string | undefined;
  /** Most samples kept in memory while the sidecar is unreachable. */
  maxQueuedSamples?: number;
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
  private queue: PendingSample[] = [];
  private latencyMs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private sending = false;
  private stopped = false;
  private tick = 0;
  private readonly periodMs: number;
  private backoffUntil = 0;
  private failures = 0;
  readonly stats = { sampled: 0, sent: 0, dropped: 0 };

  constructor(private readonly options: AgentOptions) {
    validateHz(options.hz);
    this.periodMs = 1000 / options.hz;
    this.reader = new ProcReader('', (source, reason) => this.log(`source ${source} unavailable, skipped: ${reason}`));
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
    const due = this.monoAnchor + this.tick * this.periodMs;
    this.timer = setTimeout(() => this.sampleOnce(), Math.max(0, due - performance.now()));
  }

  private sampleOnce(): void {
    const mono = performance.now();
    const snap = this.reader.read();
    const seconds = (mono - this.previous!.mono) / 1000;
    const values = metricsBetween(this.previous!.snap, snap, seconds);
    if (this.latencyMs !== undefined) values.net_latency_ms = this.latencyMs;
    this.previous = { snap, mono };
    this.queue.push({ ts: Math.round(this.wallAnchor + (mono - this.monoAnchor)), values });
    this.stats.sampled++;
    const max = this.options.maxQueuedSamples ?? 100_000;
    if (this.queue.length > max) {
      this.stats.dropped += this.queue.length - max;
      this.queue.splice(0, this.queue.length - max);
    }
    // Batch about a second of samples per request.
    if (this.queue.length >= Math.max(1, Math.round(this.options.hz))) void this.flush();
    this.schedule();
  }

  async flush(): Promise<void> {
    if (this.sending || this.queue.length === 0 || Date.now() < this.backoffUntil) return;
    this.sending = true;
    const batch = this.queue.slice(0, 5000);
    try {
      const response = await fetch(new URL('/api/v1/ingest', this.options.url), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
        },
        body: JSON.stringify({ instance: this.options.instance, labels: this.options.labels, samples: batch }),
        signal: AbortSignal.timeout(10_000),
      });
      if (response.ok) {
        this.queue.splice(0, batch.length);
        this.stats.sent += batch.length;
        this.failures = 0;
      } else if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        this.log(`sidecar refused a batch (${response.status}): ${await response.text()}`);
        this.queue.splice(0, batch.length);
        this.stats.dropped += batch.length;
      } else {
        this.retryLater(`sidecar answered ${response.status}`);
      }
    } catch (err) {
      this.retryLater((err as Error).message);
    } finally {
      this.sending = false;
    }
  }

  private retryLater(reason: string): void {
    this.failures++;
    const delay = Math.min(30_000, 500 * 2 ** Math.min(this.failures, 6));
    this.backoffUntil = Date.now() + delay;
    if (this.failures === 1 || this.failures % 10 === 0) {
      this.log(`sidecar unreachable (${reason}); keeping ${this.queue.length} samples, retrying`);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.backoffUntil = 0;
    await this.flush();
  }
}
