import { randomUUID } from 'node:crypto';
import type { AnomalyEvent } from '../anomaly/index.ts';
import type { Resource } from '../core/types.ts';
import type { FindingEvidence } from './exhaustion-forecaster.ts';
import { resourceOf } from './resource-of.ts';
import { INCIDENTS } from './parameters.ts';

export type CauseResource = Resource | 'other';

export interface IncidentMetric {
  metric: string;
  resource: CauseResource;
  /** Share of the incident's excess score. */
  contribution: number;
  /** When it first went past its threshold, and its place in that order (0 moved first). */
  firstAt: number;
  order: number;
}

export interface RootCause {
  resource: CauseResource;
  /** Share of the incident's weight (contributions, first movers weighing more, report findings). */
  score: number;
  metrics: string[];
  findings: { id: string; title: string; severity: string }[];
  evidence: string[];
}

export interface SharedCause {
  scope: 'host' | 'zone';
  value: string;
  instances: string[];
}

export interface Incident {
  id: string;
  instance: string;
  start: number;
  end: number;
  open: boolean;
  events: string[];
  peakScore: number;
  severity: 'warning' | 'critical';
  metrics: IncidentMetric[];
  rootCauses: RootCause[];
  shared?: SharedCause;
  /**
   * Set when the incident began at the time of day at which the instance's incidents (on one of the
   * same metrics) began on several of the days before (`days`, of the last week): a daily job, kept
   * and ranked like any incident but not news (see `RECURRENCE`).
   */
  recurring?: { days: number };
}

export interface CorrelatorOptions {
  /**
   * Anomaly events closer than this belong to one incident (closer than a quarter of the incident's
   * duration so far, for an incident that has lasted longer: see `RELAPSE_SHARE`).
   */
  gapMs?: number;
  /** Incidents of several instances starting within this of one another may share a cause. */
  fleetWindowMs?: number;
  /** Instances of one host or zone hit at once before it counts as their shared cause. */
  minSharedInstances?: number;
  /** Incidents kept per instance. */
  keep?: number;
}

/**
 * An event that starts after a lull shorter than this share of an incident's duration so far is a
 * relapse of it, not a new incident: an instance that keeps slipping back into the same trouble (a
 * long outage with lulls, a new level it hovers at the edge of) is one incident to its operators.
 */
export const RELAPSE_SHARE = INCIDENTS.relapseShare.value;
/** Whether the event joined `incident` after it began (a relapse) rather than starting it. */
export function isRelapse(incident: Incident, eventId: string): boolean {
  return incident.events[0] !== eventId;
}

/**
 * An incident is a daily recurrence when incidents of the same instance, on one of its metrics, began
 * within `toleranceMs` of its time of day on at least `minDays` of the `lookbackDays` days before:
 * a nightly backup or batch job, whose start drifts by some minutes from night to night.
 */
export const RECURRENCE = {
  toleranceMs: INCIDENTS.recurrenceToleranceMs.value,
  minDays: INCIDENTS.recurrenceMinDays.value,
  lookbackDays: INCIDENTS.recurrenceLookbackDays.value,
} as const;
const DAY_MS = 86_400_000;

/** Whether the event is news to operators: it starts an incident, and not one that recurs daily. */
export function isNews(incident: Incident, eventId: string): boolean {
  return !isRelapse(incident, eventId) && !incident.recurring;
}

/** How much the metrics that moved first weigh against those that followed. */
const FIRST_MOVER_WEIGHT = INCIDENTS.firstMoverWeight.value;
/** Weight a report finding adds to the resources it implicates (the metrics' weights sum to 1). */
const FINDING_WEIGHT = INCIDENTS.findingWeight.value;

type Labels = Record<string, string | undefined>;

/**
 * Groups an instance's anomaly events into incidents (events that overlap or follow within a gap),
 * and ranks their root causes: the metrics by their share of the excess score and by which moved
 * first, mapped to the resources they measure, joined with the findings of the instance's latest
 * operating information report. Across the fleet, incidents that hit several instances of one host
 * or zone at once are given that host or zone as a shared cause.
 */
export class IncidentCorrelator {
  private readonly byInstance = new Map<string, Incident[]>();
  private readonly gapMs: number;
  private readonly fleetWindowMs: number;
  private readonly minShared: number;
  private readonly keep: number;
  /** Per incident: each metric's accumulated excess and first time. */
  private readonly parts = new Map<string, Map<string, Map<string, { excess: number; firstAt: number }>>>();
  /** Per instance: resources whose trend heads for their limit (probability within the horizon). */
  private readonly trends = new Map<string, { resource: Resource; probability: number; evidence: string }[]>();
  private lastTrendAt = -Infinity;
  /** Per incident: the report findings it was last joined with. */
  private readonly findings = new Map<string, readonly FindingEvidence[]>();

