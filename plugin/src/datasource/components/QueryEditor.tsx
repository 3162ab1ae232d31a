import React, { useEffect, useState } from 'react';
import type { QueryEditorProps } from '@grafana/data';
import {
  Checkbox,
  Combobox,
  InlineField,
  InlineFieldRow,
  InlineSwitch,
  Input,
  MultiCombobox,
  Stack,
  type ComboboxOption,
} from '@grafana/ui';
import type { WhatIfAction } from '../../api/types';
import type { TwinDataSource } from '../datasource';
import { VIEWS, type TwinDataSourceOptions, type TwinQuery } from '../types';
import { ACTION_TYPES, DEFAULT_WHATIF_HORIZON_MINUTES } from '../whatif';

type Props = QueryEditorProps<TwinDataSource, TwinQuery, TwinDataSourceOptions>;

const KINDS = [
  { label: 'any kind', value: '' },
  { label: 'crash', value: 'crash' },
  { label: 'outage', value: 'outage' },
];
const HORIZONS = [
  { label: 'any horizon', value: '' },
  // The values are the datasource's horizon labels (horizonLabel): what the filter compares with.
  { label: '1 hour', value: '1h' },
  { label: '1 day', value: '1d' },
];

/** Instance (id, variable or label selector), metrics, and what to show. */
export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const [instances, setInstances] = useState<Array<ComboboxOption<string>>>([]);
  const [metrics, setMetrics] = useState<Array<ComboboxOption<string>>>([]);
  const view = query.view ?? 'twin';
  const update = (patch: Partial<TwinQuery>) => {
    onChange({ ...query, ...patch });
    onRunQuery();
  };

  useEffect(() => {
    datasource
      .metricFindQuery('instances')
      .then((values) => setInstances(values.map((v) => ({ label: v.text, value: String(v.value) }))))
      .catch(() => setInstances([]));
  }, [datasource]);

  useEffect(() => {
    if (!query.instance || query.instance.includes('=') || query.instance.startsWith('$')) {
      return;
    }
    datasource
      .metricFindQuery(`metrics(${query.instance})`)
      .then((values) => setMetrics(values.map((v) => ({ label: v.text, value: String(v.value) }))))
      .catch(() => setMetrics([]));
  }, [datasource, query.instance]);

  const needsInstance = view !== 'instances' && view !== 'incidents';
  return (
    <div data-testid="twin-query-editor">
      <InlineFieldRow>
        <InlineField label="Show" labelWidth={10} htmlFor="twin-query-view">
          <Combobox
            width={24}
            id="twin-query-view"
            options={VIEWS}
            value={view}
            onChange={(v) => update({ view: v.value })}
          />
        </InlineField>
        <InlineField
          label="Instance"
          labelWidth={10}
          tooltip="An instance, a template variable such as $instance, or a label selector such as host=h-1"
          invalid={needsInstance && !query.instance}
          error="Pick an instance"
          htmlFor="twin-query-instance"
        >
          <Combobox
            width={32}
            id="twin-query-instance"
            createCustomValue
            options={instances}
            value={query.instance ? { label: query.instance, value: query.instance } : null}
            placeholder={needsInstance ? 'instance or host=...' : 'all instances'}
            onChange={(v) => update({ instance: v?.value ?? '' })}
            isClearable
          />
        </InlineField>
      </InlineFieldRow>
      {(view === 'twin' || view === 'actual') && (
        <InlineFieldRow>
          <InlineField
            label="Metrics"
            labelWidth={10}
            tooltip="Empty: every metric of the twin"
            htmlFor="twin-query-metrics"
          >
            <MultiCombobox
              width={60}
              id="twin-query-metrics"
              createCustomValue
              options={metrics}
              value={(query.metrics ?? []).map((m) => ({ label: m, value: m }))}
              onChange={(v) => update({ metrics: v.map((x) => x.value).filter(Boolean) })}
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {view === 'failure_probability' && (
        <InlineFieldRow>
          <FilterField label="Kind" options={KINDS} value={query.kind} onChange={(kind) => update({ kind })} />
          <FilterField
            label="Horizon"
            options={HORIZONS}
            value={query.horizon}
            onChange={(horizon) => update({ horizon })}
          />
        </InlineFieldRow>
      )}
      {view === 'whatif' && (
        <InlineFieldRow>
          <WhatIfActions actions={query.actions ?? []} onChange={(actions) => update({ actions })} />
          <InlineField label="Horizon" labelWidth={10} tooltip="How far ahead to simulate, in minutes">
            <Input
              type="number"
              width={10}
              min={1}
              max={10080}
              aria-label="Horizon minutes"
              suffix="min"
              defaultValue={query.horizonMinutes ?? DEFAULT_WHATIF_HORIZON_MINUTES}
              onBlur={(e) => update({ horizonMinutes: Number(e.currentTarget.value) || undefined })}
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {(view === 'anomaly_score' || view === 'failure_probability') && (
        <InlineFieldRow>
          <InlineField label="Live" labelWidth={10} tooltip="Keep the panel live from the sidecar's stream">
            <InlineSwitch value={Boolean(query.stream)} onChange={(e) => update({ stream: e.currentTarget.checked })} />
          </InlineField>
        </InlineFieldRow>
      )}
    </div>
  );
}

/** A filter of the failure probabilities: '' (the first option) keeps every value. */
function FilterField(props: {
  label: string;
  options: Array<ComboboxOption<string>>;
  value: string | undefined;
  onChange: (value: string) => void;
}) {
  const id = `twin-query-${props.label.toLowerCase()}`;
  return (
    <InlineField label={props.label} labelWidth={10} htmlFor={id}>
      <Combobox
        width={16}
        id={id}
        options={props.options}
        value={props.value ?? ''}
        onChange={(v) => props.onChange(v.value)}
      />
    </InlineField>
  );
}

/** The actions of a what-if query: each one on or off, the sized ones with their percent. */
function WhatIfActions(props: { actions: WhatIfAction[]; onChange: (actions: WhatIfAction[]) => void }) {
  const chosen = (type: WhatIfAction['type']) => props.actions.find((a) => a.type === type);
  const toggle = (type: WhatIfAction['type'], sized: boolean, on: boolean) =>
    props.onChange(
      on
        ? [...props.actions, (sized ? { type, percent: 50 } : { type }) as WhatIfAction]
        : props.actions.filter((a) => a.type !== type)
    );
  const resize = (type: WhatIfAction['type'], percent: number) =>
    props.onChange(props.actions.map((a) => (a.type === type ? ({ type, percent } as WhatIfAction) : a)));
  return (
    <InlineField label="Actions" labelWidth={10} tooltip="What to simulate; the sized ones by how much">
      <Stack direction="row" gap={1.5} alignItems="center">
        {ACTION_TYPES.map((a) => {
          const action = chosen(a.type);
          return (
            <Stack key={a.type} direction="row" gap={0.5} alignItems="center">
              <Checkbox
                label={a.label}
                value={Boolean(action)}
                onChange={(e) => toggle(a.type, a.sized, e.currentTarget.checked)}
              />
              {a.sized && action && 'percent' in action && (
                <Input
                  type="number"
                  width={8}
                  min={1}
                  max={400}
                  suffix="%"
                  aria-label={`${a.label} percent`}
                  defaultValue={action.percent}
                  onBlur={(e) => resize(a.type, Number(e.currentTarget.value))}
                />
              )}
            </Stack>
          );
        })}
      </Stack>
    </InlineField>
  );
}
