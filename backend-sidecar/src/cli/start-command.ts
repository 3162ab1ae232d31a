import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Sidecar } from '../api/index.ts';
import { loadConfig, type TwinConfig } from '../core/config.ts';
import { parseDuration } from '../core/duration.ts';
import { FleetSimulator, type SimulatorSink } from '../simulator/index.ts';
import { FleetView } from './fleet-view.ts';

export interface StartOptions {
  host?: string;
  port?: string;
  dataDir?: string;
  /** A configuration file (TWIN_CONFIG). */
  config?: string;
  simulator: boolean;
  agent: boolean;
  instances: string;
  backfill: string;
  backfillStep: string;
  seed: string;
  demo: boolean;
  demoSpeed: string;
}

/** Feeds the simulator straight into the sidecar's ingest path (the same validation and storage as HTTP). */
function inProcessSink(sidecar: Sidecar): SimulatorSink {
  return {
    writeSamples: async (instance, labels, samples) => {
      await sidecar.ingest.ingest({ instance, labels: labels as Record<string, string>, samples });
    },
    recordFailure: async (failure) => {
      await sidecar.failures.record(failure);
    },
  };
}

function spawnAgent(url: string, spoolDir: string, view: FleetView): ChildProcess {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'agent', '--url', url, '--spool', spoolDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) view.line(`agent    ${line}`);
  };
  child.stdout!.on('data', relay);
  child.stderr!.on('data', relay);
  return child;
}

/** `twin start`: the sidecar on embedded defaults with a live fleet to watch (this machine's agent and a simulated fleet). */
export async function startCommand(options: StartOptions): Promise<void> {
  const overrides: Partial<TwinConfig> = {};
  if (options.host) overrides.host = options.host;
  if (options.port) overrides.port = Number(options.port);
  const env = {
    ...process.env,
    ...(options.dataDir ? { TWIN_DATA_DIR: options.dataDir } : {}),
    ...(options.config ? { TWIN_CONFIG: options.config } : {}),
  };
  const config = loadConfig(env, overrides);
  // Signals are handled before anything is announced: whoever started the sidecar may stop it the
  // moment it says it listens (a signal before the handler would kill it without a clean stop).
  let stopping: Promise<void> | undefined;
  // Set once the sidecar has started: how to stop it then.
  const started: { stop?: (signal: string) => Promise<void> } = {};
  const ready = new Sidecar(config).start();
  const shutdown = (signal: string) => {
    stopping ??= (async () => {
      setTimeout(() => {
        process.stderr.write('stopping took over 30 s; exiting without waiting further\n');
        process.exit(1);
      }, 30_000).unref();
      if (!started.stop) process.stderr.write(`${signal} while starting: stopping once started\n`);
      await ready;
      await started.stop!(signal);
    })();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const sidecar = await ready;
  const view = new FleetView(sidecar);
  let stopSimulator: (() => void) | undefined;
  let agent: ChildProcess | undefined;
  started.stop = async (signal: string) => {
    view.line(`${signal}: stopping`);
    stopSimulator?.();
    if (agent && agent.exitCode === null) {
      const exited = new Promise((resolve) => agent!.once('exit', resolve));
      agent.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    }
    await sidecar.stop();
    view.line(`stopped cleanly; state kept in ${config.dataDir}`);
    view.stop();
    process.exit(0);
  };
  if (stopping) return; // a signal came while starting: the sidecar stops now

  view.line(`Twin sidecar listening on ${sidecar.url}  (data in ${config.dataDir})`);
  view.line(`  API: ${sidecar.url}/api/v1/instances   health: ${sidecar.url}/healthz   Ctrl-C stops`);
  const known = sidecar.instances.list().length;
  if (known) {
    const twins = sidecar.instances.list().filter((i) => sidecar.models.champion(i.id)).length;
    view.line(`  continuing from stored state: ${known} instances, ${twins} twins`);
  }

  if (options.agent) agent = spawnAgent(sidecar.url, path.join(config.dataDir, 'agent-spool'), view);

  if (options.simulator && Number(options.instances) > 0) {
    const now = Date.now();
    const simulator = new FleetSimulator({
      instances: Number(options.instances),
      seed: Number(options.seed),
      ...(options.demo ? { demoStart: now, demoSpeed: Number(options.demoSpeed) } : {}),
    });
    const sink = inProcessSink(sidecar);
    const stepMs = parseDuration(options.backfillStep);
    const lastSeen = simulator.profiles.map((p) => sidecar.instances.get(p.id)?.lastSeen ?? 0);
    const from = Math.max(now - parseDuration(options.backfill), Math.min(...lastSeen) + stepMs);
    if (from < now - stepMs) {
      view.line(
        `simulator: backfilling ${simulator.profiles.length} instances from ${new Date(from).toISOString()} at ${options.backfillStep} steps`
      );
      const result = await simulator.backfill(sink, from, now, stepMs);
      view.line(`simulator: backfilled ${result.samples} samples, ${result.failures} failures on the way`);
    }
    if (!stopping) {
      stopSimulator = simulator.live(sink, 1000, (err) => view.line(`simulator: ${err.message}`));
      view.line(
        `simulator: ${simulator.profiles.length} instances live at 1 Hz${options.demo ? '; demo faults start within minutes' : ''}`
      );
    }
  }
}
