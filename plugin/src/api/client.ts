import { getBackendSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import { SIDECAR_PROXY } from '../constants';
import type {
  Incident,
  InstanceSummary,
  ModelVersion,
  Page,
  Recommendation,
  ReportSummary,
  SeriesResponse,
  WhatIfAction,
  WhatIfResponse,
} from './types';

/** How a request reached the sidecar failed: the sidecar's problem detail when it sent one. */
export class SidecarError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | string[] | undefined>;

/**
 * The typed client of the sidecar. `base` is a Grafana data-proxy path (the app's or the
 * datasource's route, which adds the token), so the browser never holds the token.
 */
export class SidecarClient {
  constructor(readonly base: string = SIDECAR_PROXY) {}

  async get<T>(path: string, params?: Query): Promise<T> {
    return this.request<T>('GET', path, params);
  }

  async post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, undefined, body);
  }

  instances(): Promise<Page<InstanceSummary>> {
    return this.get('/api/v1/instances', { limit: 1000 });
  }

  instance(id: string): Promise<InstanceSummary> {
    return this.get(`/api/v1/instances/${encodeURIComponent(id)}`);
  }

  series(q: { instance: string; from: number; to: number; metric?: string[]; step?: number; twin?: boolean }) {
    return this.get<SeriesResponse>('/api/v1/series', q);
  }

  incidents(instance?: string): Promise<Page<Incident>> {
    return this.get('/api/v1/incidents', { instance, limit: 100 });
  }

  models(instance: string): Promise<{ items: ModelVersion[]; champion: string | null }> {
    return this.get(`/api/v1/instances/${encodeURIComponent(instance)}/models`);
  }

  promote(instance: string, version: string): Promise<unknown> {
    return this.post(`/api/v1/instances/${encodeURIComponent(instance)}/models/${encodeURIComponent(version)}/promote`);
  }

  rollback(instance: string): Promise<unknown> {
    return this.post(`/api/v1/instances/${encodeURIComponent(instance)}/models/rollback`);
  }

  whatIf(instance: string, actions: WhatIfAction[], horizonMs?: number): Promise<WhatIfResponse> {
    return this.post('/api/v1/twin/whatif', { instance, actions, ...(horizonMs ? { horizonMs } : {}) });
  }

  recommendations(instance: string): Promise<{ instance: string; items: Recommendation[] }> {
    return this.get(`/api/v1/instances/${encodeURIComponent(instance)}/recommendations`);
  }

  reports(instance?: string): Promise<Page<ReportSummary>> {
    return this.get('/api/v1/reports', { instance, limit: 100 });
  }

  private async request<T>(method: string, path: string, params?: Query, data?: unknown): Promise<T> {
    try {
      const response = await lastValueFrom(
        getBackendSrv().fetch<T>({
          url: `${this.base}${path}`,
          method,
          params: params ? withoutUndefined(params) : undefined,
          data,
          showErrorAlert: false,
        })
      );
      return response.data;
    } catch (err) {
      throw toSidecarError(err);
    }
  }
}

function withoutUndefined(params: Query): Record<string, string | number | boolean | string[]> {
  const out: Record<string, string | number | boolean | string[]> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined) {
      out[k] = v;
    }
  }
  return out;
}

/** Grafana's fetch rejects with `{status, data}`; the sidecar's errors are problem+json with a code. */
export function toSidecarError(err: unknown): SidecarError {
  const e = err as { status?: number; data?: { detail?: string; title?: string; code?: string; message?: string } };
  const status = e?.status ?? 0;
  const detail = e?.data?.detail ?? e?.data?.message ?? e?.data?.title ?? (err as Error)?.message ?? String(err);
  const hint =
    status === 401 || status === 403
      ? `the sidecar refused the token (${status}): ${detail}`
      : status === 502 || status === 0
        ? `the sidecar cannot be reached: ${detail}`
        : detail;
  return new SidecarError(hint, status, e?.data?.code);
}

/** The app's own client (through the app's plugin route). */
export const sidecar = new SidecarClient();
