import cliProgress from 'cli-progress';
import { formatDuration } from '../core/duration.ts';
import type { Sidecar } from '../api/index.ts';
import { isRelapse, RECURRENCE, type Incident } from '../analysis/index.ts';
import type { AnomalyEvent } from '../anomaly/index.ts';
import { isLive } from '../store/index.ts';

const time = (ts: number) =>
  Date.now() - ts > 43_200_000
    ? new Date(ts).toISOString().slice(0, 16).replace('T', ' ')
    : new Date(ts).toISOString().slice(11, 19);

/**
 * The line for an anomaly event as it opens: a new anomaly; a relapse of the incident it joined
 * (see `RELAPSE_SHARE`); or the start of an incident that recurs at this time of day (see
 * `RECURRENCE`). Neither of the last two is news of a new incident.
 */
export function anomalyLine(e: AnomalyEvent, incident?: Incident): string {
  const metrics = e.metrics
    .slice(0, 3)
    .map((m) => `${m.metric} ${(100 * m.contribution).toFixed(0)}%`)
    .join(', ');
  const what = `${e.severity} ${e.peakScore.toFixed(1)}x threshold: ${metrics}`;
  if (incident && isRelapse(incident, e.id))
    return `${time(e.start)} RELAPSE  ${e.instance} of the incident since ${time(incident.start)} (event ${incident.events.length}), ${what}`;
  if (incident?.recurring)
    return `${time(e.start)} RECURRING ${e.instance} as at this time on ${incident.recurring.days} of the last ${RECURRENCE.lookbackDays} days, ${what}`;
  return `${time(e.start)} ANOMALY  ${e.instance} ${what}`;
}

/**
 * What `twin start` shows in the terminal: the URL, how many instances report, a progress bar per
 * twin in training, and anomalies and failure predictions as they appear. Without a terminal
 * (logs, CI) the same events are printed as plain lines.
 */
export class FleetView {
  private readonly bars: cliProgress.MultiBar | undefined;
  private readonly training = new Map<string, cliProgress.SingleBar>();
  private readonly status: cliProgress.SingleBar | undefined;
  private statusTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sidecar: Sidecar,
    private readonly out: NodeJS.WriteStream = process.stdout
  ) {
    if (out.isTTY) {
      this.bars = new cliProgress.MultiBar(
        {
          clearOnComplete: false,
          hideCursor: true,
          format: ' {label} {bar} {percentage}% {detail}',
          barsize: 24,
          stream: out,
        },
        cliProgress.Presets.shades_classic
      );
      this.status = this.bars.create(1, 0, { label: 'fleet  ', detail: '' }, { format: ' {label} {detail}' });
    }
    this.attach();
  }

  line(text: string): void {
    if (this.bars) this.bars.log(`${text}\n`);
    else this.out.write(`${text}\n`);
  }

  private attach(): void {
    const s = this.sidecar;
    s.on('trainingProgress', ({ instance, fraction, version }) => {
      if (!this.bars) {
        if (fraction === 0) this.line(`${time(Date.now())} TRAINING ${instance} ${version} started`);
        return;
      }
      let bar = this.training.get(instance);
      if (!bar) {
        bar = this.bars.create(100, 0, { label: `train ${instance.padEnd(14).slice(0, 14)}`, detail: version });
        this.training.set(instance, bar);
      }
      bar.update(Math.round(fraction * 100));
    });
    s.on('trained', ({ instance, model, decision }) => {
      const bar = this.training.get(instance);
      if (bar && this.bars) {
        bar.update(100);
        this.bars.remove(bar);
        this.training.delete(instance);
      }
      this.line(
        `${time(Date.now())} TWIN     ${instance} ${model.version} trained on ${model.window.points} points ` +
          `(${formatDuration(model.window.to - model.window.from)}), ${model.metrics.length} metrics, ` +
          `validation error ${model.validationError.toFixed(2)} in ${formatDuration(model.trainingMs)}` +
          (decision.status === 'champion' ? '' : `; ${decision.status}: ${decision.reason}`)
      );
    });
    s.on('drift', ({ instance, version, why }) =>
      this.line(`${time(Date.now())} DRIFT    ${instance} ${version}: ${why}; retraining`)
    );
    s.on('trainingFailed', ({ instance, error }) =>
      this.line(`${time(Date.now())} TRAINING ${instance} failed: ${error.message}`)
    );
    // The sidecar has already joined the event to its incident (its listener comes first).
    s.on('anomalyOpened', (e) => this.line(anomalyLine(e, s.analysis.incidents.incidentOf(e))));
    s.on('anomalyClosed', (e) =>
      this.line(
        `${time(e.end)} ANOMALY  ${e.instance} ended after ${formatDuration(e.end - e.start)}, peak ${e.peakScore.toFixed(1)}x`
      )
    );
    s.on('failureAlert', (f) => {
      const top = f.causes[0]!;
      const eta = top.etaMs !== undefined ? `, exhausted in ~${formatDuration(top.etaMs)}` : '';
      this.line(
        `${time(f.ts)} PREDICT  ${f.instance} ${f.kind} within ${formatDuration(f.horizonMs)}: ` +
          `p=${f.probability.toFixed(2)} [${f.interval[0].toFixed(2)}-${f.interval[1].toFixed(2)}] confidence ${f.confidence.toFixed(2)}; ` +
          `cause ${top.resource}: ${top.evidence}${eta}`
      );
    });
    s.on('failureClear', (f) =>
      this.line(`${time(f.ts)} PREDICT  ${f.instance} ${f.kind} risk cleared (p=${f.probability.toFixed(2)})`)
    );
    s.on('failureRecorded', (f) =>
      this.line(
        `${time(f.ts)} FAILURE  ${f.instance} ${f.kind}${f.cause ? ` (${f.cause})` : ''} recorded by ${f.source}`
      )
    );
    this.statusTimer = setInterval(() => this.refreshStatus(), 1000);
    this.statusTimer.unref();
  }

  summary(): string {
    const all = this.sidecar.instances.list();
    const live = all.filter((i) => isLive(i.lastSeen));
    const twins = all.filter((i) => this.sidecar.models.champion(i.id)).length;
    const open = [...this.sidecar.scorer.states()].filter((l) => l.detector.openEvent).length;
    const atRisk = [...this.sidecar.analysis.allForecasts()].flat().filter((f) => f.probability >= 0.5).length;
    return `${live.length} instances reporting (${all.length} known), ${twins} twins, ${open} anomalies open, ${atRisk} failure risks`;
  }

  private refreshStatus(): void {
    this.status?.update(1, { detail: this.summary() });
  }

  stop(): void {
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.bars?.stop();
  }
}
