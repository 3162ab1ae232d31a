import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { freePort } from '../cli/process-helpers.ts';
import { tempDir } from '../api/test-helpers.ts';

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
