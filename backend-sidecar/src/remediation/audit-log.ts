import type { ObjectStore } from '../store/index.ts';

/** One remediation decision as the audit log keeps it. */
export interface AuditRecord {
  id: string;
  ts: number;
  instance: string;
  policy: string;
  action: string;
  target: string;
  /** dry-run: recorded only; pending: waits for approval; executed / failed: it ran; skipped: cooling down. */
  status: 'dry-run' | 'pending' | 'executed' | 'failed' | 'skipped' | 'approved' | 'rejected';
  /** Why: the prediction that triggered it. */
  reason: string;
  predicted: Record<string, unknown>;
  outcome?: { ok: boolean; attempts: number; detail: string };
  /** For a record that settles an earlier one (an approval, its execution): that one's id. */
  follows?: string;
}

const KEY = /^audit\/\d{4}-\d{2}-\d{2}\/(\d{13})-([^/]+)\.json$/;

/**
 * The append-only audit log of remediation decisions in the object store: one object per record,
 * `audit/<day>/<ts>-<id>.json`, never rewritten (a later state of a decision is a new record that
 * `follows` it).
 */
export class AuditLog {
  constructor(private readonly objects: ObjectStore) {}

  async append(record: AuditRecord): Promise<void> {
    const day = new Date(record.ts).toISOString().slice(0, 10);
    await this.objects.put(
      `audit/${day}/${String(record.ts).padStart(13, '0')}-${record.id}.json`,
      JSON.stringify(record)
    );
  }

  /** Records newest first, filtered by instance and time. */
  async query(filter: { instance?: string; from?: number; to?: number; limit?: number } = {}): Promise<AuditRecord[]> {
    const keys = (await this.objects.list('audit/'))
      .map((key) => ({ key, ts: Number(KEY.exec(key)?.[1]) }))
      .filter((k) => Number.isFinite(k.ts) && k.ts >= (filter.from ?? 0) && k.ts < (filter.to ?? Infinity))
      .sort((a, b) => b.ts - a.ts);
    const out: AuditRecord[] = [];
    for (const { key } of keys) {
      const body = await this.objects.get(key);
      if (!body) continue;
      const record = JSON.parse(body.toString('utf8')) as AuditRecord;
      if (filter.instance && record.instance !== filter.instance) continue;
      out.push(record);
      if (out.length >= (filter.limit ?? 500)) break;
    }
    return out;
  }
}
