import {
  DataSourceApi,
  LoadingState,
  type DataFrame,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceInstanceSettings,
  type MetricFindValue,
  type ScopedVars,
  type TestDataSourceResponse,
} from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { merge, Observable, from } from 'rxjs';
import { SidecarClient } from '../api/client';
import type { InstanceSummary } from '../api/types';
import {
  actionsFrame,
  actualFrames,
  anomalyScoreFrame,
  failureTableFrame,
  horizonLabel,
  incidentFrame,
  instanceMatcher,
  instancesFrame,
  rootCausesFrame,
  twinFrames,
} from './frames';
import { streamFrames, type EventSourceFactory } from './stream';
import { simulate } from './whatif';
import { DEFAULT_QUERY, type TwinDataSourceOptions, type TwinQuery } from './types';

/**
 * The twin datasource: the sidecar's series, twin replays, failure predictions and incidents as
 * DataFrames, through Grafana's data proxy (the route `sidecar` in plugin.json adds the token).
 */
export class TwinDataSource extends DataSourceApi<TwinQuery, TwinDataSourceOptions> {
  readonly client: SidecarClient;
  /** The proxied URL of the sidecar's stream (EventSource cannot set headers: the route adds the token). */
  readonly streamBase: string;
  annotations = {};

  constructor(
    instanceSettings: DataSourceInstanceSettings<TwinDataSourceOptions>,
    private readonly eventSource: EventSourceFactory = (url) => new EventSource(url)
  ) {
    super(instanceSettings);
    this.client = new SidecarClient(`${instanceSettings.url ?? ''}/sidecar`);
    this.streamBase = `${instanceSettings.url ?? ''}/sidecar/api/v1/stream`;
  }

  getDefaultQuery(): Partial<TwinQuery> {
    return DEFAULT_QUERY;
  }

  filterQuery(query: TwinQuery): boolean {
    if (query.hide) {
      return false;
    }
    if (query.view === 'instances' || query.view === 'incidents') {
      return true;
    }
    // A what-if without actions has nothing to compare: the panel waits for the operator's choice.
    return Boolean(query.instance) && (query.view !== 'whatif' || Boolean(query.actions?.length));
  }

  query(request: DataQueryRequest<TwinQuery>): Observable<DataQueryResponse> {
    const streams: Array<Observable<DataQueryResponse>> = [];
    const once = from(this.runOnce(request));
    for (const q of request.targets) {
      if (!q.stream || q.hide || !(q.view === 'anomaly_score' || q.view === 'failure_probability')) {
        continue;
      }
      const instance = this.interpolate(q.instance ?? '', request.scopedVars);
      streams.push(
        streamFrames(this.eventSource, this.streamBase, q, instance, request.maxDataPoints ?? 1000).pipe(
          (source) =>
            new Observable<DataQueryResponse>((sub) =>
              source.subscribe({
                next: (frame) => sub.next({ data: [frame], key: `${q.refId}-stream`, state: LoadingState.Streaming }),
                error: (e) => sub.error(e),
                complete: () => sub.complete(),
              })
            )
        )
      );
    }
    return streams.length ? merge(once, ...streams) : once;
  }

  /** Template variables replaced; a multi-value variable becomes a comma-separated list. */
  private interpolate(value: string, scopedVars?: ScopedVars): string {
    return getTemplateSrv().replace(value, scopedVars, 'csv');
  }

  /** The instances a query names: ids (one, or a multi-value variable's), or every instance a label selector matches. */
  private async resolveInstances(selector: string): Promise<string[]> {
    if (!selector.includes('=')) {
      return selector
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    }
    const { items } = await this.client.instances();
    return items.filter(instanceMatcher(selector)).map((i) => i.id);
  }

