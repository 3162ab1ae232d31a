import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { of } from 'rxjs';
import { AppRootProps, PluginType } from '@grafana/data';
import { render, screen, waitFor } from '@testing-library/react';
import App from './App';
import type { InstanceSummary } from '../../api/types';

// No Grafana server can run here: Grafana's backend service (its data proxy to the sidecar) is mocked.
const fetchMock = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: fetchMock }),
  PluginPage: ({ children }: { children: React.ReactNode }) => <div>{children}</div>,
}));

const instances: InstanceSummary[] = [
  {
    id: 'sim-001',
    labels: { host: 'host-01', zone: 'zone-a' },
    firstSeen: '2026-11-22T09:00:00.000Z',
    lastSeen: '2026-11-25T09:00:00.000Z',
    samples: 4320,
    status: 'live',
    twin: { version: 'v0001', trainedAt: '2026-11-25T09:00:00.000Z' },
    anomalyScore: 0.4,
    failureProbability: { crash: 0.82, outage: 0.01 },
    failurePredictions: [
      { kind: 'crash', horizonMs: 3_600_000, probability: 0.82, interval: [0.7, 0.9], confidence: 0.8, prior: false },
    ],
  },
  {
    id: 'vm-1234',
    labels: { host: 'vm' },
    firstSeen: '2026-11-25T08:59:00.000Z',
    lastSeen: '2026-11-25T09:00:00.000Z',
    samples: 60,
    status: 'live',
    twin: { readyInSeconds: 540 },
    anomalyScore: null,
    failureProbability: {},
    failurePredictions: [],
  },
];

describe('Components/App', () => {
  const props = {
    basename: 'a/twin-twin-app',
    meta: { id: 'twin-twin-app', name: 'Twin', type: PluginType.app, enabled: true, jsonData: {} },
    query: {},
    path: '',
    onNavChanged: jest.fn(),
  } as unknown as AppRootProps;

  beforeEach(() => fetchMock.mockReset());

  test('the fleet page lists the instances the sidecar reports, with twin and failure risk', async () => {
    fetchMock.mockImplementation((req: { url: string }) =>
      of({
        data: req.url.endsWith('/incidents')
          ? {
              items: [
                { instance: 'sim-001', rootCauses: [{ resource: 'memory', score: 0.9 }] },
                { instance: 'vm-1234', rootCauses: [{ resource: 'cpu', score: 1 }], recurring: { days: 3 } },
                { instance: 'sim-001', rootCauses: [{ resource: 'disk', score: 0.8 }] },
              ],
              total: 3,
            }
          : { items: instances, total: 2 },
      })
    );
    render(
      <MemoryRouter>
        <App {...props} />
      </MemoryRouter>
    );
    await waitFor(() => expect(screen.getByText('sim-001')).toBeInTheDocument(), { timeout: 3000 });
    expect(fetchMock).toHaveBeenCalledWith(
      expect.objectContaining({ url: '/api/plugin-proxy/twin-twin-app/sidecar/api/v1/instances', method: 'GET' })
    );
    // The latest incident's cause; one that recurs daily says so.
    expect(screen.getByText('memory')).toBeInTheDocument();
    expect(screen.getByText('cpu (recurring daily)')).toBeInTheDocument();
    expect(screen.getByText('crash 82%')).toBeInTheDocument();
    expect(screen.getByText('v0001')).toBeInTheDocument();
    expect(screen.getByText('ready in 540s')).toBeInTheDocument();
  });

  test('the fleet page says when the sidecar cannot be reached', async () => {
    fetchMock.mockImplementation(() => {
      throw new Error('connection refused');
    });
    render(
      <MemoryRouter>
        <App {...props} />
      </MemoryRouter>
    );
    await waitFor(() => expect(screen.getByText('The Twin sidecar could not be reached')).toBeInTheDocument(), {
      timeout: 3000,
    });
    expect(screen.getByText('the sidecar cannot be reached: connection refused')).toBeInTheDocument();
  });
});
