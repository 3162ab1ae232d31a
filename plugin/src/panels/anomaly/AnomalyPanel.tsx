import React, { useMemo, useState } from 'react';
import type { GrafanaTheme2, PanelProps } from '@grafana/data';
import { css } from '@emotion/css';
import { Combobox, InlineField, useStyles2, useTheme2 } from '@grafana/ui';
import { TimeChart } from '../../components/TimeChart/TimeChart';
import { anomaliesOf, incidentOf, incidentRows, mostAnomalous, twinSeries, type AnomalyPoint } from './model';

export interface AnomalyOptions {
  /** Which metric to draw when the data holds several (empty: the first). */
  metric?: string;
  showBand: boolean;
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ display: 'flex', flexDirection: 'column', height: '100%', overflow: 'hidden' }),
  causes: css({ fontSize: theme.typography.bodySmall.fontSize, overflow: 'auto', paddingTop: theme.spacing(0.5) }),
  pre: css({ whiteSpace: 'pre-wrap', margin: 0, fontFamily: theme.typography.fontFamily }),
});

/** Actual against predicted with the adaptive band; anomalies marked; the selected anomaly's root causes listed. */
export function AnomalyPanel({ data, width, height, options }: PanelProps<AnomalyOptions>) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const all = useMemo(() => twinSeries(data.series), [data.series]);
  const incidents = useMemo(() => incidentRows(data.series), [data.series]);
  const [picked, setPicked] = useState<string | undefined>();
  const series =
    all.find((s) => s.metric === (picked ?? options.metric)) ??
    (options.metric ? undefined : mostAnomalous(all)) ??
    all[0];
  const anomalies = useMemo(() => (series ? anomaliesOf(series) : []), [series]);
  const [selected, setSelected] = useState<AnomalyPoint | undefined>();
  if (!series) {
    return <div data-testid="anomaly-panel-empty">No twin data: query the Twin datasource with Show = Twin.</div>;
  }
  const incident = selected ? incidentOf(selected, incidents) : undefined;
  const causesHeight = Math.min(120, Math.round(height * 0.35));
  const pickerHeight = all.length > 1 ? 36 : 0;
  return (
    <div className={styles.wrap} data-testid="anomaly-panel">
      {all.length > 1 && (
        <InlineField label="Metric" htmlFor="anomaly-panel-metric">
          <Combobox
            width={40}
            id="anomaly-panel-metric"
            options={all.map((s) => ({ label: `${s.metric} (${anomaliesOf(s).length})`, value: s.metric }))}
            value={series.metric}
            onChange={(v) => {
              setPicked(v.value);
              setSelected(undefined);
            }}
          />
        </InlineField>
      )}
      <TimeChart
        testId="anomaly-chart"
        width={width}
        height={height - causesHeight - pickerHeight}
        xs={series.time}
        band={
          options.showBand === false
            ? undefined
            : { lower: series.lower, upper: series.upper, color: theme.colors.primary.main }
        }
        lines={[
          { name: 'actual', values: series.actual, color: theme.colors.text.primary },
          { name: 'predicted', values: series.predicted, color: theme.colors.primary.main, dashed: true },
        ]}
        markers={anomalies.map((a) => ({
          x: a.time,
          y: a.actual,
          id: String(a.time),
          selected: selected?.time === a.time,
        }))}
        onMarkerClick={(id) => setSelected(anomalies.find((a) => String(a.time) === id))}
      />
      <div className={styles.causes} style={{ height: causesHeight }} data-testid="anomaly-root-causes">
        {!selected && (
          <span>
            {series.metric}: {anomalies.length} point(s) outside the band. Click a marked point for its root causes.
          </span>
        )}
        {selected && (
          <>
            <strong>
              {series.metric} at {new Date(selected.time).toISOString()}: {selected.actual.toFixed(2)} (score{' '}
              {selected.score.toFixed(2)})
            </strong>
            {incident ? (
              <>
                <div>{incident.title}</div>
                <pre className={styles.pre}>{incident.text || 'no root cause ranked yet'}</pre>
              </>
            ) : (
              <div>No incident covers this point (add a query with Show = Incidents for root causes).</div>
            )}
          </>
        )}
      </div>
    </div>
  );
}
