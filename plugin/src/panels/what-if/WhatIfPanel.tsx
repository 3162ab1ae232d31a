import React, { useState } from 'react';
import type { GrafanaTheme2, PanelProps } from '@grafana/data';
import { getDataSourceSrv, getTemplateSrv } from '@grafana/runtime';
import { css } from '@emotion/css';
import { Alert, Button, Checkbox, Combobox, InlineField, Input, useStyles2, useTheme2 } from '@grafana/ui';
import { SidecarClient, sidecar } from '../../api/client';
import type { WhatIfResponse } from '../../api/types';
import { TimeChart } from '../../components/TimeChart/TimeChart';
import { ACTION_TYPES, actionsOf, compare, defaultChoices, metricsByChange, timesOf, type ActionChoice } from './model';

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

/** The client of the panel's Twin datasource (the app's own route when the panel has none). */
async function clientFor(datasourceUid: string | undefined): Promise<SidecarClient> {
  if (!datasourceUid) {
    return sidecar;
  }
  const ds = (await getDataSourceSrv().get({ uid: datasourceUid })) as unknown as { client?: SidecarClient };
  return ds.client ?? sidecar;
}

/** Pick actions and their sizes, run the twin forward with and without them, compare risk and trajectories. */
export function WhatIfPanel({ data, width, height, options, replaceVariables }: PanelProps<WhatIfOptions>) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const [choices, setChoices] = useState<ActionChoice[]>(defaultChoices);
  const [result, setResult] = useState<WhatIfResponse | undefined>();
  const [metric, setMetric] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [running, setRunning] = useState(false);
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
      const client = await clientFor(data.request?.targets?.[0]?.datasource?.uid);
      const r = await client.whatIf(instance, actions, (options.horizonMinutes || 60) * 60_000);
      setResult(r);
      setMetric(metricsByChange(r)[0]);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setRunning(false);
    }
  };

  const times = result ? timesOf(result) : [];
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
      {result && (
        <>
          <table className={styles.table} data-testid="whatif-result">
            <thead>
              <tr>
                <th>failure within {Math.round(result.horizonMs / 60_000)} min</th>
                <th>without</th>
                <th>with</th>
                <th>drop</th>
              </tr>
            </thead>
            <tbody>
              {compare(result).map((c) => (
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
              options={metricsByChange(result).map((m) => ({ label: m, value: m }))}
              value={metric}
              onChange={(v) => setMetric(v.value)}
            />
          </InlineField>
          {metric && (
            <TimeChart
              testId="whatif-chart"
              width={width}
              height={Math.max(100, height - 200)}
              xs={times}
              lines={[
                {
                  name: 'without',
                  values: result.without.trajectories[metric]?.values ?? [],
                  color: theme.colors.error.main,
                },
                {
                  name: 'with',
                  values: result.with.trajectories[metric]?.values ?? [],
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
