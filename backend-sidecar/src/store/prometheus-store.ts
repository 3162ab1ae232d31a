import { pushTimeseries } from 'prometheus-remote-write';
import type { Sample } from '../core/types.ts';
import { toSamples, type ColumnarBatch } from '../core/columnar.ts';
import type { MetricStore, ReadWindowOptions, SeriesWindow } from './metric-store.ts';

export interface PrometheusStoreOptions {
  /** Base URL of the Prometheus HTTP API, e.g. http://127.0.0.1:9090 */
  url: string;
  /** Remote-write endpoint; defaults to `<url>/api/v1/write` (Prometheus with --web.enable-remote-write-receiver). */
  remoteWriteUrl?: string;
  /** Rate window for counters in the node_exporter queries. */
  rateWindow?: string;
  headers?: Record<string, string>;
}

/**
 * Twin's metrics as PromQL over node_exporter's series, so twins can train on a fleet's existing
 * Prometheus history. `$i` is the instance label value and `$r` the rate window.
 */
export const NODE_EXPORTER_QUERIES: Record<string, string> = {
  cpu_user_pct:
    '100 * sum by (instance) (rate(node_cpu_seconds_total{instance="$i",mode=~"user|nice"}[$r])) / count by (instance) (node_cpu_seconds_total{instance="$i",mode="idle"})',
  cpu_system_pct:
    '100 * sum by (instance) (rate(node_cpu_seconds_total{instance="$i",mode="system"}[$r])) / count by (instance) (node_cpu_seconds_total{instance="$i",mode="idle"})',
  cpu_iowait_pct:
    '100 * sum by (instance) (rate(node_cpu_seconds_total{instance="$i",mode="iowait"}[$r])) / count by (instance) (node_cpu_seconds_total{instance="$i",mode="idle"})',
  cpu_steal_pct:
    '100 * sum by (instance) (rate(node_cpu_seconds_total{instance="$i",mode="steal"}[$r])) / count by (instance) (node_cpu_seconds_total{instance="$i",mode="idle"})',
  load1: 'node_load1{instance="$i"}',
  run_queue: 'node_procs_running{instance="$i"}',
  mem_used_pct: '100 * (1 - node_memory_MemAvailable_bytes{instance="$i"} / node_memory_MemTotal_bytes{instance="$i"})',
  swap_used_pct:
    '100 * (1 - node_memory_SwapFree_bytes{instance="$i"} / clamp_min(node_memory_SwapTotal_bytes{instance="$i"}, 1))',
  page_faults_major_per_s: 'rate(node_vmstat_pgmajfault{instance="$i"}[$r])',
  psi_cpu_some_avg10: '100 * rate(node_pressure_cpu_waiting_seconds_total{instance="$i"}[$r])',
  psi_memory_some_avg10: '100 * rate(node_pressure_memory_waiting_seconds_total{instance="$i"}[$r])',
  psi_io_some_avg10: '100 * rate(node_pressure_io_waiting_seconds_total{instance="$i"}[$r])',
  disk_used_pct:
    '100 * (1 - node_filesystem_avail_bytes{instance="$i",mountpoint="/"} / node_filesystem_size_bytes{instance="$i",mountpoint="/"})',
  disk_read_bytes_per_s: 'sum by (instance) (rate(node_disk_read_bytes_total{instance="$i"}[$r]))',
  disk_write_bytes_per_s: 'sum by (instance) (rate(node_disk_written_bytes_total{instance="$i"}[$r]))',
  disk_iops:
    'sum by (instance) (rate(node_disk_reads_completed_total{instance="$i"}[$r]) + rate(node_disk_writes_completed_total{instance="$i"}[$r]))',
  disk_util_pct: '100 * max by (instance) (rate(node_disk_io_time_seconds_total{instance="$i"}[$r]))',
  net_rx_bytes_per_s: 'sum by (instance) (rate(node_network_receive_bytes_total{instance="$i",device!="lo"}[$r]))',
  net_tx_bytes_per_s: 'sum by (instance) (rate(node_network_transmit_bytes_total{instance="$i",device!="lo"}[$r]))',
  net_errors_per_s:
    'sum by (instance) (rate(node_network_receive_errs_total{instance="$i",device!="lo"}[$r]) + rate(node_network_transmit_errs_total{instance="$i",device!="lo"}[$r]))',
  net_retrans_per_s: 'rate(node_netstat_Tcp_RetransSegs{instance="$i"}[$r])',
};

/** Prometheus refuses a query_range of more than 11,000 points per series. */
const MAX_POINTS = 11_000;

