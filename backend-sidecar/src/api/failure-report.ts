import type { KindPrediction, RootCause } from '../analysis/index.ts';
import type { StoredReport } from '../reports/index.ts';
import type { RecommendedAction, Sidecar } from './sidecar.ts';

/** The predicted failure report: what is about to break, why, how sure, what would help. */
export interface FailureReport {
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
  findings: StoredReport['findings'];
}

const SEVERITY = { info: 0, warning: 0.5, critical: 1 } as const;

/**
 * Builds the predicted failure report for an instance (and one of its operating information
 * reports): the learned model's probability per failure kind and horizon with its interval and
 * confidence, root causes with evidence (the latest incident's, or the report's findings when
 * there is none), and actions ranked by the drop the what-if simulation predicts (or the report's
 * catalogue actions, unranked, when the instance has no twin to simulate with).
 */
export function buildFailureReport(
  sidecar: Sidecar,
  instance: string,
  report?: StoredReport,
  now = Date.now()
): FailureReport {
  const model = sidecar.models.champion(instance);
  const record = sidecar.instances.get(instance);
  const findings = report?.findings ?? [];
  const predictions = sidecar.predictor.predict(sidecar.failureEvidence(instance, now, report ? findings : undefined));
  const incident = sidecar.incidents.incidents(instance)[0];
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
    recommendedActions = sidecar.recommendActions(instance).map((r) => ({
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
    twinReadyInSeconds: model || !record ? null : Math.ceil(sidecar.trainer.readyIn(record) / 1000),
    predictions,
    rootCauses,
    recommendedActions,
    findings,
  };
}

/** Root causes from a report's findings alone: each implicated resource, weighted by severity. */
function causesFromFindings(findings: StoredReport['findings']): FailureReport['rootCauses'] {
  const weights = new Map<string, { weight: number; findings: StoredReport['findings'] }>();
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
