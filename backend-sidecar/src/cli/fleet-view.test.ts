import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IncidentCorrelator } from '../analysis/index.ts';
import type { AnomalyEvent } from '../anomaly/index.ts';
import { anomalyLine } from './fleet-view.ts';

const HOUR = 3_600_000;
const T = Date.now() - 6 * HOUR;

function event(id: string, start: number, end: number): AnomalyEvent {
  return {
    id,
    instance: 'i-1',
    start,
    end,
    open: false,
    peakScore: 2.5,
    severity: 'warning',
    metrics: [{ metric: 'cpu_user_pct', contribution: 1, excess: 3, firstAt: start }],
  };
}

test('the terminal shows a new anomaly as such, and an event that joins its incident as a relapse of it', () => {
  const incidents = new IncidentCorrelator();
  const outage = event('e-1', T, T + 4 * HOUR);
  assert.match(
    anomalyLine(outage, incidents.add(outage)),
    /^\S+ ANOMALY {2}i-1 warning 2\.5x threshold: cpu_user_pct 100%$/
  );
  const relapse = event('e-2', T + 4.5 * HOUR, T + 4.6 * HOUR);
  const line = anomalyLine(relapse, incidents.add(relapse));
  assert.match(
    line,
    /^\S+ RELAPSE {2}i-1 of the incident since \S+ \(event 2\), warning 2\.5x threshold: cpu_user_pct 100%$/
  );
  assert.ok(line.includes(new Date(T).toISOString().slice(11, 19)), line);
  // Without an incident (none recorded for it), an event is shown as a new anomaly.
  assert.match(anomalyLine(relapse), / ANOMALY {2}i-1 /);
});

test('the terminal shows an incident that starts at the time of day of those of the days before as recurring', () => {
  const incidents = new IncidentCorrelator();
  const DAY = 24 * HOUR;
  const nightly = (day: number, minutes: number) =>
    event(`night-${day}`, T - (3 - day) * DAY + minutes * 60_000, T - (3 - day) * DAY + (minutes + 40) * 60_000);
  assert.match(anomalyLine(nightly(0, 0), incidents.add(nightly(0, 0))), / ANOMALY {2}i-1 /);
  assert.match(anomalyLine(nightly(1, 35), incidents.add(nightly(1, 35))), / ANOMALY {2}i-1 /);
  assert.match(
    anomalyLine(nightly(2, -20), incidents.add(nightly(2, -20))),
    / RECURRING i-1 as at this time on 2 of the last 7 days, warning 2\.5x threshold: cpu_user_pct 100%$/
  );
});
