import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './processes.ts';
import { tempDir } from './temp-dir.ts';

export interface TestServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

async function waitUntilUp(url: string, child: ChildProcess, output: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`server at ${url} did not come up: ${output()}`);
}

function startProcess(
  command: string,
  args: string[],
  probeUrl: (port: number) => string,
  port: number
): Promise<TestServer> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  // A missing binary is an error to report (the caller may go on without this server), not a crash.
  child.on('error', (err) => (log += `${command} could not start: ${err.message}\n`));
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return waitUntilUp(probeUrl(port), child, () => log).then(() => ({ url: `http://127.0.0.1:${port}`, port, stop }));
}

/**
 * s3rver (an S3-protocol server) on loopback with a bucket "twin". Run with --openssl-legacy-provider:
 * without it its paginated listings fail with 500.
 */
export async function startS3rver(): Promise<TestServer> {
  const require = createRequire(import.meta.url);
  const bin = path.join(path.dirname(require.resolve('s3rver/package.json')), 'bin', 's3rver.js');
  const port = await freePort();
  return startProcess(
    process.execPath,
    [
      '--openssl-legacy-provider',
      bin,
      '-d',
      tempDir('twin-s3-'),
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      '-s',
      '--configure-bucket',
      'twin',
    ],
    (p) => `http://127.0.0.1:${p}/`,
    port
  );
}

/** InfluxDB 1.x from Debian (`influxd`), on loopback ports, its data in a fresh folder. */
export async function startInfluxDB1(): Promise<TestServer> {
  const dir = tempDir('twin-influx-');
  const port = await freePort();
  const rpcPort = await freePort();
  const config = path.join(dir, 'influxdb.conf');
  fs.writeFileSync(
    config,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpcPort}"`,
      '[meta]',
      `  dir = "${dir}/meta"`,
      '[data]',
      `  dir = "${dir}/data"`,
      `  wal-dir = "${dir}/wal"`,
      '  query-log-enabled = false',
      '[http]',
      `  bind-address = "127.0.0.1:${port}"`,
      '  log-enabled = false',
      '[monitor]',
      '  store-enabled = false',
    ].join('\n')
  );
  return startProcess('influxd', ['-config', config], (p) => `http://127.0.0.1:${p}/ping`, port);
}

/** Prometheus from Debian with the remote-write receiver on, on a loopback port; optionally scraping itself each second and remote-writing to a URL. */
export async function startPrometheus(
  options: {
    scrapeSelf?: boolean;
    remoteWriteUrl?: string;
    /** A configuration of the caller's instead (it may put files it names, rule files, in `dir`). */
    config?: (dir: string) => string;
  } = {}
): Promise<TestServer> {
  const dir = tempDir('twin-prom-');
  const port = await freePort();
  const config = path.join(dir, 'prometheus.yml');
  const lines = ['global:', '  scrape_interval: 1s'];
  if (options.scrapeSelf) {
    lines.push(
      'scrape_configs:',
      '  - job_name: prometheus',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${port}']`
    );
  }
  if (options.remoteWriteUrl) {
    lines.push(
      'remote_write:',
      `  - url: ${options.remoteWriteUrl}`,
      '    queue_config:',
      '      batch_send_deadline: 1s'
    );
  }
  fs.writeFileSync(config, options.config ? options.config(dir) : lines.join('\n') + '\n');
  return startProcess(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--storage.tsdb.retention.time=30d',
      '--log.level=warn',
    ],
    (p) => `http://127.0.0.1:${p}/-/ready`,
    port
  );
}

/** redis-server from Debian on loopback, nothing persisted. */
export async function startRedis(): Promise<TestServer> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  );
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${log}`)), 15_000);
    const onData = (d: Buffer) => {
      log += d.toString();
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${log}`)));
    child.once('error', (err) => reject(new Error(`redis-server could not start: ${err.message}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { url: `redis://127.0.0.1:${port}`, port, stop };
}
