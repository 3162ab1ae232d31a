import type { InstanceRecord, InstanceRegistry, ObjectStore } from '../store/index.ts';

const PREFIX = 'cluster/instances/';

/**
 * Each API node's view of the fleet, kept in the shared bucket, so that a node started after its
 * peers (or on a fresh data folder) knows every instance at once, not only those that report again.
 */
export async function saveRegistrySnapshot(objects: ObjectStore, node: string, registry: InstanceRegistry) {
  await objects.put(`${PREFIX}${node}.json`, JSON.stringify(registry.list()));
}

/** Merges every node's snapshot into this node's registry; returns the instances it did not know. */
export async function loadRegistrySnapshots(objects: ObjectStore, registry: InstanceRegistry): Promise<number> {
  let added = 0;
  for (const key of await objects.list(PREFIX)) {
    const body = await objects.get(key);
    if (body) added += registry.merge(JSON.parse(body.toString('utf8')) as InstanceRecord[]);
  }
  return added;
}
