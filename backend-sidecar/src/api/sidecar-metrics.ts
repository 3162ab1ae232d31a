import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { EXHAUSTIBLE } from '../analysis/index.ts';
import type { SidecarServices } from './services.ts';

/**
 * Most instances whose twin outputs are exported (the ones with the highest failure probability):
 * per-instance series are the cardinality that grows with the fleet, so it is capped
 * (TWIN_METRICS_MAX_INSTANCES) and documented.
 */
export const DEFAULT_MAX_INSTANCES = 500;

/**
 * `/metrics` in the Prometheus text format: the sidecar's own health (ingest, backlog, write-ahead
 * log, training, model versions, HTTP latency, the process) and the twins' outputs per instance
 * (failure probability per kind and horizon, anomaly score, the predicted next value of the
 * exhaustible resources), read at scrape time.
 */
export function registerMetrics(
  app: FastifyInstance,
  sidecar: SidecarServices,
  maxInstances = DEFAULT_MAX_INSTANCES
): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'twin_' });
  const stats = sidecar.ingest.stats;
  new Counter({
    name: 'twin_ingested_samples_total',
    help: 'Samples acknowledged (durable) by ingest',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats.samples);
    },
  });
  new Counter({
    name: 'twin_ingest_refused_samples_total',
    help: 'Samples refused by ingest (invalid, or the store behind)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats.refused);
    },
  });
  new Counter({
    name: 'twin_ingest_resent_bodies_total',
    help: 'Write bodies acknowledged again without storing them: resends of ones already stored',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats.resent);
    },
  });
  new Gauge({
    name: 'twin_ingest_backlog_samples',
    help: 'Samples acknowledged and not yet in the metric store',
    registers: [registry],
    collect() {
      this.set(sidecar.ingest.backlog);
    },
  });
  new Gauge({
    name: 'twin_wal_bytes',
    help: 'Size of the write-ahead log',
    registers: [registry],
    collect() {
      this.set(sidecar.wal.bytes);
    },
  });
  const jobs = new Counter({
    name: 'twin_training_jobs_total',
    help: 'Twin training jobs by outcome (champion, challenger rejected, failed)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  sidecar.events.on('trained', (t) => jobs.inc({ outcome: t.decision.status }));
  sidecar.events.on('trainingFailed', () => jobs.inc({ outcome: 'failed' }));
  new Gauge({
    name: 'twin_models',
    help: 'Instances with a champion twin',
    registers: [registry],
    collect() {
      this.set(sidecar.instances.list().filter((i) => sidecar.models.champion(i.id)).length);
    },
  });
  const latency = new Histogram({
    name: 'twin_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: ids in paths would make every request a new series.
    const route = request.routeOptions.url ?? 'unmatched';
    latency.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  // The twins' outputs, for the instances most at risk (bounded).
  const exported = () =>
    [...sidecar.analysis.allPredictions()]
      .map(([instance, p]) => ({ instance, worst: Math.max(0, ...p.map((x) => x.probability)) }))
      .sort((a, b) => b.worst - a.worst)
      .slice(0, maxInstances)
      .map((x) => x.instance);
  new Gauge({
    name: 'twin_failure_probability',
    help: 'Learned probability of a failure of the kind within the horizon',
    labelNames: ['instance', 'kind', 'horizon'],
    registers: [registry],
    collect() {
      this.reset();
      for (const instance of exported())
        for (const p of sidecar.analysis.predictionsOf(instance) ?? [])
          this.set({ instance, kind: p.kind, horizon: `${p.horizonMs / 60_000}m` }, p.probability);
    },
  });
  new Gauge({
    name: 'twin_anomaly_score',
    help: "The instance's latest anomaly score (worst metric's score over its threshold; above 1 is anomalous)",
    labelNames: ['instance'],
    registers: [registry],
    collect() {
      this.reset();
      for (const instance of exported()) {
        const live = sidecar.scorer.state(instance);
        if (live) this.set({ instance }, live.lastScore);
      }
    },
  });
  new Gauge({
    name: 'twin_prediction',
    help: "The twin's prediction of the next value of the exhaustible resources' metrics",
    labelNames: ['instance', 'metric'],
    registers: [registry],
    collect() {
      this.reset();
      for (const instance of exported()) {
        const next = sidecar.scorer.nextValues(instance);
        for (const r of EXHAUSTIBLE)
          if (next[r.metric] !== undefined) this.set({ instance, metric: r.metric }, next[r.metric]!);
      }
    },
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
  return registry;
}
