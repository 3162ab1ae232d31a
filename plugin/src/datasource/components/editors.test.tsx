import React from 'react';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { DataSourceSettings } from '@grafana/data';
import { ConfigEditor } from './ConfigEditor';
import { QueryEditor } from './QueryEditor';
import type { TwinDataSource } from '../datasource';
import type { TwinDataSourceOptions, TwinQuery } from '../types';

test('config editor: the URL goes to jsonData, the token to secureJsonData, and a bad URL is flagged', () => {
  const onOptionsChange = jest.fn();
  const options = { jsonData: {}, secureJsonFields: {} } as unknown as DataSourceSettings<TwinDataSourceOptions>;
  const { rerender } = render(<ConfigEditor options={options} onOptionsChange={onOptionsChange} />);
  fireEvent.change(screen.getByTestId('twin-ds-url'), { target: { value: ' http://127.0.0.1:7788 ' } });
  expect(onOptionsChange).toHaveBeenLastCalledWith(
    expect.objectContaining({ jsonData: { url: 'http://127.0.0.1:7788' } })
  );
  fireEvent.change(screen.getByTestId('twin-ds-token'), { target: { value: 's3cret' } });
  expect(onOptionsChange).toHaveBeenLastCalledWith(expect.objectContaining({ secureJsonData: { token: 's3cret' } }));
  rerender(
    <ConfigEditor options={{ ...options, jsonData: { url: '127.0.0.1:7788' } }} onOptionsChange={onOptionsChange} />
  );
  expect(screen.getByText('The URL starts with http:// or https://')).toBeInTheDocument();
});

test('query editor: lists the instances and their metrics from the datasource; kind and horizon for failure probability', async () => {
  const metricFindQuery = jest.fn(async (q: string) =>
    q === 'instances' ? [{ text: 'web-1', value: 'web-1' }] : [{ text: 'mem_used_pct', value: 'mem_used_pct' }]
  );
  const datasource = { metricFindQuery } as unknown as TwinDataSource;
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  const query: TwinQuery = { refId: 'A', view: 'twin', instance: 'web-1' };
  const { rerender } = render(
    <QueryEditor query={query} onChange={onChange} onRunQuery={onRunQuery} datasource={datasource} />
  );
  await waitFor(() => expect(metricFindQuery).toHaveBeenCalledWith('metrics(web-1)'));
  expect(metricFindQuery).toHaveBeenCalledWith('instances');
  expect(screen.getByText('Metrics')).toBeInTheDocument();
  expect(screen.getByLabelText('Show')).toHaveValue('Twin');
  expect(screen.getByLabelText('Instance')).toHaveValue('web-1');
  rerender(
    <QueryEditor
      query={{ ...query, view: 'failure_probability' }}
      onChange={onChange}
      onRunQuery={onRunQuery}
      datasource={datasource}
    />
  );
  expect(screen.getByText('Kind')).toBeInTheDocument();
  expect(screen.getByText('Horizon')).toBeInTheDocument();
  expect(screen.getByText('Live')).toBeInTheDocument();
  expect(screen.queryByText('Metrics')).toBeNull();
  expect(screen.getByLabelText('Kind')).toHaveValue('any kind');
});

test('query editor: a what-if query picks its actions, sized ones with their percent, and its horizon', async () => {
  const metricFindQuery = jest.fn(async () => []);
  const datasource = { metricFindQuery } as unknown as TwinDataSource;
  const onChange = jest.fn();
  const query: TwinQuery = { refId: 'A', view: 'whatif', instance: 'web-1' };
  const { rerender } = render(
    <QueryEditor query={query} onChange={onChange} onRunQuery={jest.fn()} datasource={datasource} />
  );
  await waitFor(() => expect(metricFindQuery).toHaveBeenCalledTimes(2));
  expect(screen.getByLabelText('Horizon minutes')).toHaveValue(60);
  fireEvent.click(screen.getByLabelText('Add memory'));
  expect(onChange).toHaveBeenLastCalledWith({ ...query, actions: [{ type: 'add-memory', percent: 50 }] });
  const chosen = { ...query, actions: [{ type: 'add-memory' as const, percent: 50 }] };
  rerender(<QueryEditor query={chosen} onChange={onChange} onRunQuery={jest.fn()} datasource={datasource} />);
  fireEvent.blur(screen.getByLabelText('Add memory percent'), { target: { value: '100' } });
  expect(onChange).toHaveBeenLastCalledWith({ ...query, actions: [{ type: 'add-memory', percent: 100 }] });
  fireEvent.click(screen.getByLabelText('Migrate host'));
  expect(onChange).toHaveBeenLastCalledWith({ ...chosen, actions: [...chosen.actions, { type: 'migrate-host' }] });
});
