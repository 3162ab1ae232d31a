import React, { useEffect, useMemo, useState } from 'react';
import { dateTimeFormat, dateTimeFormatTimeAgo } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, FilterInput, InteractiveTable, LoadingPlaceholder, TextLink, type Column } from '@grafana/ui';
import { sidecar } from '../api/client';
import { testIds } from '../components/testIds';
import { prefixRoute } from '../utils/utils.routing';
import { ROUTES } from '../constants';
import { filterRows, topCauses, toFleetRows, type FleetRow } from './fleetRows';

const columns: Array<Column<FleetRow>> = [
  {
    id: 'id',
    header: 'Instance',
    sortType: 'string',
    cell: ({ row }) => (
      <TextLink href={prefixRoute(`${ROUTES.Instance}/${encodeURIComponent(row.original.id)}`)} inline>
        {row.original.id}
      </TextLink>
    ),
  },
  { id: 'host', header: 'Host', sortType: 'string' },
  { id: 'status', header: 'Status', sortType: 'string' },
  { id: 'risk', header: 'Failure probability', sortType: 'number', cell: ({ row }) => row.original.riskLabel },
  { id: 'topCause', header: 'Top root cause', sortType: 'string' },
  { id: 'twin', header: 'Model version', sortType: 'string' },
  {
    id: 'lastSeen',
    header: 'Last seen',
    // ISO times sort as they read; shown as Grafana shows times: how long ago, the time itself on hover.
    sortType: 'string',
    cell: ({ row }) => (
      <span title={dateTimeFormat(row.original.lastSeen)}>{dateTimeFormatTimeAgo(row.original.lastSeen)}</span>
    ),
  },
  {
    id: 'dashboard',
    header: '',
    cell: ({ row }) => (
      <TextLink href={`/d/twin-instance/twin-instance?var-instance=${encodeURIComponent(row.original.id)}`} inline>
        dashboard
      </TextLink>
    ),
  },
];

/** Every instance with its status, failure probability, top root cause and model version; sortable and filterable. */
function Fleet() {
  const [rows, setRows] = useState<FleetRow[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [filter, setFilter] = useState('');

  useEffect(() => {
    Promise.all([sidecar.instances(), sidecar.incidents().catch(() => ({ items: [] }))])
      .then(([instances, incidents]) => setRows(toFleetRows(instances.items, topCauses(incidents.items))))
      .catch((err: Error) => setError(err.message ?? String(err)));
  }, []);
  const shown = useMemo(() => (rows ? filterRows(rows, filter) : undefined), [rows, filter]);

  return (
    <PluginPage>
      <div data-testid={testIds.fleet.container}>
        {error && (
          <Alert title="The Twin sidecar could not be reached" severity="error">
            {error}
          </Alert>
        )}
        {!rows && !error && <LoadingPlaceholder text="Loading instances" />}
        {shown && (
          <>
            <FilterInput
              escapeRegex={false}
              placeholder="Filter instances, hosts, causes"
              value={filter}
              onChange={setFilter}
              data-testid="fleet-filter"
            />
            <InteractiveTable columns={columns} data={shown} getRowId={(r: FleetRow) => r.id} />
          </>
        )}
      </div>
    </PluginPage>
  );
}

export default Fleet;
