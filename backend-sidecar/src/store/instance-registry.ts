import { Serial } from './serial.ts';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { InstanceLabels } from '../core/types.ts';
import type { EmbeddedDatabase } from './embedded-database.ts';
import { INSTANCES } from './parameters.ts';

export interface InstanceRecord {
  id: string;
  labels: InstanceLabels;
  firstSeen: number;
  lastSeen: number;
  samples: number;
}

/** Whether an instance that last reported at `lastSeen` still reports. */
export function isLive(lastSeen: number, now = Date.now()): boolean {
  return now - lastSeen <= INSTANCES.liveWithinMs.value;
}

/**
 * Instances that report, with their labels and last-seen time. Kept in memory for the hot path
 * (every ingested batch touches it) and written through to the embedded database on flush.
 */
export class InstanceRegistry {
  private readonly records = new Map<string, InstanceRecord>();
  private readonly dirty = new Set<string>();
  private readonly serial = new Serial();

  private constructor(private readonly connection: DuckDBConnection) {}

  static async open(db: EmbeddedDatabase): Promise<InstanceRegistry> {
    const registry = new InstanceRegistry(await db.connect());
    const reader = await registry.connection.runAndReadAll(
      'SELECT id, labels, first_seen, last_seen, samples FROM instances'
    );
    for (const [id, labels, firstSeen, lastSeen, samples] of reader.getRows() as [
      string,
      string,
      bigint,
      bigint,
      bigint,
    ][]) {
      registry.records.set(id, {
        id,
        labels: JSON.parse(labels) as InstanceLabels,
        firstSeen: Number(firstSeen),
        lastSeen: Number(lastSeen),
        samples: Number(samples),
      });
    }
    return registry;
  }

  /** Notes that an instance reported samples up to `lastTs`. */
  touch(id: string, labels: InstanceLabels | undefined, firstTs: number, lastTs: number, count: number): void {
    const record = this.records.get(id);
    if (record) {
      if (labels) record.labels = { ...record.labels, ...labels };
      record.firstSeen = Math.min(record.firstSeen, firstTs);
      record.lastSeen = Math.max(record.lastSeen, lastTs);
      record.samples += count;
    } else {
      this.records.set(id, { id, labels: labels ?? {}, firstSeen: firstTs, lastSeen: lastTs, samples: count });
    }
    this.dirty.add(id);
  }

  /** Takes in what another node knows (the union of both: earliest first, latest last seen). */
  merge(records: readonly InstanceRecord[]): number {
    let added = 0;
    for (const r of records) {
      const mine = this.records.get(r.id);
      if (!mine) added++;
      this.records.set(
        r.id,
        mine
          ? {
              ...mine,
              labels: { ...r.labels, ...mine.labels },
              firstSeen: Math.min(mine.firstSeen, r.firstSeen),
              lastSeen: Math.max(mine.lastSeen, r.lastSeen),
              samples: Math.max(mine.samples, r.samples),
            }
          : { ...r }
      );
      this.dirty.add(r.id);
    }
    return added;
  }

  get(id: string): InstanceRecord | undefined {
    return this.records.get(id);
  }

  list(): InstanceRecord[] {
    return [...this.records.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Writes what changed since the last flush; flushes run one at a time on the connection. */
  flush(): Promise<void> {
    return this.serial.run(() => this.write());
  }

  private async write(): Promise<void> {
    if (this.dirty.size === 0) return;
    const ids = [...this.dirty];
    this.dirty.clear();
    for (const id of ids) {
      const r = this.records.get(id)!;
      await this.connection.run(`INSERT OR REPLACE INTO instances VALUES ($id, $labels, $first, $last, $samples)`, {
        id,
        labels: JSON.stringify(r.labels),
        first: BigInt(r.firstSeen),
        last: BigInt(r.lastSeen),
        samples: BigInt(r.samples),
      });
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.connection.closeSync();
  }
}
