import http from 'node:http';
import os from 'node:os';
import { loadConfig } from '../core/config.ts';
import { errors } from '../core/errors.ts';
import { openFleetBus } from '../cluster/index.ts';
import { openMetricStore, openObjectStore } from '../store/index.ts';
import { ModelRegistry, TrainingPool, TwinTrainer, trainerOptions } from '../twin/index.ts';
import { openTrainingQueue } from '../twin/index.ts';

export interface WorkerOptions {
  config?: string;
  concurrency?: string;
  name?: string;
  /** Serves GET /healthz on this port (loopback and containers' health checks). */
  healthPort?: string;
}

const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);

/**
 * `twin worker`: trains twins as BullMQ jobs from Redis, reading history from the shared metric
 * store and publishing versions to the shared object store; API nodes (TWIN_ROLE=api) ask for the
 * jobs and load the new champions when the fleet bus tells them.
 */
export async function workerCommand(options: WorkerOptions): Promise<void> {
  const config = loadConfig({ ...process.env, ...(options.config ? { TWIN_CONFIG: options.config } : {}) });
  if (!config.redisUrl) throw errors.badConfig('REDIS_URL', 'twin worker takes its jobs from Redis');
  if (config.metricStore.kind === 'duckdb')
    throw errors.badConfig(
      'TWIN_METRIC_STORE',
      'twin worker reads history from a metric store the API nodes share (influxdb1, influxdb2 or prometheus)'
    );
  const name = options.name ?? `${os.hostname()}-worker-${process.pid}`;
  const concurrency = Number(options.concurrency ?? config.trainThreads);
  const metrics = await openMetricStore(config.metricStore, undefined);
  const objects = openObjectStore(config);
  const models = new ModelRegistry(objects);
  const pool = config.twinModel === 'lstm' ? new TrainingPool(concurrency) : undefined;
  const trainer = new TwinTrainer(metrics, models, trainerOptions(config, { pool, objects }));
  const bus = await openFleetBus(config.redisUrl, name, false);
  models.on('champion', (instance, reason) => void bus.publishModel(instance, reason).catch(() => undefined));
  trainer.on('failed', ({ instance, error }) => log(`${instance}: training failed: ${error.message}`));

  const { TrainingWorker, runTrainingJob } = await openTrainingQueue();
  const worker = new TrainingWorker(
    config.redisUrl,
    async (request, job) => {
      // The champion may have changed since this worker last looked (promotion, another worker).
      await models.refresh(request.instance);
      const started = performance.now();
      const outcome = await runTrainingJob(trainer, models, job, name);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const retried =
        outcome.trainedBy && outcome.trainedBy !== name ? `, trained by ${outcome.trainedBy} before it stopped` : '';
      log(`${request.instance} ${outcome.version} ${outcome.status} in ${seconds} s (job ${job.id}${retried})`);
      return outcome;
    },
    { concurrency, name }
  );
  const stats = { name, trained: 0, failed: 0, since: new Date().toISOString() };
  worker.on('completed', () => stats.trained++);
  trainer.on('failed', () => stats.failed++);
  const health = options.healthPort
    ? http
        .createServer((req, res) => {
          const ok = req.url === '/healthz';
          res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' }).end(ok ? JSON.stringify(stats) : '{}');
        })
        .listen(Number(options.healthPort))
    : undefined;

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping (a job cut short is retried by another worker)`);
    health?.close();
    await worker.close();
    await trainer.stop();
    await pool?.close();
    await bus.close();
    await metrics.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // Announced once signals are handled (a signal before the handler would kill the worker without a clean stop).
  log(`twin worker ${name}: ${concurrency} at a time, ${config.twinModel} twins, jobs from ${config.redisUrl}`);
}
