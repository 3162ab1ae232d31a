import { parseLogLine, type ParsedLogLine } from './log-line-parser.ts';
import { TemplateMiner } from './template-miner.ts';
import type { Catalogue, FindingSeverity, ImplicatedResource } from './catalogue.ts';
import { setImmediate as turn } from 'node:timers/promises';
import { REPORT_ANALYSIS } from './parameters.ts';

/** An operating information report as sent: an instance's log plus its status. */
export interface OperatingReport {
  instance: string;
  /** ms since the epoch: when the report was taken. */
  time: number;
  /** Status checks and facts (e.g. instance_status, system_status, uptime_s, kernel, reboots). */
  status: Record<string, unknown>;
  log: string;
}

/** A known issue recognised in a report, with the lines that show it. */
export interface Finding {
  id: string;
  title: string;
  severity: FindingSeverity;
  resources: ImplicatedResource[];
  actions: string[];
  failure?: 'crash' | 'outage';
  /** Lines that matched. */
  count: number;
  /** 1-based line numbers of the evidence (the first 50). */
  lines: number[];
  /** The first few evidence lines themselves. */
  evidence: string[];
  /** ms since the epoch of the first and last evidence line, where the lines say when. */
  first?: number;
  last?: number;
}

export interface ReportTemplate {
  template: string;
  count: number;
  /** 1-based number of the first line with it. */
  firstLine: number;
}

export interface ReportAnalysis {
  /** The report's overall status: critical on a failed status check or a critical finding. */
  overall: 'ok' | 'warning' | 'critical';
  /** Why the overall status is what it is (failed status checks, the worst findings). */
  reasons: string[];
  findings: Finding[];
  /** Lines no catalogue entry matched, grouped into templates (most frequent first). */
  templates: ReportTemplate[];
  lines: number;
  formats: Partial<Record<ParsedLogLine['format'], number>>;
  catalogueVersion: string;
}

const MAX_LINE_CHARS = REPORT_ANALYSIS.maxLineChars.value;
const SLICE_MS = REPORT_ANALYSIS.sliceMs.value;
const MAX_EVIDENCE_LINES = 50;
const MAX_EVIDENCE_TEXT = 5;
const RANK: Record<FindingSeverity, number> = { info: 0, warning: 1, critical: 2 };
const HEALTHY = new Set(['ok', 'passed', 'running', 'healthy', 'true']);

/** When the line happened: its own timestamp, or for dmesg its seconds since boot placed at the boot time. */
function timeOf(line: ParsedLogLine, bootMs: number | undefined): number | undefined {
  if (line.ts !== undefined) return line.ts;
  if (line.uptimeS !== undefined && bootMs !== undefined) return Math.round(bootMs + line.uptimeS * 1000);
  return undefined;
}

/** Status checks that did not pass: fields named *_status or *_check (or under `checks`) with an unhealthy value. */
function failedChecks(status: Record<string, unknown>): string[] {
  const checks: [string, unknown][] = Object.entries(status).filter(([k]) => /(_status|_check)$/.test(k));
  if (status.checks && typeof status.checks === 'object') checks.push(...Object.entries(status.checks));
  return checks
    .filter(([, v]) => v !== undefined && v !== null && !HEALTHY.has(String(v).toLowerCase()))
    .map(([k, v]) => `${k} is ${String(v)}`);
}

/**
 * Reads a report's log line by line: parses each (syslog, dmesg, journal or plain), matches it
 * against the catalogue of known issues, and groups the lines nothing matched into templates; then
 * sets the report's status from its findings and its status checks.
 */
export async function analyzeReport(report: OperatingReport, catalogue: Catalogue): Promise<ReportAnalysis> {
  const uptime = Number(report.status.uptime_s);
  const bootMs = Number.isFinite(uptime) ? report.time - uptime * 1000 : undefined;
  const findings = new Map<number, Finding>();
  const miner = new TemplateMiner();
  const templates = new Map<number, ReportTemplate>();
  const formats: ReportAnalysis['formats'] = {};
  const lines = report.log.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let sliceStarted = performance.now();
  for (const [index, line] of lines.entries())
    for (let at = 0; at < line.length; at += MAX_LINE_CHARS) {
      readLine(line.length > MAX_LINE_CHARS ? line.slice(at, at + MAX_LINE_CHARS) : line, index);
      if (performance.now() - sliceStarted > SLICE_MS) {
        await turn();
        sliceStarted = performance.now();
      }
    }

  function readLine(text: string, index: number): void {
    if (text.trim() === '') return;
    const parsed = parseLogLine(text, report.time);
    formats[parsed.format] = (formats[parsed.format] ?? 0) + 1;
    const at = timeOf(parsed, bootMs);
    let matched = false;
    catalogue.matchers.forEach((patterns, e) => {
      if (!patterns.some((p) => p.test(text))) return;
      matched = true;
      const entry = catalogue.entries[e]!;
      let f = findings.get(e);
      if (!f) {
        f = {
          id: entry.id,
          title: entry.title,
          severity: entry.severity,
          resources: entry.resources,
          actions: entry.actions,
          ...(entry.failure ? { failure: entry.failure } : {}),
          count: 0,
          lines: [],
          evidence: [],
        };
        findings.set(e, f);
      }
      f.count++;
      if (f.lines.length < MAX_EVIDENCE_LINES) f.lines.push(index + 1);
      if (f.evidence.length < MAX_EVIDENCE_TEXT) f.evidence.push(text.slice(0, 500));
      if (at !== undefined) {
        f.first = Math.min(f.first ?? at, at);
        f.last = Math.max(f.last ?? at, at);
      }
    });
    if (matched) return;
    const { template } = miner.add(parsed.message);
    const seen = templates.get(template.id);
    if (seen) seen.count++;
    else templates.set(template.id, { template: template.template, count: 1, firstLine: index + 1 });
    // The template text widens as lines join it.
    templates.get(template.id)!.template = template.template;
  }

  // Worst first: by severity, then those that mean the instance failed, then by how many lines show them.
  const ordered = [...findings.values()].sort(
    (a, b) =>
      RANK[b.severity] - RANK[a.severity] ||
      Number(b.failure !== undefined) - Number(a.failure !== undefined) ||
      b.count - a.count
  );
  const failed = failedChecks(report.status);
  const worst = Math.max(-1, ...ordered.map((f) => RANK[f.severity]));
  const overall = failed.length > 0 || worst === RANK.critical ? 'critical' : worst === RANK.warning ? 'warning' : 'ok';
  return {
    overall,
    reasons: [...failed, ...ordered.filter((f) => f.severity !== 'info').map((f) => `${f.title} (${f.count} lines)`)],
    findings: ordered,
    templates: [...templates.values()].sort((a, b) => b.count - a.count),
    lines: lines.length,
    formats,
    catalogueVersion: catalogue.version,
  };
}
