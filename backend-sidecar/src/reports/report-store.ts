import { randomBytes } from 'node:crypto';
import type { ObjectStore } from '../store/index.ts';
import type { OperatingReport, ReportAnalysis } from './report-analyzer.ts';
import { instanceKey, instanceOfKey } from '../core/instance-id.ts';

/** A stored report: what was sent, when it arrived, and what was found in it. */
export interface StoredReport extends OperatingReport, ReportAnalysis {
  id: string;
  receivedAt: number;
  /** Templates in this report that the instance's earlier reports never had. */
  newTemplates: string[];
}

/** A report without its log, as lists show it. */
export type ReportSummary = Omit<StoredReport, 'log' | 'templates'>;

interface Entry {
  key: string;
  instance: string;
  time: number;
  id: string;
}

/** How stale a listing of reports may be (other API nodes' reports appear within it). */
const LIST_MAX_AGE_MS = 10_000;

const KEY = /^reports\/([^/]+)\/(\d{13})-([^/]+)\.json$/;

/**
 * Operating information reports in the object store, one object each at
 * `reports/<instance>/<time>-<id>.json` (written whole and synced before the report is
 * acknowledged). An index of the keys, built from one listing, answers by id and by instance; the
 * templates each instance has shown are kept at `report-templates/<instance>.json` so a report can
 * say which of its templates are new.
 */
export class ReportStore {
  private index: Promise<Map<string, Entry>> | undefined;

  constructor(private readonly objects: ObjectStore) {}

  /** When the index was listed: another node may have stored reports since (a bucket shared by API nodes). */
  private indexedAt = 0;

  private entries(maxAgeMs = Infinity): Promise<Map<string, Entry>> {
    if (this.index && Date.now() - this.indexedAt >= maxAgeMs) this.index = undefined;
    this.index ??= this.listEntries();
    return this.index;
  }

  private listEntries(): Promise<Map<string, Entry>> {
    this.indexedAt = Date.now();
    return this.objects.list('reports/').then((keys) => {
      const map = new Map<string, Entry>();
      for (const key of keys) {
        const m = KEY.exec(key);
        if (m) map.set(m[3]!, { key, instance: instanceOfKey(m[1]!), time: Number(m[2]), id: m[3]! });
      }
      return map;
    });
  }

  async save(report: OperatingReport, analysis: ReportAnalysis): Promise<StoredReport> {
    const id = `rpt_${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
    const known = await this.knownTemplates(report.instance);
    const newTemplates = analysis.templates.map((t) => t.template).filter((t) => !known.has(t));
    const stored: StoredReport = { id, receivedAt: Date.now(), ...report, ...analysis, newTemplates };
    const key = `reports/${instanceKey(report.instance)}/${String(Math.round(report.time)).padStart(13, '0')}-${id}.json`;
    await this.objects.put(key, JSON.stringify(stored));
    if (newTemplates.length > 0) {
      for (const t of newTemplates) known.add(t);
      await this.objects.put(`report-templates/${instanceKey(report.instance)}.json`, JSON.stringify([...known]));
    }
    (await this.entries()).set(id, { key, instance: report.instance, time: report.time, id });
    return stored;
  }

  async get(id: string): Promise<StoredReport | undefined> {
    // An id this node has not seen may be another node's report: list again.
    const entry = (await this.entries()).get(id) ?? (await this.entries(0)).get(id);
    if (!entry) return undefined;
    const body = await this.objects.get(entry.key);
    return body ? (JSON.parse(body.toString('utf8')) as StoredReport) : undefined;
  }

  /** Reports, newest first, of one instance or of all; a page of them. */
  async list(filter: { instance?: string; limit?: number; offset?: number } = {}): Promise<{
    items: ReportSummary[];
    total: number;
  }> {
    const all = [...(await this.entries(LIST_MAX_AGE_MS)).values()]
      .filter((e) => filter.instance === undefined || e.instance === filter.instance)
      .sort((a, b) => b.time - a.time || (b.id < a.id ? -1 : 1));
    const offset = filter.offset ?? 0;
    const page = all.slice(offset, offset + (filter.limit ?? 50));
    const items = await Promise.all(
      page.map(async (e) => {
        const { log: _log, templates: _templates, ...summary } = (await this.get(e.id))!;
        return summary;
      })
    );
    return { items, total: all.length };
  }

  /** The instance's newest report, if any. */
  async latest(instance: string): Promise<StoredReport | undefined> {
    const [newest] = [...(await this.entries(LIST_MAX_AGE_MS)).values()]
      .filter((e) => e.instance === instance)
      .sort((a, b) => b.time - a.time);
    return newest ? this.get(newest.id) : undefined;
  }

  private async knownTemplates(instance: string): Promise<Set<string>> {
    const body = await this.objects.get(`report-templates/${instanceKey(instance)}.json`);
    return new Set(body ? (JSON.parse(body.toString('utf8')) as string[]) : []);
  }
}
