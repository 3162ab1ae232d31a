import React, { useEffect, useState } from 'react';
import { PluginPage } from '@grafana/runtime';
import { Alert, Badge, LoadingPlaceholder } from '@grafana/ui';
import { sidecar } from '../api/client';
import type { ReportSummary } from '../api/types';

const color = (overall: string) => (overall === 'critical' ? 'red' : overall === 'warning' ? 'orange' : 'green');

/** Operating information reports, newest first, with their status and findings. */
function Reports() {
  const [reports, setReports] = useState<ReportSummary[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    sidecar
      .reports()
      .then((p) => setReports(p.items))
      .catch((err: Error) => setError(err.message));
  }, []);
  return (
    <PluginPage>
      <div data-testid="reports-page">
        {error && (
          <Alert title="The Twin sidecar could not be reached" severity="error">
            {error}
          </Alert>
        )}
        {!reports && !error && <LoadingPlaceholder text="Loading reports" />}
        {reports && reports.length === 0 && <p>No operating information reports yet (twin-agent report sends one).</p>}
        {reports && reports.length > 0 && (
          <table className="filter-table" data-testid="reports-table">
            <thead>
              <tr>
                <th>Time</th>
                <th>Instance</th>
                <th>Status</th>
                <th>Findings</th>
              </tr>
            </thead>
            <tbody>
              {reports.map((r) => (
                <tr key={r.id}>
                  <td>{new Date(r.time).toISOString().slice(0, 19).replace('T', ' ')}</td>
                  <td>{r.instance}</td>
                  <td>
                    <Badge text={r.overall} color={color(r.overall)} tooltip={r.reasons.join('; ')} />
                  </td>
                  <td>
                    {r.findings.length === 0 && 'none'}
                    {r.findings.map((f) => (
                      <div key={f.id}>
                        <strong>{f.title}</strong> ({f.severity}, {f.count} line{f.count === 1 ? '' : 's'}):{' '}
                        {f.evidence[0] ?? ''}
                      </div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </PluginPage>
  );
}

export default Reports;