  constructor(options: CorrelatorOptions = {}) {
    this.gapMs = options.gapMs ?? INCIDENTS.gapMs.value;
    this.fleetWindowMs = options.fleetWindowMs ?? INCIDENTS.fleetWindowMs.value;
    this.minShared = options.minSharedInstances ?? INCIDENTS.minSharedInstances.value;
    this.keep = options.keep ?? INCIDENTS.keep.value;
  }

  /**
   * Adds an anomaly event (as opened, and again as closed: the same id updates its part), with the
   * instance's current report findings; returns the incident it belongs to.
   */
  add(event: AnomalyEvent, findings: readonly FindingEvidence[] = []): Incident {
    const list = this.byInstance.get(event.instance) ?? [];
    this.byInstance.set(event.instance, list);
    let incident = this.incidentOf(event);
    incident ??= list.find((i) => event.start <= i.end + this.joinGap(i) && event.end >= i.start - this.gapMs);
    if (!incident) {
      incident = {
        id: randomUUID(),
        instance: event.instance,
        start: event.start,
        end: event.end,
        open: true,
        events: [],
        peakScore: 0,
        severity: 'warning',
        metrics: [],
        rootCauses: [],
      };
      const days = recurrenceDays(list, event);
      if (days >= RECURRENCE.minDays) incident.recurring = { days };
      list.push(incident);
      for (const dropped of list.splice(0, Math.max(0, list.length - this.keep))) {
        this.parts.delete(dropped.id);
        this.findings.delete(dropped.id);
      }
    }
    if (!incident.events.includes(event.id)) incident.events.push(event.id);
    incident.start = Math.min(incident.start, event.start);
    incident.end = Math.max(incident.end, event.end);
    incident.open = event.open;
    incident.peakScore = Math.max(incident.peakScore, event.peakScore);
    incident.severity = incident.peakScore >= 3 ? 'critical' : 'warning';
    let byEvent = this.parts.get(incident.id);
    if (!byEvent) this.parts.set(incident.id, (byEvent = new Map()));
    byEvent.set(event.id, new Map(event.metrics.map((m) => [m.metric, { excess: m.excess, firstAt: m.firstAt }])));
    this.findings.set(incident.id, findings);
    this.rank(incident);
    return incident;
  }

  /** The incident an event (by its instance and id) was added to, if it is still kept. */
  incidentOf(event: Pick<AnomalyEvent, 'instance' | 'id'>): Incident | undefined {
    return this.byInstance.get(event.instance)?.find((i) => i.events.includes(event.id));
  }

  /** How long after an incident's end an event still joins it: the gap, or more for a long incident. */
  private joinGap(incident: Incident): number {
    return Math.max(this.gapMs, RELAPSE_SHARE * (incident.end - incident.start));
  }

  private rank(incident: Incident): void {
    const byEvent = this.parts.get(incident.id) ?? new Map<string, Map<string, { excess: number; firstAt: number }>>();
    const findings = this.findings.get(incident.id) ?? [];
    const merged = new Map<string, { excess: number; firstAt: number }>();
    for (const metrics of byEvent.values())
      for (const [metric, m] of metrics) {
        const seen = merged.get(metric);
        merged.set(
          metric,
          seen ? { excess: seen.excess + m.excess, firstAt: Math.min(seen.firstAt, m.firstAt) } : { ...m }
        );
      }
    const total = [...merged.values()].reduce((a, m) => a + m.excess, 0) || 1;
    const byTime = [...merged.entries()].sort((a, b) => a[1].firstAt - b[1].firstAt);
    const firstAt = byTime[0]?.[1].firstAt ?? incident.start;
    incident.metrics = byTime
      .map(([metric, m], order) => ({
        metric,
        resource: resourceOf(metric) ?? ('other' as const),
        contribution: m.excess / total,
        firstAt: m.firstAt,
        order,
      }))
      .sort((a, b) => b.contribution - a.contribution);
    const causes = new Map<CauseResource, { weight: number; metrics: IncidentMetric[]; findings: FindingEvidence[] }>();
    const cause = (r: CauseResource) => {
      let c = causes.get(r);
      if (!c) causes.set(r, (c = { weight: 0, metrics: [], findings: [] }));
      return c;
    };
    for (const m of incident.metrics) {
      const c = cause(m.resource);
      c.weight += m.contribution * (m.firstAt === firstAt ? FIRST_MOVER_WEIGHT : 1);
      c.metrics.push(m);
    }
    for (const f of findings)
      for (const r of f.resources) {
        const resource = (['memory', 'cpu', 'disk', 'network', 'host'] as const).find((x) => x === r);
        if (!resource || FINDING_WEIGHT[f.severity] === 0) continue;
        const c = cause(resource);
        c.weight += FINDING_WEIGHT[f.severity];
        c.findings.push(f);
      }
    const trends = this.trendsApply(incident) ? (this.trends.get(incident.instance) ?? []) : [];
    const trendEvidence = new Map<CauseResource, string[]>();
    for (const t of trends) {
      cause(t.resource).weight += t.probability;
      trendEvidence.set(t.resource, [...(trendEvidence.get(t.resource) ?? []), `trend: ${t.evidence}`]);
    }
    if (incident.shared) {
      const c = cause('host');
      c.weight += 1;
    }
    const sum = [...causes.values()].reduce((a, c) => a + c.weight, 0) || 1;
    incident.rootCauses = [...causes.entries()]
      .map(([resource, c]) => ({
        resource,
        score: c.weight / sum,
        metrics: c.metrics.map((m) => m.metric),
        findings: c.findings.map((f) => ({ id: f.id, title: f.title, severity: f.severity })),
        evidence: [
          ...c.metrics
            .slice(0, 3)
            .map(
              (m) =>
                `${m.metric}: ${(100 * m.contribution).toFixed(0)}% of the excess, ${m.order === 0 ? 'moved first' : `moved ${Math.round((m.firstAt - firstAt) / 1000)} s after the first`}`
            ),
          ...c.findings.map((f) => `report: ${f.title}`),
          ...(trendEvidence.get(resource) ?? []),
          ...(resource === 'host' && incident.shared
            ? [
                `${incident.shared.instances.length} instances on ${incident.shared.scope} ${incident.shared.value} at once`,
              ]
            : []),
        ],
      }))
      .sort((a, b) => b.score - a.score);
  }

