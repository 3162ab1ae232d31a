// A page that renders the plugin's panels and pages outside Grafana, for the browser tests: no
// Grafana server can run where Twin is built. Grafana's runtime services are set to plain
// browser ones; the page's server stands in for Grafana's data proxy (it forwards the plugin's
// routes to a real sidecar and adds the token), so requests take the same paths as in Grafana.
import React, { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { MemoryRouter } from 'react-router-dom';
import { Observable } from 'rxjs';
import {
  createTheme,
  dateTime,
  getDefaultTimeRange,
  LoadingState,
  type DataFrame,
  type DataQueryRequest,
  type DataSourceInstanceSettings,
  type PanelProps,
} from '@grafana/data';
import {
  config,
  setBackendSrv,
  setDataSourceSrv,
  setTemplateSrv,
  type BackendSrv,
  type BackendSrvRequest,
} from '@grafana/runtime';
import { ThemeContext } from '@grafana/ui';
import App from '../src/components/App/App';
import { TwinDataSource } from '../src/datasource/datasource';
import type { WhatIfAction } from '../src/api/types';
import type { TwinQuery } from '../src/datasource/types';
import { AnomalyPanel } from '../src/panels/anomaly/AnomalyPanel';
import { FailureProbabilityPanel } from '../src/panels/failure-probability/FailureProbabilityPanel';
import { WhatIfPanel } from '../src/panels/what-if/WhatIfPanel';

const params = new URLSearchParams(window.location.search);
// The signed-in user's role, as Grafana's boot data would carry it (?role=Viewer to see what a viewer sees).
config.bootData = {
  ...config.bootData,
  user: { ...config.bootData?.user, orgRole: params.get('role') ?? 'Admin' },
} as never;
const view = params.get('view') ?? 'fleet';
const instance = params.get('instance') ?? '';

function query(options: BackendSrvRequest): Promise<{ data: unknown; status: number }> {
  const url = new URL(options.url, window.location.origin);
  for (const [k, v] of Object.entries(options.params ?? {})) {
    for (const x of Array.isArray(v) ? v : [v]) {
      url.searchParams.append(k, String(x));
    }
  }
  return fetch(url, {
    method: options.method ?? 'GET',
    headers: options.data !== undefined ? { 'content-type': 'application/json' } : {},
    body: options.data !== undefined ? JSON.stringify(options.data) : undefined,
  }).then(async (res) => {
    const text = await res.text();
    const data = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      throw { status: res.status, data };
    }
    return { data, status: res.status };
  });
}

setBackendSrv({
  fetch: (options: BackendSrvRequest) =>
    new Observable((sub) => {
      query(options).then(
        (r) => {
          sub.next(r as never);
          sub.complete();
        },
        (e) => sub.error(e)
      );
    }),
} as unknown as BackendSrv);
setTemplateSrv({
  replace: (s?: string) => (s ?? '').replace(/\$instance/g, instance),
  getVariables: () => [],
  containsTemplate: () => false,
  updateTimeRange: () => {},
} as never);

const datasource = new TwinDataSource({
  id: 1,
  uid: 'twin',
  type: 'twin-twin-datasource',
  name: 'Twin',
  url: '/api/datasources/proxy/uid/twin',
  jsonData: {},
  meta: {} as never,
  access: 'proxy',
  readOnly: false,
} as DataSourceInstanceSettings<{}>);
setDataSourceSrv({
  get: async () => datasource,
  getList: () => [],
  getInstanceSettings: () => undefined,
  reload: async () => {},
} as never);

/** A panel fed as Grafana feeds it: the datasource runs the targets, the panel gets the frames. */
function Panel<T>(props: { targets: TwinQuery[]; options: T; render: (p: PanelProps<T>) => React.ReactElement }) {
  const [series, setSeries] = useState<DataFrame[] | undefined>();
  useEffect(() => {
    const to = Date.now();
    const request = {
      targets: props.targets,
      range: { from: dateTime(to - 6 * 3_600_000), to: dateTime(to), raw: { from: 'now-6h', to: 'now' } },
      maxDataPoints: 500,
      scopedVars: {},
    } as unknown as DataQueryRequest<TwinQuery>;
    // As Grafana's query runner does: the one-off answer and each live stream kept apart by key.
    const byKey = new Map<string, DataFrame[]>();
    const sub = datasource.query(request).subscribe((r) => {
      byKey.set(r.key ?? 'once', r.data as DataFrame[]);
      setSeries([...byKey.values()].flat());
    });
    return () => sub.unsubscribe();
  }, [props.targets]);
  if (!series) {
    return <div>loading</div>;
  }
  const panelProps = {
    data: {
      series,
      state: LoadingState.Done,
      timeRange: getDefaultTimeRange(),
      request: { targets: props.targets.map((t) => ({ ...t, datasource: { uid: 'twin' } })) },
    },
    options: props.options,
    width: 1000,
    height: 420,
    replaceVariables: (s: string) => s.replace(/\$instance/g, instance),
  } as unknown as PanelProps<T>;
  return (
    <div style={{ width: 1000, height: 420, border: '1px solid #444', padding: 8 }}>{props.render(panelProps)}</div>
  );
}

const anomalyTargets: TwinQuery[] = [
  { refId: 'A', view: 'twin', instance, metrics: params.getAll('metric') },
  { refId: 'B', view: 'incidents', instance },
];
const failureTargets: TwinQuery[] = [
  { refId: 'A', view: 'failure_probability', instance, stream: params.get('live') === '1' },
];
// ?action=add-memory:100&action=restart: the what-if query's actions (none: the panel's form only).
const whatIfTargets: TwinQuery[] = [
  {
    refId: 'A',
    view: 'whatif',
    instance,
    actions: params.getAll('action').map((a) => {
      const [type, percent] = a.split(':');
      return { type, ...(percent ? { percent: Number(percent) } : {}) } as WhatIfAction;
    }),
  },
];

function Harness() {
  switch (view) {
    case 'anomaly':
      return (
        <Panel
          targets={anomalyTargets}
          options={{ showBand: true, metric: params.get('metric') ?? '' }}
          render={(p) => <AnomalyPanel {...p} />}
        />
      );
    case 'failure':
      return (
        <Panel
          targets={failureTargets}
          options={{ warning: 0.3, critical: 0.6 }}
          render={(p) => <FailureProbabilityPanel {...p} />}
        />
      );
    case 'whatif':
      return (
        <Panel
          targets={whatIfTargets}
          options={{ instance, horizonMinutes: 60 }}
          render={(p) => <WhatIfPanel {...p} />}
        />
      );
    default:
      return (
        <MemoryRouter initialEntries={[`/${view}${instance ? `/${instance}` : ''}`]}>
          <App {...({} as never)} />
        </MemoryRouter>
      );
  }
}

const theme = createTheme({ colors: { mode: 'dark' } });
document.body.style.background = theme.colors.background.primary;
document.body.style.color = theme.colors.text.primary;
document.body.style.fontFamily = theme.typography.fontFamily;
createRoot(document.getElementById('root')!).render(
  <ThemeContext.Provider value={theme}>
    <div style={{ padding: 16 }} data-testid="harness">
      <React.Suspense fallback={<div>loading</div>}>
        <Harness />
      </React.Suspense>
    </div>
  </ThemeContext.Provider>
);
