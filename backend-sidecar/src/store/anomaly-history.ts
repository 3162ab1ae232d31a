import type { ObjectStore } from './object-store.ts';
import { instanceKey } from '../core/instance-id.ts';

/** What the history needs to know of an anomaly event; the rest of it is stored as it is. */
export interface HistoryRecord {
  id: string;
  instance: string;
  start: number;
  end: number;
}

interface IndexEntry {
  key: string;
  start: number;
  end: number;
}

const KEY = /\/(\d{13})-(\d{13})-[^/]+\.json$/;

function day(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

/**
 * Anomaly history in the object store: append-only, one object per event under
 * `anomalies/<instance>/<yyyy-mm-dd of its start>/<start>-<end>-<id>.json`. The key carries the
 * time span, so an in-memory index per instance (built from one listing, then kept up to date)
 * answers "anomalies of X between t1 and t2" without reading any object that does not match.
 */
export class AnomalyHistory<T extends HistoryRecord = HistoryRecord> {
  private readonly index = new Map<string, IndexEntry[]>();
  private readonly loading = new Map<string, Promise<IndexEntry[]>>();

  constructor(private readonly objects: ObjectStore) {}

  static keyOf(record: HistoryRecord): string {
    const pad = (ts: number) => String(Math.round(ts)).padStart(13, '0');
    return `anomalies/${instanceKey(record.instance)}/${day(record.start)}/${pad(record.start)}-${pad(record.end)}-${record.id}.json`;
  }

  private entries(instance: string): Promise<IndexEntry[]> {
    const known = this.index.get(instance);
    if (known) return Promise.resolve(known);
    let pending = this.loading.get(instance);
    if (!pending) {
      pending = this.objects.list(`anomalies/${instanceKey(instance)}/`).then((keys) => {
        const list = keys.flatMap((key) => {
          const m = KEY.exec(key);
          return m ? [{ key, start: Number(m[1]), end: Number(m[2]) }] : [];
        });
        list.sort((a, b) => a.start - b.start);
        this.index.set(instance, list);
        this.loading.delete(instance);
        return list;
      });
      this.loading.set(instance, pending);
    }
    return pending;
  }

  async append(record: T): Promise<string> {
    const key = AnomalyHistory.keyOf(record);
    await this.objects.put(key, JSON.stringify(record));
    const list = await this.entries(record.instance);
    if (!list.some((e) => e.key === key)) {
      let i = list.length;
      while (i > 0 && list[i - 1]!.start > record.start) i--;
      list.splice(i, 0, { key, start: record.start, end: record.end });
    }
    return key;
  }

  /** Events of an instance that overlap [from, to), oldest first: the first `limit` of them. */
  async query(instance: string, from: number, to: number, limit = 1000): Promise<T[]> {
    return this.read((await this.overlapping(instance, from, to)).slice(0, limit));
  }

  /** The last `count` events of an instance that overlap [from, to), oldest first. */
  async latest(instance: string, from: number, to: number, count: number): Promise<T[]> {
    return this.read((await this.overlapping(instance, from, to)).slice(-count));
  }

  private async overlapping(instance: string, from: number, to: number): Promise<IndexEntry[]> {
    return (await this.entries(instance)).filter((e) => e.start < to && e.end >= from);
  }

  private async read(entries: readonly IndexEntry[]): Promise<T[]> {
    const bodies = await Promise.all(entries.map((e) => this.objects.get(e.key)));
    return bodies.filter((b): b is Buffer => b !== undefined).map((b) => JSON.parse(b.toString()) as T);
  }

  /** Days (UTC) that hold events of an instance: the partitions. */
  async days(instance: string): Promise<string[]> {
    return [...new Set((await this.entries(instance)).map((e) => day(e.start)))];
  }
}

/**
 * The spans of an instance's recorded anomalies in [from, to), listed afresh from the object store
 * (a history's index knows only what it appended itself, and in a fleet another node may have
 * recorded them); the keys carry the spans, so no event is read.
 */
export async function recordedAnomalies(
  objects: ObjectStore,
  instance: string,
  from: number,
  to: number
): Promise<{ start: number; end: number }[]> {
  const keys = await objects.list(`anomalies/${instanceKey(instance)}/`);
  return keys.flatMap((key) => {
    const m = KEY.exec(key);
    if (!m) return [];
    const span = { start: Number(m[1]), end: Number(m[2]) };
    return span.start < to && span.end >= from ? [span] : [];
  });
}