  /**
   * The instance's resources heading for their limit (from the trend forecast): evidence for its
   * open incident's causes, weighing as much as their probability.
   */
  noteTrends(
    instance: string,
    trends: readonly { resource: Resource; probability: number; evidence: string }[],
    _now = Date.now()
  ): void {
    this.trends.set(
      instance,
      trends.filter((t) => t.probability >= 0.05)
    );
    const incident = this.byInstance.get(instance)?.at(-1);
    if (incident && this.trendsApply(incident)) this.rank(incident);
  }

  /** Trends count for an instance's latest incident while it is open or just closed (within the gap). */
  private trendsApply(incident: Incident): boolean {
    const latest = this.byInstance.get(incident.instance)?.at(-1);
    return latest === incident && (incident.open || this.lastTrendAt - incident.end <= this.gapMs);
  }

  /** Incidents, newest first, of one instance or of all. */
  incidents(instance?: string): Incident[] {
    const lists = instance === undefined ? [...this.byInstance.values()] : [this.byInstance.get(instance) ?? []];
    return lists.flat().sort((a, b) => b.start - a.start);
  }

  /**
   * Marks incidents that started within the fleet window of one another on several instances of one
   * host (else zone) as having that host or zone as their shared cause; returns the shared causes found.
   */
  correlateFleet(labelsOf: (instance: string) => Labels | undefined, now = Date.now()): SharedCause[] {
    const recent = this.incidents().filter((i) => i.start >= now - 24 * 3_600_000);
    const found: SharedCause[] = [];
    for (const scope of ['host', 'zone'] as const) {
      const groups = new Map<string, Incident[]>();
      for (const i of recent) {
        const value = labelsOf(i.instance)?.[scope];
        if (value) (groups.get(value) ?? groups.set(value, []).get(value)!).push(i);
      }
      for (const [value, incidents] of groups) {
        incidents.sort((a, b) => a.start - b.start);
        for (let a = 0; a < incidents.length; a++) {
          const together = incidents.filter(
            (i) => i.start >= incidents[a]!.start && i.start - incidents[a]!.start <= this.fleetWindowMs
          );
          const instances = [...new Set(together.map((i) => i.instance))];
          if (instances.length < this.minShared) continue;
          const shared: SharedCause = { scope, value, instances: instances.sort() };
          for (const i of together) {
            if (i.shared) continue;
            i.shared = shared;
            this.rank(i);
          }
          if (!found.some((f) => f.scope === scope && f.value === value)) found.push(shared);
        }
      }
      if (found.length) break; // a host explains more narrowly than a zone
    }
    return found;
  }
}

/** On how many of the days before `event` the instance's incidents on one of its metrics began at its time of day. */
function recurrenceDays(earlier: readonly Incident[], event: AnomalyEvent): number {
  const metrics = new Set(event.metrics.map((m) => m.metric));
  const days = new Set<number>();
  for (const i of earlier) {
    const ago = event.start - i.start;
    const day = Math.round(ago / DAY_MS);
    if (day < 1 || day > RECURRENCE.lookbackDays || Math.abs(ago - day * DAY_MS) > RECURRENCE.toleranceMs) continue;
    if (i.metrics.some((m) => metrics.has(m.metric))) days.add(day);
  }
  return days.size;
}
