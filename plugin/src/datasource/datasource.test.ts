import { dateTime, type DataQueryRequest, type DataSourceInstanceSettings } from '@grafana/data';
import { lastValueFrom, of, toArray, take } from 'rxjs';
import { TwinDataSource } from './datasource';
import type { EventSourceLike } from './stream';
import type { TwinQuery } from './types';

// No Grafana server can run here: Grafana's data proxy (getBackendSrv) is mocked; the requests it
// would forward to the sidecar are checked, and the sidecar's answers are its documented shapes.
const fetchMock = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: fetchMock }),
  getTemplateSrv: () => ({ replace: (s: string) => s.replace('$instance', 'web-1') }),
}));

const settings = { url: '/api/datasources/proxy/uid/twin', jsonData: {} } as DataSourceInstanceSettings<{}>;
const request = (targets: TwinQuery[]) =>
  ({
    targets,
    range: { from: dateTime(0), to: dateTime(3_600_000), raw: { from: 'now-1h', to: 'now' } },
    maxDataPoints: 100,
    scopedVars: {},
  }) as unknown as DataQueryRequest<TwinQuery>;

beforeEach(() => fetchMock.mockReset());

test('a twin query asks the sidecar for the replay through the data proxy and returns frames', async () => {
  fetchMock.mockReturnValue(
    of({
      data: {
        instance: 'web-1',
        ts: [0],
        series: { mem: [1] },
        twin: {
          version: 'v1',
          stepMs: 60000,
          ts: [0],
          predicted: { mem: [1] },
          lower: { mem: [0] },
          upper: { mem: [2] },
          score: { mem: [0.1] },
        },
      },
    })
  );
  const ds = new TwinDataSource(settings);
  const response = await lastValueFrom(ds.query(request([{ refId: 'A', view: 'twin', instance: '$instance' }])));
  expect(fetchMock).toHaveBeenCalledWith(
    expect.objectContaining({
      url: '/api/datasources/proxy/uid/twin/sidecar/api/v1/series',
      params: { instance: 'web-1', from: 0, to: 3_600_000, twin: true },
    })
  );
  expect(response.data).toHaveLength(1);
  expect(response.data[0].name).toBe('mem');
});

test('the health check says when the token is refused and when the sidecar cannot be reached', async () => {
  const ds = new TwinDataSource(settings);
  fetchMock.mockImplementation(() => {
    throw { status: 403, data: { detail: 'token "grafana" lacks the read scope', code: 'TWIN_ERR_FORBIDDEN' } };
  });
  expect(await ds.testDatasource()).toEqual({
    status: 'error',
    message: 'the sidecar refused the token (403): token "grafana" lacks the read scope',
  });
  fetchMock.mockImplementation(() => {
    throw { status: 502, data: { message: 'dial tcp 127.0.0.1:7788: connection refused' } };
  });
  expect((await ds.testDatasource()).message).toBe(
    'the sidecar cannot be reached: dial tcp 127.0.0.1:7788: connection refused'
  );
  fetchMock.mockReturnValue(of({ data: { items: [], total: 3 } }));
  expect(await ds.testDatasource()).toEqual({
    status: 'success',
    message: 'Connected to the Twin sidecar: 3 instance(s) reporting.',
  });
});

test('template variables: instances by label, hosts; an unknown query says what is known', async () => {
  fetchMock.mockReturnValue(
    of({
      data: {
        items: [
          { id: 'a', labels: { host: 'h1' } },
          { id: 'b', labels: { host: 'h2' } },
        ],
        total: 2,
      },
    })
  );
  const ds = new TwinDataSource(settings);
  expect(await ds.metricFindQuery('instances(host=h2)')).toEqual([{ text: 'b', value: 'b' }]);
  expect((await ds.metricFindQuery('hosts')).map((v) => v.text)).toEqual(['h1', 'h2']);
  await expect(ds.metricFindQuery('nodes')).rejects.toThrow(/use instances/);
});

test('a live query streams the sidecar events into a circular frame, marked as streaming', async () => {
  fetchMock.mockReturnValue(of({ data: { items: [], total: 0 } }));
  const listeners: Record<string, (e: MessageEvent) => void> = {};
  let opened = '';
  const source: EventSourceLike = {
    addEventListener: (type, l) => (listeners[type] = l),
    close: jest.fn(),
    onerror: null,
  };
  const ds = new TwinDataSource(settings, (url) => {
    opened = url;
    return source;
  });
  const collected = lastValueFrom(
    ds.query(request([{ refId: 'A', view: 'anomaly_score', instance: 'web-1', stream: true }])).pipe(take(3), toArray())
  );
  await new Promise((r) => setTimeout(r, 0));
  expect(opened).toBe('/api/datasources/proxy/uid/twin/sidecar/api/v1/stream?kind=anomaly_score&instance=web-1');
  listeners.anomaly_score!({
    data: JSON.stringify({ id: 1, kind: 'anomaly_score', instance: 'web-1', ts: 1000, score: 0.5 }),
  } as MessageEvent);
  listeners.anomaly_score!({
    data: JSON.stringify({ id: 2, kind: 'anomaly_score', instance: 'web-1', ts: 2000, score: 1.5 }),
  } as MessageEvent);
  const responses = await collected;
  const live = responses.filter((r) => r.state === 'Streaming');
  const frame = live[live.length - 1]!.data[0];
  expect(Array.from(frame.fields[1].values)).toEqual([0.5, 1.5]);
  expect(frame.fields[0].values.length).toBe(2);
});

test('a what-if query posts its actions and horizon to the sidecar and returns the risk and trajectory frames', async () => {
  fetchMock.mockReturnValue(
    of({
      data: {
        instance: 'web-1',
        model: 'v1',
        horizonMs: 1_800_000,
        from: 0,
        stepMs: 60_000,
        steps: 2,
        without: {
          probability: { crash: 0.6 },
          interval: {},
          confidence: 0.7,
          trajectories: { mem: { values: [90, 99], error: 1 } },
        },
        with: {
          probability: { crash: 0.2 },
          interval: {},
          confidence: 0.7,
          trajectories: { mem: { values: [50, 55], error: 1 } },
        },
        drop: { crash: 0.4 },
      },
    })
  );
  const ds = new TwinDataSource(settings);
  const actions = [{ type: 'add-memory' as const, percent: 100 }];
  expect(ds.filterQuery({ refId: 'A', view: 'whatif', instance: 'web-1' })).toBe(false);
  const response = await lastValueFrom(
    ds.query(request([{ refId: 'A', view: 'whatif', instance: '$instance', actions, horizonMinutes: 30 }]))
  );
  expect(fetchMock).toHaveBeenCalledWith(
    expect.objectContaining({
      url: '/api/datasources/proxy/uid/twin/sidecar/api/v1/twin/whatif',
      method: 'POST',
      data: { instance: 'web-1', actions, horizonMs: 1_800_000 },
    })
  );
  const [risk, mem] = response.data;
  expect(risk.name).toBe('whatif_risk');
  expect(risk.fields.map((f: { name: string }) => f.name)).toEqual(['kind', 'without', 'with', 'drop']);
  expect(Array.from(risk.fields[3].values)).toEqual([0.4]);
  expect(mem.name).toBe('mem');
  expect(Array.from(mem.fields[0].values)).toEqual([0, 60_000]);
  expect(Array.from(mem.fields[2].values)).toEqual([50, 55]);
});
