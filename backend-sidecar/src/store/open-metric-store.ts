import type { TwinConfig } from '../core/config.ts';
import { DuckDBMetricStore } from './duckdb-metric-store.ts';
import type { EmbeddedDatabase } from './embedded-database.ts';
import { InfluxDBv1Store } from './influxdb-v1-store.ts';
import { InfluxDBv2Store } from './influxdb-v2-store.ts';
import type { MetricStore } from './metric-store.ts';
import { PrometheusStore } from './prometheus-store.ts';

/** The metric store the configuration names: one adapter behind one interface, never an if-chain in callers. */
export async function openMetricStore(
  config: TwinConfig['metricStore'],
  db: EmbeddedDatabase | undefined,
  node?: string
): Promise<MetricStore> {
  switch (config.kind) {
    case 'duckdb':
      if (!db)
        throw new Error('the embedded metric store lives in one sidecar: use a shared one (InfluxDB, Prometheus)');
      return DuckDBMetricStore.open(db);
    case 'influxdb1': {
      const store = new InfluxDBv1Store({ ...config, node });
      await store.ensureDatabase();
      return store;
    }
    case 'influxdb2':
      return new InfluxDBv2Store({ ...config, node });
    case 'prometheus':
      return new PrometheusStore(config);
  }
}
