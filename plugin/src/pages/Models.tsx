import React, { useCallback, useEffect, useState } from 'react';
import { PluginPage } from '@grafana/runtime';
import { Alert, Badge, Button, Combobox, LoadingPlaceholder } from '@grafana/ui';
import { sidecar } from '../api/client';
import type { ModelVersion } from '../api/types';

/** Per instance: every model version with its figures, the champion, challengers and why they were rejected; promote and roll back (admin). */
function Models() {
  const [instances, setInstances] = useState<string[]>([]);
  const [instance, setInstance] = useState<string | undefined>();
  const [versions, setVersions] = useState<ModelVersion[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();

  useEffect(() => {
    sidecar
      .instances()
      .then((p) => {
        setInstances(p.items.map((i) => i.id));
        setInstance((current) => current ?? p.items[0]?.id);
      })
      .catch((err: Error) => setError(err.message));
  }, []);

  const load = useCallback(() => {
    if (!instance) {
      return;
    }
    sidecar
      .models(instance)
      .then((r) => setVersions(r.items))
      .catch((err: Error) => setError(err.message));
  }, [instance]);
  useEffect(load, [load]);

  const act = async (what: () => Promise<unknown>, done: string) => {
    setError(undefined);
    try {
      await what();
      setNotice(done);
      load();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <PluginPage>
      <div data-testid="models-page">
        <Combobox
          width={40}
          options={instances.map((i) => ({ label: i, value: i }))}
          value={instance ?? null}
          onChange={(v) => setInstance(v?.value)}
          placeholder="instance"
        />
        {error && (
          <Alert title="The sidecar refused or could not be reached" severity="error">
            {error}
          </Alert>
        )}
        {notice && <Alert title={notice} severity="success" onRemove={() => setNotice(undefined)} />}
        {!versions && !error && <LoadingPlaceholder text="Loading model versions" />}
        {versions && instance && (
          <>
            <Button
              variant="secondary"
              icon="history"
              onClick={() => act(() => sidecar.rollback(instance), `${instance} rolled back`)}
              data-testid="models-rollback"
            >
              Roll back to the previous champion
            </Button>
            <table className="filter-table" data-testid="models-table">
              <thead>
                <tr>
                  <th>Version</th>
                  <th>Kind</th>
                  <th>Created</th>
                  <th>Validation error</th>
                  <th>Training</th>
                  <th>Status</th>
                  <th>Why</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {versions.map((v) => (
                  <tr key={v.version} data-testid={`model-${v.version}`}>
                    <td>{v.version}</td>
                    <td>{v.kind}</td>
                    <td>{new Date(v.createdAt).toISOString().slice(0, 16).replace('T', ' ')}</td>
                    <td>{v.validationError.toFixed(3)}</td>
                    <td>{(v.trainingMs / 1000).toFixed(1)} s</td>
                    <td>
                      {v.champion ? (
                        <Badge text="champion" color="green" />
                      ) : (
                        <Badge
                          text={v.decision?.status ?? 'challenger'}
                          color={v.decision?.status === 'rejected' ? 'red' : 'blue'}
                        />
                      )}
                    </td>
                    <td>{v.decision?.reason ?? ''}</td>
                    <td>
                      {!v.champion && (
                        <Button
                          size="sm"
                          onClick={() => act(() => sidecar.promote(instance, v.version), `${v.version} promoted`)}
                        >
                          Promote
                        </Button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </div>
    </PluginPage>
  );
}

export default Models;
