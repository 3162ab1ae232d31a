import fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { AGENT_BIN, freePort } from '../testing/processes.ts';
import { startTestSidecar, tempDir } from '../testing/test-sidecar.ts';
import { report } from '../bench/load-generator.ts';

/**
 * CPU time of a process in seconds, all threads: the scheduler's own run time in nanoseconds
 * (/proc/PID/task/TID/schedstat). utime and stime in /proc/PID/stat are sampled at each timer tick,
 * which misjudges a process that wakes 100 times a second by as much as its whole usage.
 */
function cpuSeconds(pid: number): number {
  let ns = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ns / 1e9;
}

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) / 1024;
}

/** CPU (% of one core) and RSS of a running process over a window, after a warm-up (the JIT's work done). */
async function measure(pid: number, warmupMs: number, windowMs: number, during?: () => Promise<void>) {
  await new Promise((r) => setTimeout(r, warmupMs));
  const t0 = cpuSeconds(pid);
  const started = performance.now();
  await Promise.all([new Promise((r) => setTimeout(r, windowMs)), during?.()]);
  const seconds = (performance.now() - started) / 1000;
  return { cpuPct: ((cpuSeconds(pid) - t0) / seconds) * 100, rssMb: rssMb(pid) };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * `npm run bench -- agent`: twin-agent's CPU time per second and RSS at 1, 10 and 100 Hz, side by
 * side with prometheus-node-exporter (Debian) scraped at 1 and 10 Hz, in the same run.
 */
export async function agentBench(options: { json: boolean; seconds?: number }): Promise<void> {
  const windowMs = (options.seconds ?? 20) * 1000;
  // The agent's once-a-second work (encoding, sending, probing) takes V8 some 20 s to optimise.
  const warmupMs = 25_000;
  const sidecar = await startTestSidecar();
  const rows: [string, string, string, string][] = [];
  const figures: Record<string, unknown> = {
    bench: 'agent',
    twin: {},
    peer: { name: 'prometheus-node-exporter (Debian)' },
    ratio: {},
  };
  try {
    const exporterPort = await freePort();
    const exporter = spawn('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${exporterPort}`], {
      stdio: 'ignore',
    });
    await new Promise((r) => setTimeout(r, 1500));
    for (const hz of [1, 10, 100]) {
      const agent = spawn(
        process.execPath,
        [AGENT_BIN, '--hz', String(hz), '--url', sidecar.url, '--spool', tempDir('twin-bench-spool-')],
        {
          stdio: 'ignore',
        }
      );
      const twin = await measure(agent.pid!, warmupMs, windowMs);
      await stop(agent);
      let peer: { cpuPct: number; rssMb: number } | undefined;
      if (hz <= 10) {
        let scraping = true;
        const scrape = async () => {
          while (scraping) {
            const started = performance.now();
            await (await fetch(`http://127.0.0.1:${exporterPort}/metrics`)).text();
            await new Promise((r) => setTimeout(r, Math.max(0, 1000 / hz - (performance.now() - started))));
          }
        };
        const loop = scrape();
        peer = await measure(exporter.pid!, 1000, windowMs);
        scraping = false;
        await loop;
      }
      (figures.twin as Record<string, unknown>)[`${hz}Hz`] = twin;
      if (peer) {
        (figures.peer as Record<string, unknown>)[`${hz}Hz`] = peer;
        (figures.ratio as Record<string, unknown>)[`${hz}Hz`] = { cpuPct: twin.cpuPct / peer.cpuPct };
      }
      rows.push([
        `${hz} Hz: CPU % of one core`,
        twin.cpuPct.toFixed(2),
        peer ? peer.cpuPct.toFixed(2) : '-',
        peer ? (twin.cpuPct / peer.cpuPct).toFixed(2) : '',
      ]);
      rows.push([
        `${hz} Hz: RSS MB`,
        twin.rssMb.toFixed(1),
        peer ? peer.rssMb.toFixed(1) : '-',
        peer ? (twin.rssMb / peer.rssMb).toFixed(2) : '',
      ]);
    }
    await stop(exporter);
  } finally {
    await sidecar.stop();
  }
  report(
    `agent: twin-agent sampling and sending, vs node_exporter scraped at the same rate (${windowMs / 1000} s windows after ${warmupMs / 1000} s)`,
    rows,
    options.json,
    figures
  );
}
