import { DataSourcePlugin } from '@grafana/data';
import { TwinDataSource } from './datasource';
import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import type { TwinDataSourceOptions, TwinQuery } from './types';

export const plugin = new DataSourcePlugin<TwinDataSource, TwinQuery, TwinDataSourceOptions>(TwinDataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
