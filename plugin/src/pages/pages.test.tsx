import React from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { of } from 'rxjs';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { config } from '@grafana/runtime';
import Instance from './Instance';
import Models, { canRollBack, versionStatus } from './Models';
import Reports from './Reports';

// No Grafana server can run here: its data proxy (getBackendSrv) is mocked; it answers as the
// sidecar's API does for the paths asked.
const fetchMock = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: fetchMock }),
  PluginPage: ({ children }: { children: React.ReactNode }) => <div>{children}</div>,
}));

const MIN = 60_000;
const answers: Record<string, unknown> = {
  '/api/v1/instances/web-1': {
    id: 'web-1',
    labels: {},
    failurePredictions: [
      { kind: 'crash', horizonMs: 3_600_000, probability: 0.4, interval: [0.3, 0.5], confidence: 0.8, prior: false },
    ],
  },
  '/api/v1/incidents': { items: [], total: 0 },
  '/api/v1/instances/web-1/recommendations': { items: [] },
  '/api/v1/series': {
    instance: 'web-1',
    ts: [0, MIN],
    series: { mem: [1, 2] },
    twin: {
      version: 'v1',
      stepMs: MIN,
      ts: [0, MIN],
      predicted: { mem: [1, 2] },
      lower: { mem: [0, 1] },
      upper: { mem: [2, 3] },
      score: { mem: [0, 0] },
    },
  },
  '/api/v1/instances': { items: [{ id: 'web-1', labels: {} }], total: 1 },
  '/api/v1/instances/web-1/models': {
    champion: 'v0002',
    items: [
      {
        instance: 'web-1',
        version: 'v0002',
        kind: 'lstm',
        createdAt: 2 * MIN,
        validationError: 0.31,
        trainingMs: 4200,
        champion: true,
      },
      {
        instance: 'web-1',
        version: 'v0001',
        kind: 'lstm',
        createdAt: MIN,
        validationError: 0.52,
        trainingMs: 3900,
        champion: false,
        decision: { status: 'rejected', reason: 'validation error 0.52 not below the champion 0.31', decidedAt: MIN },
      },
      {
        instance: 'web-1',
        version: 'v0000',
        kind: 'lstm',
        createdAt: 0,
        validationError: 0.4,
        trainingMs: 3800,
        champion: false,
        decision: { status: 'champion', reason: 'first version', decidedAt: 0 },
      },
    ],
  },
  '/api/v1/reports': {
    items: [
      {
        id: 'r1',
        instance: 'web-1',
        time: 0,
        status: {},
        overall: 'critical',
        reasons: ['oom-kill'],
        findings: [
          {
            id: 'oom-kill',
            title: 'Out of memory: a process was killed',
            severity: 'critical',
            count: 1,
            resources: ['memory'],
            actions: [],
            evidence: ['Out of memory: Killed process 42'],
          },
        ],
      },
    ],
    total: 1,
  },
};

// Combobox measures its options' text on a canvas, which jsdom does not draw.
beforeAll(() => {
  HTMLCanvasElement.prototype.getContext = (() => ({ measureText: (t: string) => ({ width: 7 * t.length }) })) as never;
});

beforeEach(() => {
  fetchMock.mockReset();
  fetchMock.mockImplementation((req: { url: string; method: string }) => {
    const path = req.url.replace('/api/plugin-proxy/twin-twin-app/sidecar', '');
    return of({ data: answers[path] ?? {} });
  });
});

test('instance page: the three panels for the instance in the route', async () => {
  render(
    <MemoryRouter initialEntries={['/instance/web-1']}>
      <Routes>
        <Route path="/instance/:id" element={<Instance />} />
      </Routes>
    </MemoryRouter>
  );
  await waitFor(() => expect(screen.getByTestId('anomaly-panel')).toBeInTheDocument());
  expect(screen.getByTestId('failure-risk')).toHaveTextContent('web-1 crash within 1h40%');
  expect(screen.getByTestId('whatif-instance')).toHaveTextContent('web-1');
});

test('model versions page: champion and rejected challenger with why; admins promote and roll back', async () => {
  config.bootData.user.orgRole = 'Admin' as never;
  render(<Models />);
  await waitFor(() => expect(screen.getByTestId('models-table')).toBeInTheDocument());
  expect(screen.getByTestId('model-v0002')).toHaveTextContent('champion');
  expect(screen.getByTestId('model-v0001')).toHaveTextContent(
    'rejectedvalidation error 0.52 not below the champion 0.31'
  );
  // What a version is now, whatever was decided when it was trained.
  const v = answers['/api/v1/instances/web-1/models'] as { items: Array<Parameters<typeof versionStatus>[0]> };
  expect(versionStatus({ ...v.items[1]!, champion: true }).why).toBe(
    'promoted by an operator (validation error 0.52 not below the champion 0.31)'
  );
  const former = {
    ...v.items[0]!,
    champion: false,
    decision: { status: 'champion' as const, reason: 'first', decidedAt: 0 },
  };
  expect(versionStatus(former).label).toBe('former champion');
  fireEvent.click(within(screen.getByTestId('model-v0001')).getByText('Promote'));
  await waitFor(() =>
    expect(fetchMock).toHaveBeenCalledWith(
      expect.objectContaining({
        url: '/api/plugin-proxy/twin-twin-app/sidecar/api/v1/instances/web-1/models/v0001/promote',
        method: 'POST',
      })
    )
  );
  fireEvent.click(screen.getByTestId('models-rollback'));
  await waitFor(() =>
    expect(fetchMock).toHaveBeenCalledWith(
      expect.objectContaining({
        url: '/api/plugin-proxy/twin-twin-app/sidecar/api/v1/instances/web-1/models/rollback',
        method: 'POST',
      })
    )
  );
});

test('model versions page: the instance picker is labelled; roll back needs an earlier champion to go back to', async () => {
  config.bootData.user.orgRole = 'Admin' as never;
  render(<Models />);
  await waitFor(() => expect(screen.getByTestId('models-table')).toBeInTheDocument());
  expect(screen.getByText('Instance')).toBeInTheDocument();
  expect(screen.getByTestId('models-rollback')).toBeEnabled();
  const v = answers['/api/v1/instances/web-1/models'] as { items: Array<Parameters<typeof canRollBack>[0][number]> };
  expect(canRollBack(v.items)).toBe(true);
  expect(canRollBack([v.items[0]!])).toBe(false);
  expect(canRollBack(v.items.slice(0, 2))).toBe(false);
});

test('model versions page: a viewer sees the versions but no promote or roll back', async () => {
  config.bootData.user.orgRole = 'Viewer' as never;
  config.bootData.user.isGrafanaAdmin = false;
  render(<Models />);
  await waitFor(() => expect(screen.getByTestId('models-table')).toBeInTheDocument());
  expect(screen.queryByText('Promote')).toBeNull();
  expect(screen.queryByTestId('models-rollback')).toBeNull();
  expect(screen.getByTestId('models-admin-only')).toBeInTheDocument();
});

test('reports page: each report with its status and findings', async () => {
  render(<Reports />);
  await waitFor(() => expect(screen.getByTestId('reports-table')).toBeInTheDocument());
  expect(screen.getByTestId('reports-table')).toHaveTextContent('web-1');
  expect(screen.getByTestId('reports-table')).toHaveTextContent('critical');
  expect(screen.getByTestId('reports-table')).toHaveTextContent(
    'Out of memory: a process was killed (critical, 1 line): Out of memory: Killed process 42'
  );
});
