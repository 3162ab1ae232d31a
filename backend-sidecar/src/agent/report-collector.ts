import fs from 'node:fs';
import os from 'node:os';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { post } from './http-post.ts';

/** What `twin-agent report` sends: this instance's recent logs and its status. */
export interface CollectedReport {
  instance: string;
  time: string;
  status: Record<string, unknown>;
  log: string;
}

const run = promisify(execFile);
/** Lines taken from each source; a report stays well under the sidecar's 8 MiB limit. */
const MAX_LINES = 5000;
const MAX_BYTES = 6 * 1024 * 1024;

async function command(file: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run(file, args, { maxBuffer: 64 * 1024 * 1024, timeout: 15_000 });
    return stdout;
  } catch {
    return undefined; // not installed, or not allowed (dmesg needs privileges on many systems)
  }
}

function tailOf(text: string, lines = MAX_LINES): string {
  const all = text.split('\n');
  return all.slice(Math.max(0, all.length - lines - 1)).join('\n');
}

function readTail(file: string): string | undefined {
  try {
    const { size } = fs.statSync(file);
    const fd = fs.openSync(file, 'r');
    try {
      const length = Math.min(size, 2 * 1024 * 1024);
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, size - length);
      return tailOf(buffer.toString('utf8'));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/**
 * Gathers an operating information report on this machine: the kernel ring buffer (`dmesg`), the
 * system journal (`journalctl -o short-iso`) or, without one, /var/log/syslog or /var/log/messages;
 * and its status: uptime, kernel, boot time, load, recent boots. Sources that are missing or not
 * readable are listed in `status.sources_unavailable`, not errors.
 */
export async function collectReport(instance: string, now = Date.now()): Promise<CollectedReport> {
  const parts: string[] = [];
  const unavailable: string[] = [];
  const dmesg = await command('dmesg', []);
  if (dmesg) parts.push(tailOf(dmesg));
  else unavailable.push('dmesg');
  const journal = await command('journalctl', ['-o', 'short-iso', '--no-pager', '-n', String(MAX_LINES)]);
  if (journal && !journal.startsWith('-- No entries --')) parts.push(journal);
  else {
    unavailable.push('journal');
    const syslog = ['/var/log/syslog', '/var/log/messages'].map(readTail).find((t) => t !== undefined);
    if (syslog) parts.push(syslog);
    else unavailable.push('syslog');
  }
  const boots = await command('journalctl', ['--list-boots', '--no-pager']);
  const uptime = os.uptime();
  let log = parts.join('\n');
  if (Buffer.byteLength(log) > MAX_BYTES) log = log.slice(log.length - MAX_BYTES);
  return {
    instance,
    time: new Date(now).toISOString(),
    status: {
      agent_status: 'ok',
      uptime_s: uptime,
      booted_at: new Date(now - uptime * 1000).toISOString(),
      kernel: os.release(),
      hostname: os.hostname(),
      load: os.loadavg(),
      ...(boots ? { recent_boots: boots.trim().split('\n').slice(1).slice(-5) } : {}),
      ...(unavailable.length ? { sources_unavailable: unavailable } : {}),
    },
    log,
  };
}

/** Sends a report to the sidecar; returns its answer (report id and findings). */
export async function sendReport(
  url: string,
  report: CollectedReport,
  token?: string
): Promise<{ report_id: string; overall: string; findings: { id: string; count: number }[] }> {
  const response = await post(new URL('/api/v1/reports', url), JSON.stringify(report), {
    'content-type': 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  });
  if (response.status !== 201)
    throw new Error(`the sidecar refused the report: ${response.status} ${response.body.toString('utf8')}`);
  return JSON.parse(response.body.toString('utf8')) as never;
}