interface RangeResult {
  status: string;
  error?: string;
  data?: { result: { metric: Record<string, string>; values: [number, string][] }[] };
}

/**
 * Metric store over an existing Prometheus: training windows are read with PromQL `query_range`
 * (node_exporter series translated by NODE_EXPORTER_QUERIES; any other metric by name), and
 * samples (twin outputs) are written by remote write. Retention is Prometheus's own.
 */
export class PrometheusStore implements MetricStore {
  constructor(private readonly options: PrometheusStoreOptions) {}

  private promql(metric: string, instance: string): string {
    const template = NODE_EXPORTER_QUERIES[metric];
    const quoted = instance.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    if (!template) return `${metric}{instance="${quoted}"}`;
    return template.replaceAll('$i', quoted).replaceAll('$r', this.options.rateWindow ?? '1m');
  }

  private async get<T>(path: string, params: Record<string, string | string[]>): Promise<T> {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) search.append(k, x);
    const res = await fetch(`${this.options.url}${path}?${search}`, { headers: this.options.headers ?? {} });
    const body = (await res.json()) as T & { status: string; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error ?? res.status}`);
    return body;
  }

  async readWindow(instance: string, options: ReadWindowOptions): Promise<SeriesWindow> {
    const metrics = options.metrics?.length ? options.metrics : await this.listSeries(instance);
    const stepMs = Math.max(1000, options.stepMs ?? 15_000);
    const byTs = new Map<number, Map<string, number>>();
    for (const metric of metrics) {
      for (let start = options.from; start < options.to; start += stepMs * MAX_POINTS) {
        const end = Math.min(options.to - 1, start + stepMs * (MAX_POINTS - 1));
        const body = await this.get<RangeResult>('/api/v1/query_range', {
          query: this.promql(metric, instance),
          start: String(start / 1000),
          end: String(end / 1000),
          step: `${stepMs / 1000}s`,
        });
        for (const series of body.data?.result ?? []) {
          for (const [t, v] of series.values) {
            const ts = Math.round(t * 1000);
            let row = byTs.get(ts);
            if (!row) byTs.set(ts, (row = new Map()));
            row.set(metric, Number(v));
          }
        }
      }
    }
    const ts = [...byTs.keys()].sort((a, b) => a - b);
    return {
      instance,
      ts,
      metrics,
      values: metrics.map((m) => Float64Array.from(ts, (t) => byTs.get(t)!.get(m) ?? NaN)),
    };
  }

  /** node_exporter's metrics (as Twin names them) when the instance has them, plus every other series it has. */
  async listSeries(instance: string): Promise<string[]> {
    const body = await this.get<{ data: Record<string, string>[] }>('/api/v1/series', {
      'match[]': `{instance="${instance}"}`,
    });
    const names = new Set(body.data.map((s) => s.__name__!).filter(Boolean));
    const out = new Set<string>();
    const fromExporter = names.has('node_cpu_seconds_total');
    for (const name of names) if (!name.startsWith('node_')) out.add(name);
    if (fromExporter) for (const metric of Object.keys(NODE_EXPORTER_QUERIES)) out.add(metric);
    return [...out].sort();
  }

  /** Remote write; samples Prometheus refuses as out of order or too old are dropped, not retried. */
  async write(samples: readonly Sample[]): Promise<void> {
    const series = new Map<
      string,
      { labels: { __name__: string; instance: string }; samples: { value: number; timestamp: number }[] }
    >();
    for (const s of samples) {
      for (const metric in s.values) {
        const key = `${s.instance}\u0000${metric}`;
        let ts = series.get(key);
        if (!ts) series.set(key, (ts = { labels: { __name__: metric, instance: s.instance }, samples: [] }));
        ts.samples.push({ value: s.values[metric]!, timestamp: Math.round(s.ts) });
      }
    }
    const result = await pushTimeseries([...series.values()], {
      url: this.options.remoteWriteUrl ?? `${this.options.url}/api/v1/write`,
      fetch: globalThis.fetch as never,
      ...(this.options.headers ? { headers: this.options.headers } : {}),
    });
    if (result.status >= 500)
      throw new Error(`Prometheus remote write answered ${result.status}: ${result.errorMessage ?? ''}`);
  }

  writeColumns(batches: readonly ColumnarBatch[]): Promise<void> {
    return this.write(batches.flatMap((b) => toSamples(b)));
  }

  async appliedSeq(): Promise<number> {
    return 0;
  }

  async applyRetention(): Promise<{ rolledUp: number; dropped: number }> {
    return { rolledUp: 0, dropped: 0 };
  }

  async close(): Promise<void> {}
}
