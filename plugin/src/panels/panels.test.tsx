import React from 'react';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { getDefaultTimeRange, LoadingState, type DataFrame, type PanelProps } from '@grafana/data';
import { of } from 'rxjs';
import { actionsFrame, failureTableFrame, incidentFrame, rootCausesFrame, twinFrames } from '../datasource/frames';
import { whatIfFrames } from '../datasource/whatif';
import { AnomalyPanel, type AnomalyOptions } from './anomaly/AnomalyPanel';
import {
  actionEffect,
  FailureProbabilityPanel,
  type FailureOptions,
} from './failure-probability/FailureProbabilityPanel';
import { WhatIfPanel, type WhatIfOptions } from './what-if/WhatIfPanel';

// No Grafana server can run here: its data proxy (getBackendSrv) is mocked for the what-if re-run.
const fetchMock = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: fetchMock }),
  getTemplateSrv: () => ({ replace: (s: string) => s }),
}));

const MIN = 60_000;
function props<T>(series: DataFrame[], options: T): PanelProps<T> {
  return {
    data: { series, state: LoadingState.Done, timeRange: getDefaultTimeRange() },
    options,
    width: 800,
    height: 400,
    replaceVariables: (s: string) => s,
  } as unknown as PanelProps<T>;
}

const incident = {
  id: 'inc-1',
  instance: 'web-1',
  start: 2 * MIN,
  end: 3 * MIN,
  open: true,
  peakScore: 9,
  severity: 'critical' as const,
  metrics: [{ metric: 'mem', contribution: 1 }],
  rootCauses: [
    { resource: 'memory', score: 0.8, metrics: ['mem'], findings: [], evidence: ['mem 40 against 14 predicted'] },
  ],
};

test('anomaly panel: actual against predicted with the band, anomalies marked, root causes of the clicked one', () => {
  const twin = twinFrames(
    {
      instance: 'web-1',
      ts: [0, MIN, 2 * MIN],
      series: { mem: [10, 12, 40] },
      twin: {
        version: 'v1',
        stepMs: MIN,
        ts: [0, MIN, 2 * MIN],
        predicted: { mem: [10, 12, 14] },
        lower: { mem: [9, 11, 13] },
        upper: { mem: [11, 13, 15] },
        score: { mem: [0.1, 0.2, 9] },
      },
    },
    'A'
  );
  render(<AnomalyPanel {...props<AnomalyOptions>([...twin, incidentFrame([incident], 'B')], { showBand: true })} />);
  expect(screen.getByTestId('chart-band')).toBeInTheDocument();
  expect(screen.getByTestId('chart-line-predicted')).toBeInTheDocument();
  const markers = screen.getAllByTestId('chart-marker');
  expect(markers).toHaveLength(1);
  expect(screen.getByTestId('anomaly-root-causes')).toHaveTextContent('1 point(s) outside the band');
  fireEvent.click(markers[0]!);
  expect(screen.getByTestId('anomaly-root-causes')).toHaveTextContent('memory 80%: mem 40 against 14 predicted');
});

test('failure panel: current risk per kind and horizon with confidence, root causes and actions', () => {
  const frames = [
    failureTableFrame(
      'web-1',
      [{ kind: 'crash', horizonMs: 3_600_000, probability: 0.72, interval: [0.6, 0.8], confidence: 0.8, prior: false }],
      'A',
      0
    ),
    rootCausesFrame('web-1', incident, 'A'),
    actionsFrame(
      'web-1',
      [{ action: { type: 'add-memory', percent: 50 }, probability: 0.1, drop: 0.62, confidence: 0.8 }],
      'A'
    ),
  ];
  render(<FailureProbabilityPanel {...props<FailureOptions>(frames, { warning: 0.3, critical: 0.6 })} />);
  expect(screen.getByTestId('failure-risk')).toHaveTextContent('web-1 crash within 1h72%60%-80%, confidence 80%');
  expect(screen.getByTestId('failure-root-causes')).toHaveTextContent('memory 80%');
  expect(screen.getByTestId('failure-actions')).toHaveTextContent('add-memory +50%: -62% (to 10%)');
  expect(actionEffect(0.00001, 0.00002)).toBe('no measurable change (stays at 0.0%)');
  expect(actionEffect(-0.05, 0.3)).toBe('+5.0% (to 30%)');
});

const whatIfResponse = {
  instance: 'web-1',
  model: 'v1',
  horizonMs: 3_600_000,
  from: 0,
  stepMs: MIN,
  steps: 3,
  without: {
    probability: { crash: 0.8, outage: 0.1 },
    interval: {},
    confidence: 0.7,
    trajectories: { mem: { values: [80, 90, 99], error: 1 }, cpu: { values: [10, 10, 10], error: 1 } },
  },
  with: {
    probability: { crash: 0.1, outage: 0.1 },
    interval: {},
    confidence: 0.7,
    trajectories: { mem: { values: [40, 45, 50], error: 1 }, cpu: { values: [10, 10, 11], error: 1 } },
  },
  drop: { crash: 0.7, outage: 0 },
};

test('what-if panel: draws the frames its query gives it, the most changed trajectory first', () => {
  render(
    <WhatIfPanel {...props<WhatIfOptions>(whatIfFrames(whatIfResponse, 'A'), { instance: '', horizonMinutes: 60 })} />
  );
  expect(screen.getByTestId('whatif-instance')).toHaveTextContent('web-1');
  expect(screen.getByTestId('whatif-result')).toHaveTextContent('failure within 60 min');
  expect(screen.getByTestId('whatif-result')).toHaveTextContent('crash80.0%10.0%70.0%');
  expect(screen.getByLabelText('Trajectory of')).toHaveValue('mem');
  expect(screen.getByTestId('chart-line-with')).toBeInTheDocument();
  expect(fetchMock).not.toHaveBeenCalled();
});

test('what-if panel: other actions re-run the simulation through the datasource layer', async () => {
  fetchMock.mockReturnValue(of({ data: whatIfResponse }));
  render(<WhatIfPanel {...props<WhatIfOptions>([], { instance: 'web-1', horizonMinutes: 60 })} />);
  expect(screen.queryByTestId('whatif-result')).toBeNull();
  fireEvent.click(screen.getByLabelText('Add memory'));
  fireEvent.click(screen.getByTestId('whatif-run'));
  await waitFor(() => expect(screen.getByTestId('whatif-result')).toBeInTheDocument());
  expect(fetchMock).toHaveBeenCalledWith(
    expect.objectContaining({
      url: '/api/plugin-proxy/twin-twin-app/sidecar/api/v1/twin/whatif',
      method: 'POST',
      data: { instance: 'web-1', actions: [{ type: 'add-memory', percent: 50 }], horizonMs: 3_600_000 },
    })
  );
  expect(screen.getByTestId('whatif-result')).toHaveTextContent('crash80.0%10.0%70.0%');
});
