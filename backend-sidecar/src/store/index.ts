export { EmbeddedDatabase } from './embedded-database.ts';
export type { MetricStore, SeriesWindow, ReadWindowOptions } from './metric-store.ts';
export { DuckDBMetricStore } from './duckdb-metric-store.ts';
export { InstanceRegistry, type InstanceRecord } from './instance-registry.ts';
export { FailureStore, type NewFailure } from './failure-store.ts';
export { FileObjectStore, type ObjectStore } from './object-store.ts';
export { WriteAheadLog, type WalRecord, type WalOptions } from './wal/index.ts';
