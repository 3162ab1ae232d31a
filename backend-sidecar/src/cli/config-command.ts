import { loadConfig } from '../core/config.ts';
import { effectiveKeys } from '../core/config-file.ts';

export interface ConfigCheckOptions {
  config?: string;
  json?: boolean;
}

/**
 * `twin config check`: reads the configuration as `twin start` would (TWIN_CONFIG or --config, then
 * the environment), validates every key, and prints what is in force with secrets masked. A bad
 * key stops it with a message naming the key (exit 1).
 */
export function configCheckCommand(options: ConfigCheckOptions): void {
  const env = { ...process.env, ...(options.config ? { TWIN_CONFIG: options.config } : {}) };
  const config = loadConfig(env);
  const keys = effectiveKeys(env);
  const summary = {
    listen: `${config.host}:${config.port}`,
    dataDir: config.dataDir,
    auth: config.apiTokens.length ? `${config.apiTokens.length} token(s)` : 'none (loopback only)',
    metricStore: config.metricStore.kind,
    objectStore: config.objectStore.kind,
    training: config.redisUrl ? 'BullMQ jobs on Redis' : 'in this process',
    file: env.TWIN_CONFIG ?? null,
  };
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ok: true, summary, keys })}\n`);
    return;
  }
  process.stdout.write(
    `configuration OK${summary.file ? ` (file ${summary.file} and the environment)` : ' (the environment)'}\n`
  );
  for (const [k, v] of Object.entries(summary)) if (k !== 'file') process.stdout.write(`  ${k.padEnd(12)} ${v}\n`);
  process.stdout.write('keys set:\n');
  for (const [k, v] of Object.entries(keys)) process.stdout.write(`  ${k}=${v}\n`);
}
