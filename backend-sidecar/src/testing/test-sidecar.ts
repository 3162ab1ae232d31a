import { tempDir } from './temp-dir.ts';
import { loadConfig, type TwinConfig } from '../core/config.ts';
import { Sidecar } from '../api/sidecar.ts';
import { FleetSimulator } from '../simulator/index.ts';

export { tempDir };

/** A real sidecar on an ephemeral loopback port with its data in a fresh folder. */
export async function startTestSidecar(
  overrides: Partial<TwinConfig> = {},
  env: Record<string, string> = {}
): Promise<Sidecar> {
  const config = loadConfig({ TWIN_DATA_DIR: tempDir(), ...env }, { port: 0, ...overrides });
  return new Sidecar(config).start();
}

/**
 * Stores `days` of a simulated fleet's history (one batch per instance, no faults) up to `now`,
 * and waits until it is in the store and the instance registry.
 */
export async function ingestSimulatedHistory(
  sidecar: Sidecar,
  options: { instances: number; seed: number; days: number; now: number; stepMs?: number }
): Promise<void> {
  const sim = new FleetSimulator({ instances: options.instances, seed: options.seed, faultsPerInstanceDay: 0 });
  const batches: Record<string, { ts: number; values: Record<string, number> }[]> = {};
  for (const tick of sim.ticks(options.now - options.days * 86_400_000, options.now, options.stepMs ?? 60_000))
    for (const s of tick.samples) (batches[s.instance] ??= []).push({ ts: s.ts, values: s.values });
  for (const [instance, samples] of Object.entries(batches)) await sidecar.ingest.ingest({ instance, samples });
  await sidecar.ingest.drain();
  await sidecar.instances.flush();
}
