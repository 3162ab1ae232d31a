import type { TwinModel } from '../twin/index.ts';
import type { FailureAnalysis, RecommendedAction } from './failure-analysis.ts';
import type { KindPrediction } from './failure-predictor.ts';
import type { RootCause } from './incident-correlator.ts';
import { FAILURE_ANALYSIS } from './parameters.ts';

/** What the failure report reads of a report's findings (the reports stage's `Finding` has these and more). */
export interface ReportFinding {
  id: string;
  title: string;
  severity: 'info' | 'warning' | 'critical';
  resources: readonly string[];
  actions: readonly string[];
  count: number;
  lines: readonly number[];
}

/** An operating information report, as far as the failure report needs it. */
export interface ReportForPrediction<F extends ReportFinding = ReportFinding> {
  id: string;
  time: number;
  findings: F[];
}

/** What the failure report is built from: the instance's twin and the failure analysis. */
export interface FailureReportSources {
  analysis: Pick<FailureAnalysis, 'predict' | 'incidentsOf' | 'recommendActions'>;
  champion(instance: string): TwinModel | undefined;
  /** How long until the instance's first twin is ready (undefined for an instance never seen). */
  twinReadyInMs(instance: string): number | undefined;
}

/** The predicted failure report: what is about to break, why, how sure, what would help. */
export interface FailureReport<F extends ReportFinding = ReportFinding> {
  instance: string;
  /** The operating information report it was asked for, when it was. */
  report_id: string | null;
  time: string;
  /** `twin`: the instance's trained twin and its live evidence; `prior`: no twin yet, the prior and the report alone. */
  basis: 'twin' | 'prior';
  model: { version: string; trainedAt: string } | null;
  /** When the twin will be ready, for an instance without one. */
  twinReadyInSeconds: number | null;
  predictions: KindPrediction[];
  rootCauses: Pick<RootCause, 'resource' | 'score' | 'evidence' | 'findings'>[];
  recommendedActions: ({ action: string; effect: Omit<RecommendedAction, 'action'> | null } & Record<
    string,
    unknown
  >)[];
  findings: F[];
}

const SEVERITY = FAILURE_ANALYSIS.reportSeverityWeight.value;

/**
 * Builds the predicted failure report for an instance (and one of its operating information
 * reports): the learned model's probability per failure kind and horizon with its interval and
 * confidence, root causes with evidence (the latest incident's, or the report's findings when
 * there is none), and actions ranked by the drop the what-if simulation predicts (or the report's
 * catalogue actions, unranked, when the instance has no twin to simulate with).
 */
export function buildFailureReport<F extends ReportFinding>(
  sources: FailureReportSources,
  instance: string,
  report?: ReportForPrediction<F>,
  now = Date.now()
): FailureReport<F> {
  const model = sources.champion(instance);
  const findings = report?.findings ?? [];
  const predictions = sources.analysis.predict(instance, now, report ? findings : undefined);
  const incident = sources.analysis.incidentsOf(instance)[0];
  const rootCauses: FailureReport['rootCauses'] = incident?.rootCauses.length
    ? incident.rootCauses.map((c) => ({
        resource: c.resource,
        score: c.score,
        evidence: c.evidence,
        findings: c.findings,
      }))
    : causesFromFindings(findings);
  let recommendedActions: FailureReport['recommendedActions'];
  try {
    recommendedActions = sources.analysis.recommendActions(instance).map((r) => ({
      action: r.action.type,
      ...('percent' in r.action ? { percent: r.action.percent } : {}),
      effect: { probability: r.probability, drop: r.drop, confidence: r.confidence },
    }));
  } catch {
    // No live twin to simulate with: the catalogue's actions for what the report shows, unranked.
    recommendedActions = [...new Set(findings.flatMap((f) => f.actions))].map((action) => ({ action, effect: null }));
  }
  return {
    instance,
    report_id: report?.id ?? null,
    time: new Date(report?.time ?? now).toISOString(),
    basis: model ? 'twin' : 'prior',
    model: model ? { version: model.version, trainedAt: new Date(model.createdAt).toISOString() } : null,
    twinReadyInSeconds: model ? null : readySeconds(sources.twinReadyInMs(instance)),
    predictions,
    rootCauses,
    recommendedActions,
    findings,
  };
}

function readySeconds(ms: number | undefined): number | null {
  return ms === undefined ? null : Math.ceil(ms / 1000);
}

/** Root causes from a report's findings alone: each implicated resource, weighted by severity. */
function causesFromFindings(findings: readonly ReportFinding[]): FailureReport['rootCauses'] {
  const weights = new Map<string, { weight: number; findings: ReportFinding[] }>();
  for (const f of findings)
    for (const r of f.resources) {
      const c = weights.get(r) ?? { weight: 0, findings: [] };
      c.weight += SEVERITY[f.severity] * Math.log1p(f.count);
      c.findings.push(f);
      weights.set(r, c);
    }
  const total = [...weights.values()].reduce((a, c) => a + c.weight, 0) || 1;
  return [...weights.entries()]
    .map(([resource, c]) => ({
      resource: resource as RootCause['resource'],
      score: c.weight / total,
      evidence: c.findings.map((f) => `report: ${f.title} (${f.count} lines, first at line ${f.lines[0]})`),
      findings: c.findings.map((f) => ({ id: f.id, title: f.title, severity: f.severity })),
    }))
    .filter((c) => c.score > 0)
    .sort((a, b) => b.score - a.score);
}
