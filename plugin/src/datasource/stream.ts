import { CircularDataFrame, FieldType, type DataFrame } from '@grafana/data';
import { Observable } from 'rxjs';
import { FIELDS, horizonLabel } from './frames';
import type { TwinQuery } from './types';

/** What the datasource needs of an EventSource (the browser's, or a test's). */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: MessageEvent) => void): void;
  close(): void;
  onerror: ((event: Event) => void) | null;
}
export type EventSourceFactory = (url: string) => EventSourceLike;

interface ScoreEvent {
  ts: number;
  score: number;
}
interface ProbabilityEvent {
  ts: number;
  kind: string;
  horizonMs: number;
  probability: number;
  interval?: [number, number];
  confidence?: number;
}

/** The URL of the sidecar's SSE stream for one query: its instance and the kind of event it shows. */
export function streamUrl(base: string, query: TwinQuery, instance: string): string {
  const kind = query.view === 'failure_probability' ? 'failure_probability' : 'anomaly_score';
  const params = new URLSearchParams({ kind });
  if (instance) {
    params.set('instance', instance);
  }
  return `${base}?${params.toString()}`;
}

/**
 * A live frame fed by the sidecar's server-sent events: anomaly scores, or failure probabilities of
 * one kind (and horizon) per field; the frame keeps the last `capacity` rows.
 */
export function streamFrames(
  open: EventSourceFactory,
  base: string,
  query: TwinQuery,
  instance: string,
  capacity: number
): Observable<DataFrame> {
  return new Observable<DataFrame>((subscriber) => {
    const frame = new CircularDataFrame({ append: 'tail', capacity });
    frame.refId = query.refId;
    frame.name = `${instance || 'fleet'} ${query.view} (live)`;
    frame.addField({ name: FIELDS.time, type: FieldType.time });
    const fields = new Map<string, number>();
    const fieldFor = (name: string, unit?: string) => {
      if (!fields.has(name)) {
        frame.addField({ name, type: FieldType.number, config: unit ? { unit, min: 0, max: 1 } : {} });
        fields.set(name, frame.fields.length - 1);
      }
      return name;
    };
    const source = open(streamUrl(base, query, instance));
    // Each row carries every field's latest value, so each line is continuous however events interleave.
    const latest: Record<string, number | null> = {};
    const push = (ts: number, values: Record<string, number>) => {
      Object.assign(latest, values);
      const row: Record<string, number | null> = { [FIELDS.time]: ts };
      for (const f of frame.fields) {
        if (f.name !== FIELDS.time) {
          row[f.name] = latest[f.name] ?? null;
        }
      }
      frame.add(row);
      subscriber.next(frame);
    };
    source.addEventListener('anomaly_score', (e) => {
      const d = JSON.parse(e.data) as { instance: string } & ScoreEvent;
      push(d.ts, { [fieldFor(instance ? FIELDS.score : `${d.instance} score`)]: d.score });
    });
    source.addEventListener('failure_probability', (e) => {
      const d = JSON.parse(e.data) as { instance: string } & ProbabilityEvent;
      if (query.kind && d.kind !== query.kind) {
        return;
      }
      const horizon = horizonLabel(d.horizonMs);
      if (query.horizon && horizon !== query.horizon) {
        return;
      }
      const name = `${instance ? '' : `${d.instance} `}${d.kind} ${horizon}`;
      push(d.ts, { [fieldFor(name, 'percentunit')]: d.probability });
    });
    source.onerror = () => {
      // EventSource reconnects by itself (sending Last-Event-ID); the panel keeps what it has.
    };
    return () => source.close();
  });
}
