import React, { type ChangeEvent } from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Field, FieldSet, Input, SecretInput } from '@grafana/ui';
import type { TwinDataSourceOptions, TwinSecureJsonData } from '../types';

type Props = DataSourcePluginOptionsEditorProps<TwinDataSourceOptions, TwinSecureJsonData>;

/** The sidecar's URL (as Grafana's server reaches it) and its token, kept in secureJsonData. */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields } = options;
  const secure = options.secureJsonData ?? {};
  return (
    <FieldSet label="Twin sidecar">
      <Field
        label="Sidecar URL"
        description="How Grafana's server reaches the sidecar, e.g. http://127.0.0.1:7788"
        required
        invalid={Boolean(jsonData.url) && !/^https?:\/\//.test(jsonData.url ?? '')}
        error="The URL starts with http:// or https://"
      >
        <Input
          width={50}
          id="twin-sidecar-url"
          data-testid="twin-ds-url"
          value={jsonData.url ?? ''}
          placeholder="http://127.0.0.1:7788"
          onChange={(e: ChangeEvent<HTMLInputElement>) =>
            onOptionsChange({ ...options, jsonData: { ...jsonData, url: e.currentTarget.value.trim() } })
          }
        />
      </Field>
      <Field
        label="Token"
        description="A sidecar token with the read scope (admin to promote or roll back models). Stored encrypted; the data proxy adds it."
      >
        <SecretInput
          width={50}
          id="twin-sidecar-token"
          data-testid="twin-ds-token"
          isConfigured={Boolean(secureJsonFields?.token)}
          value={secure.token ?? ''}
          placeholder="leave empty for a loopback sidecar without tokens"
          onChange={(e: ChangeEvent<HTMLInputElement>) =>
            onOptionsChange({ ...options, secureJsonData: { ...secure, token: e.currentTarget.value } })
          }
          onReset={() =>
            onOptionsChange({
              ...options,
              secureJsonFields: { ...secureJsonFields, token: false },
              secureJsonData: { ...secure, token: '' },
            })
          }
        />
      </Field>
    </FieldSet>
  );
}