  private async runOnce(request: DataQueryRequest<TwinQuery>): Promise<DataQueryResponse> {
    const from = request.range.from.valueOf();
    const to = request.range.to.valueOf();
    const data: DataFrame[] = [];
    let fleet: InstanceSummary[] | undefined;
    const instances = async () => (fleet ??= (await this.client.instances()).items);
    for (const q of request.targets.filter((t) => this.filterQuery(t))) {
      const selector = this.interpolate(q.instance ?? '', request.scopedVars);
      const metrics = (q.metrics ?? []).map((m) => this.interpolate(m, request.scopedVars)).filter(Boolean);
      switch (q.view) {
        case 'instances':
          data.push(
            instancesFrame(
              selector ? (await instances()).filter(instanceMatcher(selector)) : await instances(),
              q.refId
            )
          );
          break;
        case 'incidents': {
          const ids = selector ? await this.resolveInstances(selector) : [undefined];
          for (const id of ids) {
            const { items } = await this.client.incidents(id);
            data.push(
              incidentFrame(
                items.filter((i) => i.end >= from && i.start <= to),
                q.refId
              )
            );
          }
          break;
        }
        case 'failure_probability':
          for (const id of await this.resolveInstances(selector)) {
            const instance = (await instances()).find((i) => i.id === id);
            const predictions = (instance?.failurePredictions ?? []).filter(
              (p) => (!q.kind || p.kind === q.kind) && (!q.horizon || horizonLabel(p.horizonMs) === q.horizon)
            );
            data.push(failureTableFrame(id, predictions, q.refId, Date.now()));
            const [incidents, actions] = await Promise.all([
              this.client.incidents(id).catch(() => ({ items: [] })),
              // An instance without a live twin has nothing to simulate: no ranked actions yet.
              this.client.recommendations(id).catch(() => ({ items: [] })),
            ]);
            data.push(rootCausesFrame(id, incidents.items[0], q.refId), actionsFrame(id, actions.items, q.refId));
          }
          break;
        case 'whatif':
          for (const id of await this.resolveInstances(selector)) {
            data.push(...(await simulate(this.client, id, q.actions ?? [], q.horizonMinutes, q.refId)));
          }
          break;
        default:
          for (const id of await this.resolveInstances(selector)) {
            const twin = q.view === 'twin' || q.view === 'anomaly_score';
            const response = await this.client.series({
              instance: id,
              from,
              to,
              ...(metrics.length ? { metric: metrics } : {}),
              ...(twin
                ? { twin: true }
                : { step: Math.max(1000, Math.round((to - from) / (request.maxDataPoints ?? 1000))) }),
            });
            if (q.view === 'twin') {
              data.push(...twinFrames(response, q.refId));
            } else if (q.view === 'anomaly_score') {
              data.push(anomalyScoreFrame(response, q.refId));
            } else {
              data.push(...actualFrames(response, q.refId));
            }
          }
      }
    }
    return { data, state: LoadingState.Done };
  }

  /** Template variables: `instances`, `instances(host=h-1)`, `metrics(web-1)`, `hosts`. */
  async metricFindQuery(
    query: string | { query: string },
    options?: { scopedVars?: ScopedVars }
  ): Promise<MetricFindValue[]> {
    const text = this.interpolate(typeof query === 'string' ? query : query.query, options?.scopedVars).trim();
    const call = /^(\w+)\s*(?:\((.*)\))?$/.exec(text);
    if (!call) {
      throw new Error(
        `unknown variable query "${text}": use instances, instances(label=value), metrics(instance) or hosts`
      );
    }
    const [, fn, arg] = call;
    const { items } = await this.client.instances();
    switch (fn) {
      case 'instances':
        return items.filter(arg ? instanceMatcher(arg) : () => true).map((i) => ({ text: i.id, value: i.id }));
      case 'hosts':
        return [...new Set(items.map((i) => i.labels.host).filter(Boolean))].map((h) => ({ text: h!, value: h! }));
      case 'metrics': {
        if (!arg) {
          throw new Error('metrics(instance) needs an instance');
        }
        const now = Date.now();
        const response = await this.client.series({
          instance: arg.trim(),
          from: now - 3_600_000,
          to: now,
          step: 60_000,
        });
        return Object.keys(response.series).map((m) => ({ text: m, value: m }));
      }
      default:
        throw new Error(
          `unknown variable query "${fn}": use instances, instances(label=value), metrics(instance) or hosts`
        );
    }
  }

  /** Save & test: says what is wrong when the sidecar cannot be reached or refuses the token. */
  async testDatasource(): Promise<TestDataSourceResponse> {
    try {
      const { total } = await this.client.instances();
      return { status: 'success', message: `Connected to the Twin sidecar: ${total} instance(s) reporting.` };
    } catch (err) {
      return { status: 'error', message: (err as Error).message };
    }
  }
}
