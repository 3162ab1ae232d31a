import os from 'node:os';
import path from 'node:path';
import { errors } from './errors.ts';
import { withConfigFile } from './config-file.ts';
import { readApiTokens, type ApiToken } from './api-tokens.ts';
import { parseDuration } from './duration.ts';

export interface TwinConfig {
  host: string;
  port: number;
  dataDir: string;
  /** Bearer tokens with every scope (TWIN_TOKENS). */
  tokens: string[];
  /** Every API token with its scopes: TWIN_TOKENS and TWIN_TOKEN_FILE's; none configured: loopback only. */
  apiTokens: ApiToken[];
  /** Writes a client (a token's name and an address) may make a minute (TWIN_RATE_LIMIT; 0: no limit). */
  rateLimitPerMinute: number;
  /** Reads (GET, HEAD) a client may make a minute, a budget apart from its writes (TWIN_RATE_LIMIT_READS; default TWIN_RATE_LIMIT). */
  rateLimitReadsPerMinute: number;
  /** Origins a browser may call the API from (TWIN_CORS_ORIGINS, comma-separated; none: same origin only). */
  corsOrigins: string[];
  /** Rolling training window. */
  trainingWindowMs: number;
  /** Raw points are kept this long (at least the training window), then rolled up. */
  rawRetentionMs: number;
  /** Rolled-up (5-minute) history is kept this long. */
  historyRetentionMs: number;
  /** Least history an instance needs before its first twin is trained. */
  minHistoryMs: number;
  /** How often a champion is retrained on fresh data. */
  retrainIntervalMs: number;
  /** How long an anomaly stays open before its level is the instance's new normal (the next version learns from its start). */
  settleMs: number;
  /** Failure prediction horizon. */
  horizonMs: number;
  /** The kind of twin trained: an LSTM network (default) or the seasonal baseline. */
  twinModel: 'lstm' | 'seasonal-baseline';
  /** Redis for training jobs on BullMQ (unset: jobs run in this process). */
  redisUrl?: string | undefined;
  /**
   * What this process does (TWIN_ROLE): `all` serves the API and trains twins; `api` serves the API
   * and leaves training to `twin worker` processes (needs REDIS_URL).
   */
  role: 'all' | 'api';
  /** Worker threads that train networks. */
  trainThreads: number;
  /** Most training epochs of a new network (a warm start takes a quarter). */
  trainEpochs: number;
  /** Worker threads that parse line protocol (0: parse on the event loop). */
  parseWorkers: number;
  /** Operator catalogue files merged over the shipped catalogue of known issues (TWIN_CATALOGUE, comma-separated). */
  catalogueFiles: string[];
  /** Whether the twins' outputs are written into the metric store (TWIN_WRITE_BACK; on for InfluxDB and Prometheus). */
  writeBack: boolean;
  /** Most instances whose twin outputs /metrics exports (the most at risk first). */
  metricsMaxInstances: number;
  /** Remediation policies, targets and mode (TWIN_REMEDIATION_FILE); none: remediation off. */
  remediationFile: string | undefined;
  /** Samples acknowledged but not yet stored beyond which ingest answers 503 (backpressure). */
  maxQueuedSamples: number;
  /** Where metrics are stored: embedded DuckDB (default), InfluxDB 1.x or 2, or Prometheus. */
  metricStore:
    | { kind: 'duckdb' }
    | { kind: 'influxdb1'; url: string; database: string; username?: string | undefined; password?: string | undefined }
    | { kind: 'influxdb2'; url: string; token: string; org: string; bucket: string }
    | { kind: 'prometheus'; url: string; remoteWriteUrl?: string | undefined };
  /** Where models and anomaly history go: files under dataDir/objects (default) or an S3 bucket. */
  objectStore:
    | { kind: 'fs' }
    | {
        kind: 's3';
        bucket: string;
        prefix: string;
        endpoint?: string | undefined;
        region?: string | undefined;
        accessKeyId?: string | undefined;
        secretAccessKey?: string | undefined;
      };
}

function required(env: Env, key: string, why: string): string {
  const value = env[key];
  if (!value) throw errors.badConfig(key, `required when ${why}`);
  return value;
}

function readMetricStore(env: Env): TwinConfig['metricStore'] {
  const kind = env.TWIN_METRIC_STORE || 'duckdb';
  const why = `TWIN_METRIC_STORE=${kind}`;
  switch (kind) {
    case 'duckdb':
      return { kind };
    case 'influxdb1':
      return {
        kind,
        url: required(env, 'TWIN_INFLUX_URL', why),
        database: env.TWIN_INFLUX_DB || 'twin',
        username: env.TWIN_INFLUX_USER || undefined,
        password: env.TWIN_INFLUX_PASSWORD || undefined,
      };
    case 'influxdb2':
      return {
        kind,
        url: required(env, 'TWIN_INFLUX_URL', why),
        token: required(env, 'TWIN_INFLUX_TOKEN', why),
        org: required(env, 'TWIN_INFLUX_ORG', why),
        bucket: env.TWIN_INFLUX_BUCKET || 'twin',
      };
    case 'prometheus':
      return {
        kind,
        url: required(env, 'TWIN_PROMETHEUS_URL', why),
        remoteWriteUrl: env.TWIN_PROMETHEUS_REMOTE_WRITE_URL || undefined,
      };
    default:
      throw errors.badConfig(
        'TWIN_METRIC_STORE',
        `expected duckdb, influxdb1, influxdb2 or prometheus, got ${JSON.stringify(kind)}`
      );
  }
}

