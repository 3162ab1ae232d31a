import React, { useEffect, useState } from 'react';
import { PluginPage } from '@grafana/runtime';
import { Alert, InteractiveTable, LoadingPlaceholder } from '@grafana/ui';
import { listInstances } from '../api/client';
import type { InstanceSummary } from '../api/types';
import { testIds } from '../components/testIds';

export interface FleetRow {
  id: string;
  host: string;
  status: string;
  twin: string;
  risk: string;
  lastSeen: string;
}

/** One row per instance: what the Fleet table shows (pure, unit-tested). */
export function toFleetRows(instances: InstanceSummary[]): FleetRow[] {
  return instances.map((i) => {
    const risks = Object.entries(i.failureProbability);
    const worst = risks.sort((a, b) => b[1] - a[1])[0];
    return {
      id: i.id,
      host: i.labels.host ?? '',
      status: i.status,
      twin: 'version' in i.twin ? i.twin.version : `ready in ${i.twin.readyInSeconds}s`,
      risk: worst ? `${worst[0]} ${(100 * worst[1]).toFixed(0)}%` : '-',
      lastSeen: i.lastSeen,
    };
  });
}

const columns = [
  { id: 'id', header: 'Instance' },
  { id: 'host', header: 'Host' },
  { id: 'status', header: 'Status' },
  { id: 'twin', header: 'Twin' },
  { id: 'risk', header: 'Failure risk' },
  { id: 'lastSeen', header: 'Last seen' },
];

function Fleet() {
  const [rows, setRows] = useState<FleetRow[] | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    listInstances()
      .then((items) => setRows(toFleetRows(items)))
      .catch((err: Error) => setError(err.message ?? String(err)));
  }, []);

  return (
    <PluginPage>
      <div data-testid={testIds.fleet.container}>
        {error && (
          <Alert title="The Twin sidecar could not be reached" severity="error">
            {error}
          </Alert>
        )}
        {!rows && !error && <LoadingPlaceholder text="Loading instances" />}
        {rows && <InteractiveTable columns={columns} data={rows} getRowId={(r: FleetRow) => r.id} />}
      </div>
    </PluginPage>
  );
}

export default Fleet;
