import { getBackendSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import { SIDECAR_PROXY } from '../constants';
import type { InstanceSummary, Page } from './types';

/** The typed client of the sidecar, through Grafana's data proxy (which adds the token). */
export async function listInstances(): Promise<InstanceSummary[]> {
  const response = await lastValueFrom(
    getBackendSrv().fetch<Page<InstanceSummary>>({ url: `${SIDECAR_PROXY}/api/v1/instances`, method: 'GET' })
  );
  return response.data.items;
}
