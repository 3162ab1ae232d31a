import type { WhatIfAction, WhatIfResponse } from '../../api/types';

export interface ActionChoice {
  type: WhatIfAction['type'];
  enabled: boolean;
  percent: number;
}

export const ACTION_TYPES: Array<{ type: WhatIfAction['type']; label: string; sized: boolean }> = [
  { type: 'add-memory', label: 'Add memory', sized: true },
  { type: 'add-cpu', label: 'Add CPU', sized: true },
  { type: 'expand-disk', label: 'Expand disk', sized: true },
  { type: 'migrate-host', label: 'Migrate host', sized: false },
  { type: 'restart', label: 'Restart', sized: false },
];

export const defaultChoices = (): ActionChoice[] =>
  ACTION_TYPES.map((a) => ({ type: a.type, enabled: false, percent: 50 }));

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

export interface Comparison {
  kind: string;
  without: number;
  with: number;
  drop: number;
}

export function compare(r: WhatIfResponse): Comparison[] {
  return Object.keys(r.without.probability).map((kind) => ({
    kind,
    without: r.without.probability[kind]!,
    with: r.with.probability[kind]!,
    drop: r.drop[kind] ?? r.without.probability[kind]! - r.with.probability[kind]!,
  }));
}

/** The step times of the simulated trajectories. */
export const timesOf = (r: WhatIfResponse) => Array.from({ length: r.steps }, (_, i) => r.from + i * r.stepMs);

/** The metrics whose trajectories differ most between the two runs, in units of each metric's usual error. */
export function metricsByChange(r: WhatIfResponse): string[] {
  const change = (m: string) => {
    const a = r.without.trajectories[m];
    const b = r.with.trajectories[m];
    if (!a || !b) {
      return 0;
    }
    let d = 0;
    for (let i = 0; i < Math.min(a.values.length, b.values.length); i++) {
      d += Math.abs(a.values[i]! - b.values[i]!);
    }
    return d / Math.max(a.error, 1e-9);
  };
  return Object.keys(r.without.trajectories).sort((x, y) => change(y) - change(x));
}
