import type { Incident, InstanceSummary } from '../api/types';

export interface FleetRow {
  id: string;
  host: string;
  status: string;
  risk: number;
  riskLabel: string;
  topCause: string;
  twin: string;
  lastSeen: string;
}

/** One row per instance: what the Fleet table shows (pure, unit-tested). */
export function toFleetRows(instances: InstanceSummary[], causes: Record<string, string> = {}): FleetRow[] {
  return instances.map((i) => {
    const predictions = [...(i.failurePredictions ?? [])].sort((a, b) => b.probability - a.probability);
    const worst = predictions[0];
    const fallback = Object.entries(i.failureProbability).sort((a, b) => b[1] - a[1])[0];
    const risk = worst?.probability ?? fallback?.[1] ?? 0;
    const kind = worst?.kind ?? fallback?.[0];
    return {
      id: i.id,
      host: i.labels.host ?? '',
      status: i.status,
      risk,
      riskLabel: kind ? `${kind} ${(100 * risk).toFixed(0)}%` : '-',
      topCause: causes[i.id] ?? '-',
      twin: 'version' in i.twin ? i.twin.version : `ready in ${i.twin.readyInSeconds}s`,
      lastSeen: i.lastSeen,
    };
  });
}

/**
 * Per instance, the leading root cause of its latest incident (incidents come newest first), marked
 * when that incident recurs daily: a nightly job's cause is not news of trouble.
 */
export function topCauses(
  incidents: Array<Pick<Incident, 'instance' | 'rootCauses' | 'recurring'>>
): Record<string, string> {
  const causes: Record<string, string> = {};
  for (const i of incidents) {
    const cause = i.rootCauses[0]?.resource;
    if (cause && !(i.instance in causes)) {
      causes[i.instance] = i.recurring ? `${cause} (recurring daily)` : cause;
    }
  }
  return causes;
}

/** Rows whose instance, host, status, cause or twin contain the filter text (case-insensitive). */
export function filterRows(rows: FleetRow[], text: string): FleetRow[] {
  const t = text.trim().toLowerCase();
  if (!t) {
    return rows;
  }
  return rows.filter((r) => [r.id, r.host, r.status, r.topCause, r.twin].some((v) => v.toLowerCase().includes(t)));
}
