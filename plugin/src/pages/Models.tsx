import React, { useCallback, useEffect, useState } from 'react';
import { config, PluginPage } from '@grafana/runtime';
import { Alert, Badge, Button, Combobox, Field, LoadingPlaceholder } from '@grafana/ui';
import { sidecar } from '../api/client';
import type { ModelVersion } from '../api/types';

/**
 * What a version is now and why: the champion, a former champion, or a challenger (kept or
 * rejected, with the decision's reason); a champion promoted against the decision says so.
 */
export function versionStatus(v: ModelVersion): {
  label: string;
  color: 'green' | 'blue' | 'red' | 'purple';
  why: string;
} {
  const reason = v.decision?.reason ?? '';
  const decided = v.decision?.status ?? 'challenger';
  if (v.champion) {
    return {
      label: 'champion',
      color: 'green',
      why: decided === 'champion' ? reason : `promoted by an operator (${reason})`,
    };
  }
  if (decided === 'champion') {
    return { label: 'former champion', color: 'purple', why: reason };
  }
  return { label: decided, color: decided === 'rejected' ? 'red' : 'blue', why: reason };
}

/** Whether there is a champion to roll back to: a version that was the champion before the one now. */
export const canRollBack = (versions: ModelVersion[]) =>
  versions.some((v) => !v.champion && v.decision?.status === 'champion');

/** Promoting and rolling back change what every operator sees: Grafana admins only (the sidecar also asks for its admin scope). */
export const canManageModels = () =>
  config.bootData?.user?.orgRole === 'Admin' || Boolean(config.bootData?.user?.isGrafanaAdmin);

/** Per instance: every model version with its figures, the champion, challengers and why they were rejected; promote and roll back (admin). */
function Models() {
  const [instances, setInstances] = useState<string[]>([]);
  const [instance, setInstance] = useState<string | undefined>();
  const [versions, setVersions] = useState<ModelVersion[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const admin = canManageModels();

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
        <Field label="Instance" description="The instance whose model versions are shown">
          <Combobox
            id="models-instance"
            width={40}
            options={instances.map((i) => ({ label: i, value: i }))}
            value={instance ?? null}
            onChange={(v) => setInstance(v?.value)}
            placeholder="Choose an instance"
          />
        </Field>
        {error && (
          <Alert title="The sidecar refused or could not be reached" severity="error">
            {error}
          </Alert>
        )}
        {notice && <Alert title={notice} severity="success" onRemove={() => setNotice(undefined)} />}
        {!versions && !error && <LoadingPlaceholder text="Loading model versions" />}
        {versions && instance && (
          <>
            {admin ? (
              <Button
                variant="secondary"
                icon="history"
                disabled={!canRollBack(versions)}
                tooltip={canRollBack(versions) ? undefined : 'No earlier champion to go back to'}
                onClick={() => act(() => sidecar.rollback(instance), `${instance} rolled back`)}
                data-testid="models-rollback"
              >
                Roll back to the previous champion
              </Button>
            ) : (
              <p data-testid="models-admin-only">Promoting and rolling back models is for admins.</p>
            )}
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
                      <Badge text={versionStatus(v).label} color={versionStatus(v).color} />
                    </td>
                    <td>{versionStatus(v).why}</td>
                    <td>
                      {admin && !v.champion && (
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
