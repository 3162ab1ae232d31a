export { nodeId } from './node-id.ts';
export { loadRegistrySnapshots, saveRegistrySnapshot } from './registry-snapshots.ts';
export { loadSharedFailures, saveSharedFailure } from './shared-failures.ts';
export type { FleetBus, FleetEvent, ModelChange } from './fleet-bus.ts';

/** Joins the fleet on Redis. Loaded only when used: a sidecar without Redis does not pay for ioredis at start-up. */
export async function openFleetBus(
  redisUrl: string,
  node: string,
  listen: boolean
): Promise<import('./fleet-bus.ts').FleetBus> {
  const { FleetBus } = await import('./fleet-bus.ts');
  return FleetBus.open(redisUrl, node, listen);
}
