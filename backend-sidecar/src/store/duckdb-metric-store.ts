import type { DuckDBConnection } from '@duckdb/node-api';
import type { Sample } from '../core/types.ts';
import type { EmbeddedDatabase } from './embedded-database.ts';
import type { MetricStore, ReadWindowOptions, SeriesWindow } from './metric-store.ts';

const ROLLUP_MS = 300_000;

/** Metric store on the embedded DuckDB file: one long table (instance, metric, ts, value), appended in bulk. */
export class DuckDBMetricStore implements MetricStore {
  private writeChain: Promise<void> = Promise.resolve();

  private constructor(
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection
  ) {}

  static async open(db: EmbeddedDatabase): Promise<DuckDBMetricStore> {
    return new DuckDBMetricStore(await db.connect(), await db.connect());
  }

  write(samples: readonly Sample[], walSeq?: number): Promise<void> {
    // Appends are serialised: one appender at a time on the writer connection.
    const next = this.writeChain.then(() => this.append(samples, walSeq));
    this.writeChain = next.catch(() => undefined);
    return next;
  }

  private async append(samples: readonly Sample[], walSeq?: number): Promise<void> {
    if (samples.length === 0 && walSeq === undefined) return;
    await this.writer.run('BEGIN TRANSACTION');
    const appender = await this.writer.createAppender('samples');
    try {
      for (const sample of samples) {
        const ts = BigInt(Math.round(sample.ts));
        for (const metric in sample.values) {
          const value = sample.values[metric]!;
          if (!Number.isFinite(value)) continue;
          appender.appendVarchar(sample.instance);
          appender.appendVarchar(metric);
          appender.appendBigInt(ts);
          appender.appendDouble(value);
          appender.endRow();
        }
      }
      appender.flushSync();
      appender.closeSync();
      if (walSeq !== undefined) {
        await this.writer.run('UPDATE wal_state SET applied_seq = $seq WHERE id = 1', { seq: BigInt(walSeq) });
      }
      await this.writer.run('COMMIT');
    } catch (err) {
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
    const reader = await this.reader.runAndReadAll('SELECT applied_seq FROM wal_state WHERE id = 1');
    return Number((reader.getRows()[0] as [bigint] | undefined)?.[0] ?? 0);
  }

  async readWindow(instance: string, options: ReadWindowOptions): Promise<SeriesWindow> {
    await this.writeChain;
    const step = Math.max(1, Math.round(options.stepMs ?? 1));
    const metricFilter = options.metrics?.length ? `AND metric IN (SELECT unnest($metrics::VARCHAR[]))` : '';
    // Raw points where they are kept, 5-minute rollups (weighted by their counts) beyond.
    const reader = await this.reader.runAndReadAll(
      `WITH pts AS (
         SELECT ts, metric, value AS v, 1 AS n FROM samples
         WHERE instance = $instance AND ts >= $from AND ts < $to ${metricFilter}
         UNION ALL
         SELECT ts, metric, avg AS v, count AS n FROM samples_5m
         WHERE instance = $instance AND ts >= $from AND ts < $to ${metricFilter}
       )
       SELECT (ts // $step) * $step AS t, metric, sum(v * n) / sum(n) AS v FROM pts GROUP BY ALL ORDER BY t`,
      {
        step: BigInt(step),
        instance,
        from: BigInt(Math.floor(options.from)),
        to: BigInt(Math.ceil(options.to)),
        ...(options.metrics?.length ? { metrics: options.metrics } : {}),
      } as never
    );
    const rows = reader.getRows() as [bigint, string, number][];
    return pivot(instance, rows);
  }

  async listSeries(instance: string): Promise<string[]> {
    const reader = await this.reader.runAndReadAll(
      'SELECT DISTINCT metric FROM samples WHERE instance = $instance ORDER BY metric',
      { instance }
    );
    return (reader.getRows() as [string][]).map((r) => r[0]);
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
        `INSERT INTO samples_5m
         SELECT instance, metric, (ts // ${ROLLUP_MS}) * ${ROLLUP_MS}, avg(value), min(value), max(value), count(*)
         FROM samples WHERE ts < $cutoff GROUP BY ALL`,
        { cutoff }
      );
      const rolled = await this.writer.run('DELETE FROM samples WHERE ts < $cutoff', { cutoff });
      const dropped = await this.writer.run('DELETE FROM samples_5m WHERE ts < $before', {
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

function pivot(instance: string, rows: [bigint, string, number][]): SeriesWindow {
  const ts: number[] = [];
  const metricIndex = new Map<string, number>();
  const cells: [number, number, number][] = [];
  let lastT: bigint | undefined;
  for (const [t, metric, v] of rows) {
    if (t !== lastT) {
      ts.push(Number(t));
      lastT = t;
    }
    let m = metricIndex.get(metric);
    if (m === undefined) {
      m = metricIndex.size;
      metricIndex.set(metric, m);
    }
    cells.push([ts.length - 1, m, v]);
  }
  const metrics = [...metricIndex.keys()];
  const values = metrics.map(() => new Float64Array(ts.length).fill(NaN));
  for (const [row, m, v] of cells) values[m]![row] = v;
  return { instance, ts, metrics, values };
}
