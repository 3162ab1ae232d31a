import type { DataFrame } from '@grafana/data';
import type { WhatIfAction } from '../../api/types';
import { ACTION_TYPES, type WhatIfFrameRole } from '../../datasource/whatif';

export interface ActionChoice {
  type: WhatIfAction['type'];
  enabled: boolean;
  percent: number;
}

/** The form's choices: the query's actions ticked, the rest off at 50 %. */
export const choicesOf = (actions: WhatIfAction[] = []): ActionChoice[] =>
  ACTION_TYPES.map((a) => {
    const chosen = actions.find((x) => x.type === a.type);
    return { type: a.type, enabled: Boolean(chosen), percent: chosen && 'percent' in chosen ? chosen.percent : 50 };
  });

/** The request's actions from the form's choices (sized actions carry their percent). */
export function actionsOf(choices: ActionChoice[]): WhatIfAction[] {
  return choices
    .filter((c) => c.enabled)
    .map((c) =>
      ACTION_TYPES.find((a) => a.type === c.type)!.sized
        ? ({ type: c.type, percent: c.percent } as WhatIfAction)
        : ({ type: c.type } as WhatIfAction)
    );
}

const roleOf = (f: DataFrame) => f.meta?.custom?.whatif as WhatIfFrameRole | undefined;
const valuesOf = (f: DataFrame, name: string) => (f.fields.find((x) => x.name === name)?.values ?? []) as number[];

export interface Comparison {
  kind: string;
  without: number;
  with: number;
  drop: number;
}

/** The risk table of the what-if frames: one row per failure kind. */
export function compare(frames: DataFrame[]): Comparison[] {
  const risk = frames.find((f) => roleOf(f) === 'risk');
  if (!risk) {
    return [];
  }
  const kinds = (risk.fields.find((x) => x.name === 'kind')?.values ?? []) as string[];
  const [without, withAction, drop] = ['without', 'with', 'drop'].map((n) => valuesOf(risk, n));
  return kinds.map((kind, i) => ({ kind, without: without![i]!, with: withAction![i]!, drop: drop![i]! }));
}

/** The horizon of the what-if frames, in ms. */
export const horizonOf = (frames: DataFrame[]) =>
  frames.find((f) => roleOf(f) === 'risk')?.meta?.custom?.horizonMs as number | undefined;

export interface Trajectory {
  metric: string;
  times: number[];
  without: number[];
  with: number[];
  /** The twin's usual one-step error for the metric: the unit of change. */
  error: number;
}

export function trajectoriesOf(frames: DataFrame[]): Trajectory[] {
  return frames
    .filter((f) => roleOf(f) === 'trajectory')
    .map((f) => ({
      metric: (f.meta?.custom?.metric as string) ?? f.name ?? '',
      times: valuesOf(f, 'time'),
      without: valuesOf(f, 'without'),
      with: valuesOf(f, 'with'),
      error: (f.meta?.custom?.error as number) ?? 1,
    }));
}

/** The metrics whose trajectories differ most between the two runs, in units of each metric's usual error. */
export function metricsByChange(trajectories: Trajectory[]): string[] {
  const change = (t: Trajectory) => {
    let d = 0;
    for (let i = 0; i < Math.min(t.without.length, t.with.length); i++) {
      d += Math.abs(t.without[i]! - t.with[i]!);
    }
    return d / Math.max(t.error, 1e-9);
  };
  return [...trajectories].sort((x, y) => change(y) - change(x)).map((t) => t.metric);
}
