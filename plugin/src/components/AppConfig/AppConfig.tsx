import React, { ChangeEvent, useState } from 'react';
import { lastValueFrom } from 'rxjs';
import { css } from '@emotion/css';
import { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { Button, Field, FieldSet, Input, SecretInput, useStyles2 } from '@grafana/ui';
import { testIds } from '../testIds';

type AppPluginSettings = {
  sidecarUrl?: string;
};

type State = {
  // The URL to reach our custom API.
  sidecarUrl: string;
  // Tells us if the API key secret is set.
  isSidecarTokenSet: boolean;
  // A secret key for our custom API.
  sidecarToken: string;
};

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppPluginSettings>> {}

const AppConfig = ({ plugin }: AppConfigProps) => {
  const s = useStyles2(getStyles);
  const { enabled, pinned, jsonData, secureJsonFields } = plugin.meta;
  const [state, setState] = useState<State>({
    sidecarUrl: jsonData?.sidecarUrl || '',
    sidecarToken: '',
    isSidecarTokenSet: Boolean(secureJsonFields?.sidecarToken),
  });

  const isSubmitDisabled = !state.sidecarUrl;

  const onResetSidecarToken = () =>
    setState({
      ...state,
      sidecarToken: '',
      isSidecarTokenSet: false,
    });

  const onChange = (event: ChangeEvent<HTMLInputElement>) => {
    setState({
      ...state,
      [event.target.name]: event.target.value.trim(),
    });
  };

  const onSubmit = () => {
    if (isSubmitDisabled) {
      return;
    }

    updatePluginAndReload(plugin.meta.id, {
      enabled,
      pinned,
      jsonData: {
        sidecarUrl: state.sidecarUrl,
      },
      // This cannot be queried later by the frontend.
      // We don't want to override it in case it was set previously and left untouched now.
      secureJsonData: state.isSidecarTokenSet
        ? undefined
        : {
            sidecarToken: state.sidecarToken,
          },
    });
  };

  return (
    <form onSubmit={onSubmit}>
      <FieldSet label="Twin sidecar">
        <Field
          label="API Key"
          description="Bearer token with the read scope (leave empty for a sidecar on loopback without tokens)"
        >
          <SecretInput
            width={60}
            id="config-api-key"
            data-testid={testIds.appConfig.sidecarToken}
            name="sidecarToken"
            value={state.sidecarToken}
            isConfigured={state.isSidecarTokenSet}
            placeholder={'Sidecar token'}
            onChange={onChange}
            onReset={onResetSidecarToken}
          />
        </Field>

        <Field label="Sidecar URL" description="" className={s.marginTop}>
          <Input
            width={60}
            name="sidecarUrl"
            id="config-api-url"
            data-testid={testIds.appConfig.sidecarUrl}
            value={state.sidecarUrl}
            placeholder={`http://127.0.0.1:7788`}
            onChange={onChange}
          />
        </Field>

        <div className={s.marginTop}>
          <Button type="submit" data-testid={testIds.appConfig.submit} disabled={isSubmitDisabled}>
            Save sidecar settings
          </Button>
        </div>
      </FieldSet>
    </form>
  );
};

export default AppConfig;

const getStyles = (theme: GrafanaTheme2) => ({
  colorWeak: css`
    color: ${theme.colors.text.secondary};
  `,
  marginTop: css`
    margin-top: ${theme.spacing(3)};
  `,
});

const updatePluginAndReload = async (pluginId: string, data: Partial<PluginMeta<AppPluginSettings>>) => {
  try {
    await updatePlugin(pluginId, data);

    // Reloading the page as the changes made here wouldn't be propagated to the actual plugin otherwise.
    // This is not ideal, however unfortunately currently there is no supported way for updating the plugin state.
    window.location.reload();
  } catch (e) {
    console.error('Error while updating the plugin', e);
  }
};

const updatePlugin = async (pluginId: string, data: Partial<PluginMeta>) => {
  const response = await getBackendSrv().fetch({
    url: `/api/plugins/${pluginId}/settings`,
    method: 'POST',
    data,
  });

  return lastValueFrom(response);
};
