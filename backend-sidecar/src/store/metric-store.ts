import type { Sample } from '../core/types.ts';
import type { ColumnarBatch } from '../core/columnar.ts';

/** A window of one instance's series, aligned on shared timestamps; missing values are NaN. */
export interface SeriesWindow {
  instance: string;
  ts: number[];
  metrics: string[];
  /** values[i] holds the series of metrics[i], aligned with ts. */
  values: Float64Array[];
}

export interface ReadWindowOptions {
  from: number;
  to: number;
  /** Resolution in ms: values are averaged per step; omitted means raw points. */
  stepMs?: number;
  metrics?: string[];
}

/** The one interface every metric backend implements (embedded DuckDB now; InfluxDB and Prometheus adapters later). */
export interface MetricStore {
  /**
   * Writes samples. With `walSeq`, the store also records (atomically with the samples) that the
   * write-ahead log is applied through that sequence number, so a replay never writes twice.
   */
  write(samples: readonly Sample[], walSeq?: number): Promise<void>;
  /** The same as `write`, for batches already in columns (the ingest path). */
  writeColumns(batches: readonly ColumnarBatch[], walSeq?: number): Promise<void>;
  /** The write-ahead log sequence number applied so far (0 when none). */
  appliedSeq(): Promise<number>;
  readWindow(instance: string, options: ReadWindowOptions): Promise<SeriesWindow>;
  listSeries(instance: string): Promise<string[]>;
  /**
   * Rolling retention: raw points older than `rawBefore` are folded into 5-minute rollups (mean,
   * min, max, count) and dropped; rollups older than `historyBefore` are dropped.
   */
  applyRetention(rawBefore: number, historyBefore: number): Promise<{ rolledUp: number; dropped: number }>;
  close(): Promise<void>;
}
