import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { errors } from './errors.ts';

/** Every key the sidecar's configuration reads: environment variables, and the keys of a TWIN_CONFIG file. */
export const CONFIG_KEYS = [
  'TWIN_HOST',
  'TWIN_PORT',
  'TWIN_DATA_DIR',
  'TWIN_TOKENS',
  'TWIN_TOKEN_FILE',
  'TWIN_RATE_LIMIT',
  'TWIN_RATE_LIMIT_READS',
  'TWIN_CORS_ORIGINS',
  'TWIN_TRAINING_WINDOW',
  'TWIN_MIN_HISTORY',
  'TWIN_RETRAIN_INTERVAL',
  'TWIN_SETTLE_AFTER',
  'TWIN_ROLE',
  'TWIN_RETENTION_RAW',
  'TWIN_RETENTION_HISTORY',
  'TWIN_HORIZON',
  'TWIN_MODEL',
  'TWIN_TRAIN_THREADS',
  'TWIN_TRAIN_EPOCHS',
  'TWIN_PARSE_WORKERS',
  'TWIN_MAX_QUEUED_SAMPLES',
  'TWIN_CATALOGUE',
  'TWIN_REMEDIATION_FILE',
  'TWIN_WRITE_BACK',
  'TWIN_METRICS_MAX_INSTANCES',
  'TWIN_METRIC_STORE',
  'TWIN_INFLUX_URL',
  'TWIN_INFLUX_DB',
  'TWIN_INFLUX_USER',
  'TWIN_INFLUX_PASSWORD',
  'TWIN_INFLUX_TOKEN',
  'TWIN_INFLUX_ORG',
  'TWIN_INFLUX_BUCKET',
  'TWIN_PROMETHEUS_URL',
  'TWIN_PROMETHEUS_REMOTE_WRITE_URL',
  'TWIN_OBJECT_STORE',
  'TWIN_S3_BUCKET',
  'TWIN_S3_PREFIX',
  'TWIN_S3_ENDPOINT',
  'TWIN_S3_REGION',
  'TWIN_S3_ACCESS_KEY_ID',
  'TWIN_S3_SECRET_ACCESS_KEY',
  'REDIS_URL',
] as const;

const KNOWN = new Set<string>(CONFIG_KEYS);

/** Keys whose values are secrets: shown as "***" by `twin config check`. */
export const SECRET_KEYS = new Set([
  'TWIN_TOKENS',
  'TWIN_INFLUX_PASSWORD',
  'TWIN_INFLUX_TOKEN',
  'TWIN_S3_SECRET_ACCESS_KEY',
]);

type Env = Record<string, string | undefined>;

/**
 * The environment with a configuration file's keys under it (TWIN_CONFIG: YAML or JSON, the same
 * keys as the environment variables; a variable set in the environment wins over the file). A key
 * the sidecar does not know, or a value that is not a plain value, stops it naming file and key.
 */
export function withConfigFile(env: Env): Env {
  const file = env.TWIN_CONFIG;
  if (!file) return env;
  const where = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(where, 'utf8');
  } catch (err) {
    throw errors.badConfig('TWIN_CONFIG', `cannot read ${where}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw errors.badConfig('TWIN_CONFIG', `${where} is not YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return env;
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw errors.badConfig('TWIN_CONFIG', `${where} must map keys to values`);
  const fromFile: Env = {};
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (!KNOWN.has(key))
      throw errors.badConfig(
        `${key} (in ${where})`,
        `unknown key; the keys are the environment variables in docs/configuration.md`
      );
    if (value === null || typeof value === 'object')
      throw errors.badConfig(`${key} (in ${where})`, 'must be a string, number or boolean');
    fromFile[key] = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  }
  const merged: Env = { ...fromFile };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) merged[key] = value;
  return merged;
}

/** The configuration keys in force (file and environment), secrets masked: what `twin config check` shows. */
export function effectiveKeys(env: Env): Record<string, string> {
  const merged = withConfigFile(env);
  const out: Record<string, string> = {};
  for (const key of CONFIG_KEYS) {
    const value = merged[key];
    if (value !== undefined && value !== '') out[key] = SECRET_KEYS.has(key) ? '***' : value;
  }
  return out;
}
