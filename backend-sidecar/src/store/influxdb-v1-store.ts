import type { Sample } from '../core/types.ts';
import { toSamples, type ColumnarBatch } from '../core/columnar.ts';
import type { MetricStore, ReadWindowOptions, SeriesWindow } from './metric-store.ts';

export interface InfluxDBv1Options {
  url: string;
  database: string;
  username?: string;
  password?: string;
  /** Measurement the samples go to; one field per metric, tagged by instance. */
  measurement?: string;
  /** Whose write-ahead log the applied sequence number belongs to (one per API node sharing the database). */
  node?: string | undefined;
}

const escapeTag = (s: string) => s.replace(/([,= \\])/g, '\\$1');
const escapeKey = escapeTag;
/** An InfluxQL string literal. */
const influxString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * Metric store on InfluxDB 1.x through its v1 HTTP API: line protocol on `/write`, InfluxQL on
 * `/query`. A point written twice (same series and time) is stored once, so replaying the
 * write-ahead log after a crash cannot duplicate anything; the applied sequence number is kept as
 * a point of its own.
 */
export class InfluxDBv1Store implements MetricStore {
  private readonly measurement: string;

  constructor(private readonly options: InfluxDBv1Options) {
    this.measurement = options.measurement ?? 'twin';
  }

  private nodeTag(): string {
    return this.options.node === undefined ? '' : `,node=${escapeTag(this.options.node)}`;
  }

  private auth(): Record<string, string> {
    const { username, password } = this.options;
    return username
      ? { authorization: `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}` }
      : {};
  }

  async ensureDatabase(): Promise<void> {
    await this.query(`CREATE DATABASE "${this.options.database}"`, 'POST');
  }

  /** Serialises samples to line protocol (exported for the benchmark's load generator). */
  static toLineProtocol(samples: readonly Sample[], measurement = 'twin'): string {
    const lines: string[] = [];
    for (const s of samples) {
      const fields: string[] = [];
      for (const metric in s.values) {
        const v = s.values[metric]!;
        if (Number.isFinite(v)) fields.push(`${escapeKey(metric)}=${v}`);
      }
      if (fields.length)
        lines.push(`${measurement},instance=${escapeTag(s.instance)} ${fields.join(',')} ${Math.round(s.ts)}`);
    }
    return lines.join('\n');
  }

  async writeLines(body: string): Promise<void> {
    const url = `${this.options.url}/write?db=${encodeURIComponent(this.options.database)}&precision=ms`;
    const res = await fetch(url, { method: 'POST', headers: { ...this.auth(), 'content-type': 'text/plain' }, body });
    if (res.status !== 204) throw new Error(`InfluxDB /write answered ${res.status}: ${await res.text()}`);
  }

  async write(samples: readonly Sample[], walSeq?: number): Promise<void> {
    for (let i = 0; i < samples.length; i += 5000) {
      await this.writeLines(InfluxDBv1Store.toLineProtocol(samples.slice(i, i + 5000), this.measurement));
    }
    if (walSeq !== undefined) await this.writeLines(`twin_wal${this.nodeTag()} applied_seq=${walSeq}i 0`);
  }

  writeColumns(batches: readonly ColumnarBatch[], walSeq?: number): Promise<void> {
    return this.write(
      batches.flatMap((b) => toSamples(b)),
      walSeq
    );
  }

  async appliedSeq(): Promise<number> {
    const node = this.options.node;
    const where = node === undefined ? '' : ` WHERE "node" = ${influxString(node)}`;
    const rows = await this.select(`SELECT last(applied_seq) FROM twin_wal${where}`);
    return Number(rows[0]?.values[0]?.[1] ?? 0);
  }

  private async query(
    q: string,
    method: 'GET' | 'POST' = 'GET'
  ): Promise<{ results: { series?: InfluxSeries[]; error?: string }[] }> {
    const params = new URLSearchParams({ q, db: this.options.database, epoch: 'ms' });
    const res = await fetch(`${this.options.url}/query?${params}`, { method, headers: this.auth() });
    const json = (await res.json()) as { results: { series?: InfluxSeries[]; error?: string }[]; error?: string };
    const error = json.error ?? json.results?.find((r) => r.error)?.error;
    if (!res.ok || error) throw new Error(`InfluxQL ${q}: ${error ?? res.status}`);
    return json;
  }

  private async select(q: string): Promise<InfluxSeries[]> {
    return (await this.query(q)).results[0]?.series ?? [];
  }

  async readWindow(instance: string, options: ReadWindowOptions): Promise<SeriesWindow> {
    const where = `instance = ${influxString(instance)} AND time >= ${Math.floor(options.from)}ms AND time < ${Math.ceil(options.to)}ms`;
    const wanted = options.metrics?.length ? options.metrics : await this.listSeries(instance);
    if (wanted.length === 0) return { instance, ts: [], metrics: [], values: [] };
    const cols = wanted.map((m) => (options.stepMs ? `mean("${m}") AS "${m}"` : `"${m}"`)).join(', ');
    const group = options.stepMs ? ` GROUP BY time(${Math.max(1, Math.round(options.stepMs))}ms)` : '';
    const series = await this.select(`SELECT ${cols} FROM "${this.measurement}" WHERE ${where}${group}`);
    const rows = (series[0]?.values ?? []).filter((row) => row.slice(1).some((v) => v !== null));
    return {
      instance,
      ts: rows.map((r) => Number(r[0])),
      metrics: wanted,
      values: wanted.map((_, i) => Float64Array.from(rows, (r) => (r[i + 1] === null ? NaN : Number(r[i + 1])))),
    };
  }

  async listSeries(_instance: string): Promise<string[]> {
    const series = await this.select(`SHOW FIELD KEYS FROM "${this.measurement}"`);
    return (series[0]?.values ?? []).map((v) => String(v[0])).sort();
  }

  /** Raw points older than `rawBefore` are deleted; downsampled history is InfluxDB's own business (retention policies, continuous queries). */
  async applyRetention(rawBefore: number): Promise<{ rolledUp: number; dropped: number }> {
    await this.query(`DELETE FROM "${this.measurement}" WHERE time < ${Math.floor(rawBefore)}ms`, 'POST');
    return { rolledUp: 0, dropped: 0 };
  }

  async close(): Promise<void> {}
}

interface InfluxSeries {
  name: string;
  columns: string[];
  values: (number | string | null)[][];
}
