import React from 'react';
import { render, screen } from '@testing-library/react';
import { PluginType } from '@grafana/data';
import AppConfig, { AppConfigProps } from './AppConfig';
import { testIds } from 'components/testIds';

describe('Components/AppConfig', () => {
  let props: AppConfigProps;

  beforeEach(() => {
    jest.resetAllMocks();

    props = {
      plugin: {
        meta: {
          id: 'sample-app',
          name: 'Sample App',
          type: PluginType.app,
          enabled: true,
          jsonData: {},
        },
      },
      query: {},
    } as unknown as AppConfigProps;
  });

  test('renders the "Twin sidecar" fieldset with the sidecar URL, token and save button', () => {
    const plugin = { meta: { ...props.plugin.meta, enabled: false } };

    // @ts-ignore - We don't need to provide `addConfigPage()` and `setChannelSupport()` for these tests
    render(<AppConfig plugin={plugin} query={props.query} />);

    expect(screen.queryByRole('group', { name: /twin sidecar/i })).toBeInTheDocument();
    expect(screen.queryByTestId(testIds.appConfig.sidecarToken)).toBeInTheDocument();
    expect(screen.queryByTestId(testIds.appConfig.sidecarUrl)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /save sidecar settings/i })).toBeInTheDocument();
  });
});
