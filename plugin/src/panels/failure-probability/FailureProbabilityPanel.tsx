import React from 'react';
import type { GrafanaTheme2, PanelProps } from '@grafana/data';
import { css } from '@emotion/css';
import { Badge, useStyles2, useTheme2 } from '@grafana/ui';
import { TimeChart } from '../../components/TimeChart/TimeChart';
import { currentRisks, levelOf, riskSeries, tableRows } from './model';

export interface FailureOptions {
  warning: number;
  critical: number;
}

const pct = (p: number) => `${(100 * p).toFixed(p < 0.1 ? 1 : 0)}%`;

/** What an action does to the risk, in words where the change is too small to show ("-0.0% (to 0.0%)" said nothing). */
export function actionEffect(drop: number, after: number): string {
  if (!Number.isFinite(drop) || Math.abs(drop) < 0.0005) {
    return `no measurable change (stays at ${pct(after)})`;
  }
  return `${drop > 0 ? '-' : '+'}${pct(Math.abs(drop))} (to ${pct(after)})`;
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1), height: '100%', overflow: 'auto' }),
  risks: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(2) }),
  risk: css({ minWidth: 120 }),
  value: css({ fontSize: theme.typography.h2.fontSize, fontWeight: theme.typography.fontWeightMedium }),
  small: css({ fontSize: theme.typography.bodySmall.fontSize, color: theme.colors.text.secondary }),
  lists: css({ display: 'flex', gap: theme.spacing(3), fontSize: theme.typography.bodySmall.fontSize }),
});

/** Failure probability per kind and horizon: now against thresholds with its confidence, over time, and why. */
export function FailureProbabilityPanel({ data, width, height, options }: PanelProps<FailureOptions>) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const risks = currentRisks(data.series);
  const series = riskSeries(data.series);
  const causes = tableRows(data.series, 'root_causes');
  const actions = tableRows(data.series, 'actions');
  const colors = [
    theme.colors.error.main,
    theme.colors.warning.main,
    theme.colors.primary.main,
    theme.colors.success.main,
  ];
  const warning = options.warning ?? 0.3;
  const critical = options.critical ?? 0.6;
  if (!risks.length && !series.length) {
    return (
      <div data-testid="failure-panel-empty">
        No failure predictions: query the Twin datasource with Show = Failure probability.
      </div>
    );
  }
  return (
    <div className={styles.wrap} data-testid="failure-panel">
      <div className={styles.risks}>
        {risks.map((r) => {
          const level = levelOf(r.probability, warning, critical);
          return (
            <div key={`${r.instance}-${r.kind}-${r.horizon}`} className={styles.risk} data-testid="failure-risk">
              <div className={styles.small}>
                {r.instance} {r.kind} within {r.horizon}
              </div>
              <div
                className={styles.value}
                style={{
                  color:
                    level === 'critical'
                      ? theme.colors.error.text
                      : level === 'warning'
                        ? theme.colors.warning.text
                        : theme.colors.success.text,
                }}
              >
                {pct(r.probability)}
              </div>
              <div className={styles.small}>
                {pct(r.interval[0])}-{pct(r.interval[1])}, confidence {pct(r.confidence)}{' '}
                {r.prior && (
                  <Badge text="prior" color="blue" tooltip="No failure of this kind recorded yet: the prior speaks" />
                )}
              </div>
            </div>
          );
        })}
      </div>
      {series.length > 0 && (
        <TimeChart
          testId="failure-chart"
          width={width}
          height={Math.max(80, Math.round(height * 0.4))}
          xs={series[0]!.time}
          fixedY={{ min: 0, max: 1 }}
          unit={pct}
          lines={series.map((s, i) => ({ name: s.name, values: s.values, color: colors[i % colors.length]! }))}
          rules={[
            { value: warning, color: theme.colors.warning.main, label: `warning ${pct(warning)}` },
            { value: critical, color: theme.colors.error.main, label: `critical ${pct(critical)}` },
          ]}
        />
      )}
      {series.length > 0 && (
        <div className={styles.lists} data-testid="failure-legend">
          {series.map((s, i) => (
            <span key={s.name}>
              <span style={{ color: colors[i % colors.length] }}>&#9644;</span> {s.name}
            </span>
          ))}
        </div>
      )}
      <div className={styles.lists}>
        <div data-testid="failure-root-causes">
          <strong>Top root causes</strong>
          {causes.length === 0 && <div>none ranked</div>}
          {causes.slice(0, 3).map((c) => (
            <div key={String(c.resource)}>
              {String(c.resource)} {pct(Number(c.share))}: {String(c.evidence)}
            </div>
          ))}
        </div>
        <div data-testid="failure-actions">
          <strong>Recommended actions</strong>
          {actions.length === 0 && <div>none yet</div>}
          {actions.slice(0, 3).map((a) => (
            <div key={String(a.action)}>
              {String(a.action)}: {actionEffect(Number(a.drop), Number(a['probability after']))}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
