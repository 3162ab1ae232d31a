export { EmbeddedDatabase } from './embedded-database.ts';
export type { MetricStore, SeriesWindow, ReadWindowOptions } from './metric-store.ts';
export { DuckDBMetricStore } from './duckdb-metric-store.ts';
export { InstanceRegistry, type InstanceRecord } from './instance-registry.ts';
export { FailureStore, type NewFailure } from './failure-store.ts';
export { FileObjectStore, S3ObjectStore, type ObjectStore, type S3ObjectStoreOptions } from './object-store.ts';
export { WriteAheadLog, type WalRecord, type WalOptions } from './wal/index.ts';
export { AnomalyHistory, type HistoryRecord } from './anomaly-history.ts';
export { InfluxDBv1Store, type InfluxDBv1Options } from './influxdb-v1-store.ts';
