import { Serial } from './serial.ts';
import { BIGINT, DOUBLE, DuckDBDataChunk, INTEGER, type DuckDBConnection } from '@duckdb/node-api';
import type { Sample } from '../core/types.ts';
import { toColumnar, type ColumnarBatch } from '../core/columnar.ts';
import type { EmbeddedDatabase } from './embedded-database.ts';
import type { MetricStore, ReadWindowOptions, SeriesWindow } from './metric-store.ts';

const ROLLUP_MS = 300_000;
/** DuckDB's vector size: rows per appended chunk. */
const CHUNK_ROWS = 2048;

interface ChunkVector<T> {
  setItem(index: number, value: T): void;
  flush(): void;
}

/**
 * Metric store on the embedded DuckDB file. Points are (series id, ts, value), appended as whole
 * columnar chunks (one native call per 2,048 points instead of several per point); the series
 * table maps ids to (instance, metric) and is cached in memory.
 */
export class DuckDBMetricStore implements MetricStore {
  private writeChain: Promise<void> = Promise.resolve();
  private readonly reads = new Serial();
  private readonly byInstance = new Map<string, Map<string, number>>();
  private nextSid = 1;

  private constructor(
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection
  ) {}

  static async open(db: EmbeddedDatabase): Promise<DuckDBMetricStore> {
    const store = new DuckDBMetricStore(await db.connect(), await db.connect());
    const rows = (await store.reader.runAndReadAll('SELECT sid, instance, metric FROM series')).getRows() as [
      number,
      string,
      string,
    ][];
    for (const [sid, instance, metric] of rows) store.remember(sid, instance, metric);
    return store;
  }

  private remember(sid: number, instance: string, metric: string): void {
    let metrics = this.byInstance.get(instance);
    if (!metrics) this.byInstance.set(instance, (metrics = new Map()));
    metrics.set(metric, sid);
    this.nextSid = Math.max(this.nextSid, sid + 1);
  }

  write(samples: readonly Sample[], walSeq?: number): Promise<void> {
    const byInstance = new Map<string, Sample[]>();
    for (const s of samples) {
      let list = byInstance.get(s.instance);
      if (!list) byInstance.set(s.instance, (list = []));
      list.push(s);
    }
    return this.writeColumns(
      [...byInstance].map(([instance, list]) => toColumnar(instance, undefined, list)),
      walSeq
    );
  }

  writeColumns(batches: readonly ColumnarBatch[], walSeq?: number): Promise<void> {
    // Appends are serialised: one transaction at a time on the writer connection.
    const next = this.writeChain.then(() => this.append(batches, walSeq));
    this.writeChain = next.catch(() => undefined);
    return next;
  }