function readObjectStore(env: Env): TwinConfig['objectStore'] {
  const kind = env.TWIN_OBJECT_STORE || 'fs';
  if (kind === 'fs') return { kind };
  if (kind !== 's3') throw errors.badConfig('TWIN_OBJECT_STORE', `expected "fs" or "s3", got ${JSON.stringify(kind)}`);
  if (!env.TWIN_S3_BUCKET) throw errors.badConfig('TWIN_S3_BUCKET', 'required when TWIN_OBJECT_STORE=s3');
  return {
    kind,
    bucket: env.TWIN_S3_BUCKET,
    prefix: env.TWIN_S3_PREFIX ?? '',
    endpoint: env.TWIN_S3_ENDPOINT || undefined,
    region: env.TWIN_S3_REGION || undefined,
    accessKeyId: env.TWIN_S3_ACCESS_KEY_ID || undefined,
    secretAccessKey: env.TWIN_S3_SECRET_ACCESS_KEY || undefined,
  };
}

type Env = Record<string, string | undefined>;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

function readRedisUrl(env: Env): string | undefined {
  const value = env.REDIS_URL;
  if (!value) return undefined;
  if (!/^rediss?:\/\//.test(value))
    throw errors.badConfig('REDIS_URL', `expected redis://host:port, got ${JSON.stringify(value)}`);
  return value;
}

function readChoice<T extends string>(env: Env, key: string, choices: readonly T[], fallback: T): T {
  const value = env[key];
  if (value === undefined || value === '') return fallback;
  if (!(choices as readonly string[]).includes(value))
    throw errors.badConfig(key, `must be one of ${choices.join(', ')}`);
  return value as T;
}

function readInt(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw errors.badConfig(key, `expected an integer between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function readDuration(env: Env, key: string, fallback: string): number {
  const raw = env[key] ?? fallback;
  try {
    return parseDuration(raw);
  } catch (err) {
    throw errors.badConfig(key, (err as Error).message);
  }
}

/** Reads the configuration from environment variables (and overrides from the command line), validating every key. */
export function loadConfig(environment: Env = process.env, overrides: Partial<TwinConfig> = {}): TwinConfig {
  const env = withConfigFile(environment);
  const config: TwinConfig = {
    host: env.TWIN_HOST || '127.0.0.1',
    port: readInt(env, 'TWIN_PORT', 7788, 0, 65535),
    dataDir: path.resolve(env.TWIN_DATA_DIR || 'var'),
    tokens: (env.TWIN_TOKENS ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    trainingWindowMs: readDuration(env, 'TWIN_TRAINING_WINDOW', '7d'),
    minHistoryMs: readDuration(env, 'TWIN_MIN_HISTORY', '10m'),
    rawRetentionMs: 0,
    historyRetentionMs: readDuration(env, 'TWIN_RETENTION_HISTORY', '90d'),
    retrainIntervalMs: readDuration(env, 'TWIN_RETRAIN_INTERVAL', '6h'),
    settleMs: readDuration(env, 'TWIN_SETTLE_AFTER', '1d'),
    horizonMs: readDuration(env, 'TWIN_HORIZON', '1h'),
    maxQueuedSamples: readInt(env, 'TWIN_MAX_QUEUED_SAMPLES', 500_000, 1000, 100_000_000),
    twinModel: readChoice(env, 'TWIN_MODEL', ['lstm', 'seasonal-baseline'] as const, 'lstm'),
    redisUrl: readRedisUrl(env),
    role: readChoice(env, 'TWIN_ROLE', ['all', 'api'] as const, 'all'),
    trainThreads: readInt(env, 'TWIN_TRAIN_THREADS', Math.max(1, Math.min(2, os.availableParallelism())), 1, 64),
    trainEpochs: readInt(env, 'TWIN_TRAIN_EPOCHS', 20, 1, 1000),
    parseWorkers: readInt(env, 'TWIN_PARSE_WORKERS', Math.max(1, os.availableParallelism() - 1), 0, 64),
    catalogueFiles: (env.TWIN_CATALOGUE ?? '')
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean)
      .map((f) => path.resolve(f)),
    apiTokens: [],
    rateLimitPerMinute: readInt(env, 'TWIN_RATE_LIMIT', 6000, 0, 10_000_000),
    rateLimitReadsPerMinute: readInt(
      env,
      'TWIN_RATE_LIMIT_READS',
      readInt(env, 'TWIN_RATE_LIMIT', 6000, 0, 10_000_000),
      0,
      10_000_000
    ),
    corsOrigins: (env.TWIN_CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    metricsMaxInstances: readInt(env, 'TWIN_METRICS_MAX_INSTANCES', 500, 0, 100_000),
    remediationFile: env.TWIN_REMEDIATION_FILE ? path.resolve(env.TWIN_REMEDIATION_FILE) : undefined,
    writeBack: false,
    metricStore: readMetricStore(env),
    objectStore: readObjectStore(env),
    ...overrides,
  };
  config.rawRetentionMs = readDuration(env, 'TWIN_RETENTION_RAW', `${config.trainingWindowMs}ms`);
  if (config.rawRetentionMs < config.trainingWindowMs) {
    throw errors.badConfig('TWIN_RETENTION_RAW', 'must be at least the training window (TWIN_TRAINING_WINDOW)');
  }
  if (config.role === 'api' && !config.redisUrl) {
    throw errors.badConfig('TWIN_ROLE', 'api leaves training to twin worker processes, which need REDIS_URL');
  }
  config.writeBack = env.TWIN_WRITE_BACK ? env.TWIN_WRITE_BACK !== '0' : config.metricStore.kind !== 'duckdb';
  config.apiTokens = readApiTokens(config.tokens, env.TWIN_TOKEN_FILE ? path.resolve(env.TWIN_TOKEN_FILE) : undefined);
  if (config.apiTokens.length === 0 && !LOOPBACK.has(config.host)) {
    throw errors.unsafeBind(config.host);
  }
  return config;
}

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host);
}
