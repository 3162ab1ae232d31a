import { InfluxDB, Point, type QueryApi, type WriteApi } from '@influxdata/influxdb-client';
import type { Sample } from '../core/types.ts';
import { toSamples, type ColumnarBatch } from '../core/columnar.ts';
import type { MetricStore, ReadWindowOptions, SeriesWindow } from './metric-store.ts';

export interface InfluxDBv2Options {
  url: string;
  token: string;
  org: string;
  bucket: string;
  measurement?: string;
  /** Whose write-ahead log the applied sequence number belongs to (one per API node sharing the bucket). */
  node?: string | undefined;
}

const fluxString = (s: string) => JSON.stringify(s);

/**
 * Metric store on InfluxDB 2 through `@influxdata/influxdb-client`: writes as points (one field per
 * metric, tagged by instance), reads with Flux. Rewriting a point (a log replay) overwrites it, so
 * nothing is duplicated; the applied log sequence is kept as a point of its own.
 */
export class InfluxDBv2Store implements MetricStore {
  private readonly writeApi: WriteApi;
  private readonly queryApi: QueryApi;
  private readonly measurement: string;

  constructor(private readonly options: InfluxDBv2Options) {
    const client = new InfluxDB({ url: options.url, token: options.token });
    this.writeApi = client.getWriteApi(options.org, options.bucket, 'ms', { maxRetries: 2, flushInterval: 0 });
    this.queryApi = client.getQueryApi(options.org);
    this.measurement = options.measurement ?? 'twin';
  }

  /** The applied sequence number's point, tagged with its node when several share the bucket. */
  private walPoint(): Point {
    const point = new Point('twin_wal');
    return this.options.node === undefined ? point : point.tag('node', this.options.node);
  }

  async write(samples: readonly Sample[], walSeq?: number): Promise<void> {
    for (const s of samples) {
      const point = new Point(this.measurement).tag('instance', s.instance).timestamp(Math.round(s.ts));
      for (const metric in s.values) point.floatField(metric, s.values[metric]!);
      this.writeApi.writePoint(point);
    }
    if (walSeq !== undefined) this.writeApi.writePoint(this.walPoint().intField('applied_seq', walSeq).timestamp(0));
    await this.writeApi.flush();
  }

  writeColumns(batches: readonly ColumnarBatch[], walSeq?: number): Promise<void> {
    return this.write(
      batches.flatMap((b) => toSamples(b)),
      walSeq
    );
  }

  async appliedSeq(): Promise<number> {
    const rows = await this.queryApi.collectRows<{ _value: number }>(
      `from(bucket: ${fluxString(this.options.bucket)}) |> range(start: 0) |> filter(fn: (r) => r._measurement == "twin_wal"${
        this.options.node === undefined ? '' : ` and r.node == ${fluxString(this.options.node)}`
      }) |> last()`
    );
    return Number(rows[0]?._value ?? 0);
  }

  async readWindow(instance: string, options: ReadWindowOptions): Promise<SeriesWindow> {
    const fields = options.metrics?.length
      ? ` and (${options.metrics.map((m) => `r._field == ${fluxString(m)}`).join(' or ')})`
      : '';
    const flux = [
      `from(bucket: ${fluxString(this.options.bucket)})`,
      `|> range(start: ${new Date(options.from).toISOString()}, stop: ${new Date(options.to).toISOString()})`,
      `|> filter(fn: (r) => r._measurement == ${fluxString(this.measurement)} and r.instance == ${fluxString(instance)}${fields})`,
      ...(options.stepMs
        ? [
            `|> aggregateWindow(every: ${Math.round(options.stepMs)}ms, fn: mean, createEmpty: false, timeSrc: "_start")`,
          ]
        : []),
      '|> keep(columns: ["_time", "_field", "_value"])',
    ].join('\n  ');
    const rows = await this.queryApi.collectRows<{ _time: string; _field: string; _value: number }>(flux);
    const byTs = new Map<number, Map<string, number>>();
    const metrics = new Set<string>(options.metrics ?? []);
    for (const row of rows) {
      const ts = Date.parse(row._time);
      let m = byTs.get(ts);
      if (!m) byTs.set(ts, (m = new Map()));
      m.set(row._field, Number(row._value));
      metrics.add(row._field);
    }
    const ts = [...byTs.keys()].sort((a, b) => a - b);
    const names = [...metrics].sort();
    return {
      instance,
      ts,
      metrics: names,
      values: names.map((n) => Float64Array.from(ts, (t) => byTs.get(t)!.get(n) ?? NaN)),
    };
  }

  async listSeries(instance: string): Promise<string[]> {
    const rows = await this.queryApi.collectRows<{ _value: string }>(
      `import "influxdata/influxdb/schema"\nschema.fieldKeys(bucket: ${fluxString(this.options.bucket)}, predicate: (r) => r._measurement == ${fluxString(this.measurement)} and r.instance == ${fluxString(instance)})`
    );
    return rows.map((r) => r._value).sort();
  }

  /** Raw retention and downsampling are the bucket's retention period and InfluxDB tasks. */
  async applyRetention(): Promise<{ rolledUp: number; dropped: number }> {
    return { rolledUp: 0, dropped: 0 };
  }

  async close(): Promise<void> {
    await this.writeApi.close();
  }
}