  private async append(batches: readonly ColumnarBatch[], walSeq?: number): Promise<void> {
    if (batches.length === 0 && walSeq === undefined) return;
    const created: [number, string, string][] = [];
    await this.writer.run('BEGIN TRANSACTION');
    const appender = await this.writer.createAppender('points');
    try {
      const chunk = DuckDBDataChunk.create([INTEGER, BIGINT, DOUBLE], CHUNK_ROWS);
      const sidVec = chunk.getColumnVector(0) as unknown as ChunkVector<number>;
      const tsVec = chunk.getColumnVector(1) as unknown as ChunkVector<bigint>;
      const valueVec = chunk.getColumnVector(2) as unknown as ChunkVector<number>;
      let row = 0;
      const emit = () => {
        sidVec.flush();
        tsVec.flush();
        valueVec.flush();
        // The appender copies the chunk: a full one is refilled rather than reallocated (the last,
        // shorter one ends the loop).
        if (row < CHUNK_ROWS) chunk.rowCount = row;
        appender.appendDataChunk(chunk);
        row = 0;
      };
      for (const batch of batches) {
        let metrics = this.byInstance.get(batch.instance);
        if (!metrics) this.byInstance.set(batch.instance, (metrics = new Map()));
        // One series id per column, looked up once per batch.
        const sids = batch.metrics.map((metric) => {
          let sid = metrics.get(metric);
          if (sid === undefined) {
            sid = this.nextSid++;
            metrics.set(metric, sid);
            created.push([sid, batch.instance, metric]);
          }
          return sid;
        });
        const width = sids.length;
        for (let r = 0; r < batch.ts.length; r++) {
          const ts = BigInt(Math.round(batch.ts[r]!));
          const base = r * width;
          for (let c = 0; c < width; c++) {
            const value = batch.values[base + c]!;
            if (Number.isNaN(value)) continue;
            sidVec.setItem(row, sids[c]!);
            tsVec.setItem(row, ts);
            valueVec.setItem(row, value);
            if (++row === CHUNK_ROWS) emit();
          }
        }
      }
      if (row > 0) emit();
      appender.flushSync();
      appender.closeSync();
      if (created.length) {
        const series = await this.writer.createAppender('series');
        for (const [sid, instance, metric] of created) {
          series.appendInteger(sid);
          series.appendVarchar(instance);
          series.appendVarchar(metric);
          series.endRow();
        }
        series.flushSync();
        series.closeSync();
      }
      if (walSeq !== undefined) {
        await this.writer.run('UPDATE wal_state SET applied_seq = $seq WHERE id = 1', { seq: BigInt(walSeq) });
      }
      await this.writer.run('COMMIT');
      for (const [sid, instance, metric] of created) this.remember(sid, instance, metric);
    } catch (err) {
      for (const [, instance, metric] of created) this.byInstance.get(instance)?.delete(metric);
      try {
        appender.closeSync();
      } catch {
        // already closed
      }
      await this.writer.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  async appliedSeq(): Promise<number> {
    await this.writeChain;
    const reader = await this.query('SELECT applied_seq FROM wal_state WHERE id = 1');
    return Number((reader.getRows()[0] as [bigint] | undefined)?.[0] ?? 0);
  }

  async readWindow(instance: string, options: ReadWindowOptions): Promise<SeriesWindow> {
    await this.writeChain;
    const known = this.byInstance.get(instance) ?? new Map<string, number>();
    const wanted = options.metrics?.length ? options.metrics.filter((m) => known.has(m)) : [...known.keys()];
    if (wanted.length === 0) return { instance, ts: [], metrics: [], values: [] };
    const sidList = wanted.map((m) => known.get(m)!).join(',');
    const step = Math.max(1, Math.round(options.stepMs ?? 1));
    // Raw points where they are kept, 5-minute rollups (weighted by their counts) beyond.
    const reader = await this.query(
      `WITH pts AS (
         SELECT sid, ts, value AS v, 1 AS n FROM points WHERE sid IN (${sidList}) AND ts >= $from AND ts < $to
         UNION ALL
         SELECT sid, ts, avg AS v, count AS n FROM points_5m WHERE sid IN (${sidList}) AND ts >= $from AND ts < $to
       )
       SELECT (ts // $step) * $step AS t, sid, sum(v * n) / sum(n) AS v FROM pts GROUP BY ALL ORDER BY t`,
      { step: BigInt(step), from: BigInt(Math.floor(options.from)), to: BigInt(Math.ceil(options.to)) }
    );
    // A result without rows has no columns at all (a range with no points, e.g. backfill the retention has dropped).
    const columns = (reader.currentRowCount ? reader.getColumns() : [[], [], []]) as [bigint[], number[], number[]];
    const column = new Map(wanted.map((m, i) => [known.get(m)!, i]));
    const ts: number[] = [];
    const rowOf: number[] = [];
    let last: bigint | undefined;
    for (const t of columns[0]) {
      if (t !== last) {
        ts.push(Number(t));
        last = t;
      }
      rowOf.push(ts.length - 1);
    }
    const values = wanted.map(() => new Float64Array(ts.length).fill(NaN));
    columns[1].forEach((sid, i) => (values[column.get(sid)!]![rowOf[i]!] = columns[2][i]!));
    const order = wanted.map((m, i) => [m, i] as const).sort((a, b) => a[0].localeCompare(b[0]));
    return { instance, ts, metrics: order.map(([m]) => m), values: order.map(([, i]) => values[i]!) };
  }

  /** Runs a query on the reader connection; one at a time (a connection runs one statement at a time). */
  private query(sql: string, params?: Record<string, bigint>) {
    return this.reads.run(() => this.reader.runAndReadAll(sql, params));
  }

  async listSeries(instance: string): Promise<string[]> {
    return [...(this.byInstance.get(instance)?.keys() ?? [])].sort();
  }

  applyRetention(rawBefore: number, historyBefore: number): Promise<{ rolledUp: number; dropped: number }> {
    const next = this.writeChain.then(() => this.retain(rawBefore, historyBefore));
    this.writeChain = next.then(
      () => undefined,
      () => undefined
    );
    return next;
  }

  private async retain(rawBefore: number, historyBefore: number): Promise<{ rolledUp: number; dropped: number }> {
    // Cut on a rollup boundary so that no 5-minute bucket is split between raw and rolled-up data.
    const cutoff = BigInt(Math.floor(rawBefore / ROLLUP_MS) * ROLLUP_MS);
    await this.writer.run('BEGIN TRANSACTION');
    try {
      await this.writer.run(
        `INSERT INTO points_5m
         SELECT sid, (ts // ${ROLLUP_MS}) * ${ROLLUP_MS}, avg(value), min(value), max(value), count(*)
         FROM points WHERE ts < $cutoff GROUP BY ALL`,
        { cutoff }
      );
      const rolled = await this.writer.run('DELETE FROM points WHERE ts < $cutoff', { cutoff });
      const dropped = await this.writer.run('DELETE FROM points_5m WHERE ts < $before', {
        before: BigInt(Math.floor(historyBefore)),
      });
      await this.writer.run('COMMIT');
      return { rolledUp: Number(rolled.rowsChanged), dropped: Number(dropped.rowsChanged) };
    } catch (err) {
      await this.writer.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.writeChain;
    this.writer.closeSync();
    this.reader.closeSync();
  }
}
