import { createDataFrame, FieldType, type DataFrame } from '@grafana/data';
import { getDataSourceSrv } from '@grafana/runtime';
import { SidecarClient, sidecar } from '../api/client';
import type { WhatIfAction, WhatIfResponse } from '../api/types';

/** The actions the sidecar's what-if knows; sized ones carry a percent. */
export const ACTION_TYPES: Array<{ type: WhatIfAction['type']; label: string; sized: boolean }> = [
  { type: 'add-memory', label: 'Add memory', sized: true },
  { type: 'add-cpu', label: 'Add CPU', sized: true },
  { type: 'expand-disk', label: 'Expand disk', sized: true },
  { type: 'migrate-host', label: 'Migrate host', sized: false },
  { type: 'restart', label: 'Restart', sized: false },
];

export const DEFAULT_WHATIF_HORIZON_MINUTES = 60;

/** What marks a frame as the what-if's, in `meta.custom.whatif`. */
export type WhatIfFrameRole = 'risk' | 'trajectory';

/**
 * The what-if as frames: one `whatif_risk` table (kind, without, with, drop) and one frame per
 * metric with the simulated trajectories without and with the actions (time, without, with).
 */
export function whatIfFrames(r: WhatIfResponse, refId: string): DataFrame[] {
  const kinds = Object.keys(r.without.probability);
  const percent = { unit: 'percentunit', min: 0, max: 1 };
  const risk = createDataFrame({
    refId,
    name: 'whatif_risk',
    meta: { custom: { whatif: 'risk', instance: r.instance, model: r.model, horizonMs: r.horizonMs } },
    fields: [
      { name: 'kind', type: FieldType.string, values: kinds },
      { name: 'without', type: FieldType.number, values: kinds.map((k) => r.without.probability[k]!), config: percent },
      { name: 'with', type: FieldType.number, values: kinds.map((k) => r.with.probability[k]!), config: percent },
      {
        name: 'drop',
        type: FieldType.number,
        values: kinds.map((k) => r.drop[k] ?? r.without.probability[k]! - r.with.probability[k]!),
        config: { unit: 'percentunit' },
      },
    ],
  });
  const times = Array.from({ length: r.steps }, (_, i) => r.from + i * r.stepMs);
  const trajectories = Object.keys(r.without.trajectories).map((metric) =>
    createDataFrame({
      refId,
      name: metric,
      meta: {
        custom: { whatif: 'trajectory', instance: r.instance, metric, error: r.without.trajectories[metric]!.error },
      },
      fields: [
        { name: 'time', type: FieldType.time, values: times },
        { name: 'without', type: FieldType.number, values: r.without.trajectories[metric]!.values },
        { name: 'with', type: FieldType.number, values: r.with.trajectories[metric]?.values ?? [] },
      ],
    })
  );
  return [risk, ...trajectories];
}

/** Runs the twin forward with and without the actions and returns the comparison as frames. */
export async function simulate(
  client: SidecarClient,
  instance: string,
  actions: WhatIfAction[],
  horizonMinutes: number | undefined,
  refId: string
): Promise<DataFrame[]> {
  const horizonMs = (horizonMinutes || DEFAULT_WHATIF_HORIZON_MINUTES) * 60_000;
  return whatIfFrames(await client.whatIf(instance, actions, horizonMs), refId);
}

export type Simulator = (instance: string, actions: WhatIfAction[], horizonMinutes: number) => Promise<DataFrame[]>;

/**
 * The simulator of a panel's Twin datasource (the app's own route when the panel has none, as on
 * the app's instance page), so that a panel re-running the what-if with new actions renders the
 * same frames its query gives it.
 */
export function simulatorFor(datasourceUid: string | undefined): Simulator {
  return async (instance, actions, horizonMinutes) => {
    let client = sidecar;
    if (datasourceUid) {
      // getDataSourceSrv is what every Grafana version this plugin supports has; the replacement
      // lives in @grafana/runtime/unstable, which older Grafana servers do not provide at run time.
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      const ds = (await getDataSourceSrv().get({ uid: datasourceUid })) as unknown as { client?: SidecarClient };
      client = ds.client ?? sidecar;
    }
    return simulate(client, instance, actions, horizonMinutes, 'whatif');
  };
}
