import type { FailureEvent } from '../core/types.ts';
import type { ObjectStore } from '../store/index.ts';

const PREFIX = 'cluster/failures/';

/**
 * Recorded failures kept in the shared bucket as well as in each API node's database, so that a
 * node started after they were recorded (or on a fresh data folder) knows them too.
 */
export function saveSharedFailure(objects: ObjectStore, failure: FailureEvent): Promise<void> {
  const ts = String(Math.round(failure.ts)).padStart(13, '0');
  return objects.put(
    `${PREFIX}${failure.instance}/${ts}-${encodeURIComponent(failure.id)}.json`,
    JSON.stringify(failure)
  );
}

export async function loadSharedFailures(objects: ObjectStore): Promise<FailureEvent[]> {
  const out: FailureEvent[] = [];
  for (const key of await objects.list(PREFIX)) {
    const body = await objects.get(key);
    if (body) out.push(JSON.parse(body.toString('utf8')) as FailureEvent);
  }
  return out;
}
