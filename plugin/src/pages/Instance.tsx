import React, { useEffect, useState } from 'react';
import { useParams } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { getDefaultTimeRange, LoadingState, type DataFrame, type PanelData, type PanelProps } from '@grafana/data';
import { Alert, LoadingPlaceholder, Stack } from '@grafana/ui';
import { sidecar } from '../api/client';
import { actionsFrame, failureTableFrame, incidentFrame, rootCausesFrame, twinFrames } from '../datasource/frames';
import { AnomalyPanel, type AnomalyOptions } from '../panels/anomaly/AnomalyPanel';
import { FailureProbabilityPanel, type FailureOptions } from '../panels/failure-probability/FailureProbabilityPanel';
import { WhatIfPanel, type WhatIfOptions } from '../panels/what-if/WhatIfPanel';

const HOURS = 6;

function panelProps<T>(series: DataFrame[], options: T, width: number, height: number): PanelProps<T> {
  const data: PanelData = { series, state: LoadingState.Done, timeRange: getDefaultTimeRange() };
  return {
    data,
    options,
    width,
    height,
    id: 1,
    timeRange: data.timeRange,
    timeZone: 'utc',
    title: '',
    transparent: false,
    fieldConfig: { defaults: {}, overrides: [] },
    renderCounter: 0,
    replaceVariables: (s: string) => s,
    onOptionsChange: () => {},
    onFieldConfigChange: () => {},
    onChangeTimeRange: () => {},
    eventBus: undefined as never,
  };
}

/** One instance: the anomaly, failure-probability and what-if panels fed from the sidecar directly. */
function Instance() {
  const { id = '' } = useParams();
  const [twin, setTwin] = useState<DataFrame[] | undefined>();
  const [risk, setRisk] = useState<DataFrame[] | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    const to = Date.now();
    const from = to - HOURS * 3_600_000;
    Promise.all([
      sidecar.instance(id),
      sidecar.incidents(id),
      sidecar.recommendations(id).catch(() => ({ items: [] })),
      sidecar.series({ instance: id, from, to, twin: true }).catch(() => undefined),
    ])
      .then(([instance, incidents, actions, series]) => {
        setTwin([...(series ? twinFrames(series, 'A') : []), incidentFrame(incidents.items, 'B')]);
        setRisk([
          failureTableFrame(id, instance.failurePredictions, 'A', to),
          rootCausesFrame(id, incidents.items[0], 'A'),
          actionsFrame(id, actions.items, 'A'),
        ]);
      })
      .catch((err: Error) => setError(err.message));
  }, [id]);

  return (
    <PluginPage>
      <div data-testid="instance-page">
        <h2>{id}</h2>
        {error && (
          <Alert title={`${id} could not be loaded`} severity="error">
            {error}
          </Alert>
        )}
        {!error && (!twin || !risk) && <LoadingPlaceholder text="Loading the twin" />}
        {twin && risk && (
          <Stack direction="column" gap={2}>
            <AnomalyPanel {...panelProps<AnomalyOptions>(twin, { showBand: true }, 900, 320)} />
            <FailureProbabilityPanel {...panelProps<FailureOptions>(risk, { warning: 0.3, critical: 0.6 }, 900, 300)} />
            <WhatIfPanel {...panelProps<WhatIfOptions>(risk, { instance: id, horizonMinutes: 60 }, 900, 400)} />
          </Stack>
        )}
      </div>
    </PluginPage>
  );
}

export default Instance;
