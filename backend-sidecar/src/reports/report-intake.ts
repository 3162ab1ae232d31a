import type { NewFailure } from '../store/index.ts';
import type { Catalogue } from './catalogue.ts';
import { analyzeReport, type Finding, type OperatingReport } from './report-analyzer.ts';
import type { ReportStore, StoredReport } from './report-store.ts';

export interface ReportIntakeOptions {
  /** The report's findings reach the failure analysis of this node. */
  noteFindings: (instance: string, time: number, findings: Finding[]) => void;
  /** ... and of the other API nodes, when there are several. */
  shareFindings?: (instance: string, time: number, findings: Finding[]) => Promise<void>;
  recordFailure: (failure: NewFailure) => Promise<unknown>;
  /** A report that is not `ok`. */
  flagged?: (report: StoredReport) => void;
}

/**
 * Where operating information reports come in: each is stored with what the catalogue finds in
 * it (durably: the object is synced before `ingest` returns). Findings that mean the instance
 * failed are recorded as failures; the rest reach the failure analysis as evidence for the
 * resources they implicate.
 */
export class ReportIntake {
  constructor(
    readonly store: ReportStore,
    private readonly catalogue: Catalogue,
    private readonly options: ReportIntakeOptions
  ) {}

  async ingest(report: OperatingReport): Promise<StoredReport> {
    const stored = await this.store.save(report, await analyzeReport(report, this.catalogue));
    this.options.noteFindings(report.instance, report.time, stored.findings);
    await this.options.shareFindings?.(report.instance, report.time, stored.findings).catch(() => undefined);
    for (const finding of stored.findings) {
      if (!finding.failure) continue;
      await this.options.recordFailure({
        id: `${stored.id}:${finding.id}`,
        instance: report.instance,
        ts: finding.first ?? report.time,
        kind: finding.failure,
        source: 'report',
        detail: `${finding.title}: ${finding.evidence[0] ?? ''}`.slice(0, 2000),
      });
    }
    if (stored.overall !== 'ok') this.options.flagged?.(stored);
    return stored;
  }
}
