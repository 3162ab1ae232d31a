import React, { useState } from 'react';
import type { DataFrame, GrafanaTheme2, PanelProps } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { css } from '@emotion/css';
import { Alert, Button, Checkbox, Combobox, InlineField, Input, useStyles2, useTheme2 } from '@grafana/ui';
import { TimeChart } from '../../components/TimeChart/TimeChart';
import type { TwinQuery } from '../../datasource/types';
import { ACTION_TYPES, simulatorFor } from '../../datasource/whatif';
import { actionsOf, choicesOf, compare, horizonOf, metricsByChange, trajectoriesOf, type ActionChoice } from './model';

export interface WhatIfOptions {
  /** The instance to simulate: an id or a template variable such as $instance. */
  instance: string;
  horizonMinutes: number;
}

const pct = (p: number) => `${(100 * p).toFixed(1)}%`;

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1), height: '100%', overflow: 'auto' }),
  form: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(2), alignItems: 'center' }),
  action: css({ display: 'flex', gap: theme.spacing(0.5), alignItems: 'center' }),
  table: css({
    borderCollapse: 'collapse',
    td: { padding: theme.spacing(0.25, 1) },
    th: { padding: theme.spacing(0.25, 1) },
  }),
});

/**
 * Renders the what-if frames of its query (view `whatif`: risk with and without the actions, and the
 * simulated trajectories). The form re-runs the simulation through the same datasource with other
 * actions; the datasource fetches, the panel only draws frames.
 */
export function WhatIfPanel({ data, width, height, options, replaceVariables }: PanelProps<WhatIfOptions>) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const target = data.request?.targets?.[0] as TwinQuery | undefined;
  const [choices, setChoices] = useState<ActionChoice[]>(() => choicesOf(target?.actions));
  // The form's own run, kept only while the query result it replaced is still the current one.
  const [rerun, setRerun] = useState<{ frames: DataFrame[]; replaced: DataFrame[] } | undefined>();
  const [metric, setMetric] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [running, setRunning] = useState(false);
  const frames = rerun && rerun.replaced === data.series ? rerun.frames : data.series;
  const fromData = data.series.map((f) => f.meta?.custom?.instance as string | undefined).find(Boolean);
  const instance =
    (options.instance ? (replaceVariables ?? getTemplateSrv().replace)(options.instance) : fromData) ?? '';
  const actions = actionsOf(choices);
  const set = (i: number, patch: Partial<ActionChoice>) =>
    setChoices(choices.map((c, k) => (k === i ? { ...c, ...patch } : c)));

  const run = async () => {
    setRunning(true);
    setError(undefined);
    try {
      const simulate = simulatorFor(target?.datasource?.uid);
      const result = await simulate(instance, actions, options.horizonMinutes || target?.horizonMinutes || 60);
      setRerun({ frames: result, replaced: data.series });
      setMetric(metricsByChange(trajectoriesOf(result))[0]);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setRunning(false);
    }
  };

  const risk = compare(frames);
  const trajectories = trajectoriesOf(frames);
  const ranked = metricsByChange(trajectories);
  const shown = trajectories.find((t) => t.metric === (metric && ranked.includes(metric) ? metric : ranked[0]));
  const horizonMs = horizonOf(frames);
  return (
    <div className={styles.wrap} data-testid="whatif-panel">
      <div className={styles.form}>
        <span>
          Instance:{' '}
          <strong data-testid="whatif-instance">{instance || 'none (set the panel option or query one)'}</strong>
        </span>
        {ACTION_TYPES.map((a, i) => (
          <span className={styles.action} key={a.type}>
            <Checkbox
              label={a.label}
              value={choices[i]!.enabled}
              onChange={(e) => set(i, { enabled: e.currentTarget.checked })}
              data-testid={`whatif-action-${a.type}`}
            />
            {a.sized && (
              <Input
                type="number"
                width={8}
                min={1}
                max={400}
                value={choices[i]!.percent}
                suffix="%"
                aria-label={`${a.label} percent`}
                onChange={(e) => set(i, { percent: Number(e.currentTarget.value) })}
              />
            )}
          </span>
        ))}
        <Button
          onClick={run}
          disabled={!instance || actions.length === 0 || running}
          data-testid="whatif-run"
          icon={running ? 'spinner' : 'play'}
        >
          Simulate
        </Button>
      </div>
      {error && (
        <Alert title="The simulation could not run" severity="error">
          {error}
        </Alert>
      )}
      {risk.length > 0 && (
        <>
          <table className={styles.table} data-testid="whatif-result">
            <thead>
              <tr>
                <th>failure within {Math.round((horizonMs ?? 0) / 60_000)} min</th>
                <th>without</th>
                <th>with</th>
                <th>drop</th>
              </tr>
            </thead>
            <tbody>
              {risk.map((c) => (
                <tr key={c.kind}>
                  <td>{c.kind}</td>
                  <td>{pct(c.without)}</td>
                  <td>{pct(c.with)}</td>
                  <td>{pct(c.drop)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <InlineField label="Trajectory of" htmlFor="whatif-trajectory-metric">
            <Combobox
              width={32}
              id="whatif-trajectory-metric"
              options={ranked.map((m) => ({ label: m, value: m }))}
              value={shown?.metric}
              onChange={(v) => setMetric(v.value)}
            />
          </InlineField>
          {shown && (
            <TimeChart
              testId="whatif-chart"
              width={width}
              height={Math.max(100, height - 200)}
              xs={shown.times}
              lines={[
                {
                  name: 'without',
                  values: shown.without,
                  color: theme.colors.error.main,
                },
                {
                  name: 'with',
                  values: shown.with,
                  color: theme.colors.success.main,
                  dashed: true,
                },
              ]}
            />
          )}
        </>
      )}
    </div>
  );
}
