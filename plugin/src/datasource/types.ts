import type { DataQuery, DataSourceJsonData } from '@grafana/schema';
import type { WhatIfAction } from '../api/types';

/** What a query shows of an instance. */
export type TwinView =
  | 'twin' // actual, predicted, the band and the anomaly score of each metric, in one frame per metric
  | 'actual' // the actual values only
  | 'anomaly_score' // the instance's anomaly score
  | 'failure_probability' // failure probability per kind and horizon, with its interval and confidence
  | 'incidents' // incidents as annotations (time, end, title, root causes)
  | 'whatif' // the twin run forward with and without the query's actions: risk and trajectories
  | 'instances'; // the fleet as a table

export const VIEWS: Array<{ value: TwinView; label: string; description: string }> = [
  { value: 'twin', label: 'Twin', description: 'actual against predicted, with the adaptive band and the score' },
  { value: 'actual', label: 'Actual', description: 'the metric values as stored' },
  { value: 'anomaly_score', label: 'Anomaly score', description: "the instance's score (above 1 is anomalous)" },
  { value: 'failure_probability', label: 'Failure probability', description: 'per kind and horizon' },
  { value: 'incidents', label: 'Incidents', description: 'as annotations, with root causes' },
  { value: 'whatif', label: 'What-if', description: 'failure risk and trajectories with and without actions' },
  { value: 'instances', label: 'Instances', description: 'the fleet, one row per instance' },
];

export interface TwinQuery extends DataQuery {
  view: TwinView;
  /** An instance id, a template variable, or a label selector such as `host=h-1` (every match). */
  instance?: string;
  /** Metrics to show (empty: every metric of the twin). */
  metrics?: string[];
  /** For failure_probability: which kinds and horizon to keep (empty: all). */
  kind?: string;
  horizon?: string;
  /** For whatif: the actions to simulate, and how far ahead (minutes; default 60). */
  actions?: WhatIfAction[];
  horizonMinutes?: number;
  /** Keep the panel live from the sidecar's stream (anomaly_score and failure_probability). */
  stream?: boolean;
}

export const DEFAULT_QUERY: Partial<TwinQuery> = { view: 'twin', stream: false };

export interface TwinDataSourceOptions extends DataSourceJsonData {
  /** The sidecar's URL as Grafana's server reaches it, e.g. http://127.0.0.1:7788. */
  url?: string;
}

export interface TwinSecureJsonData {
  token?: string;
}

/** Template variable queries: `instances`, `instances(host=h-1)`, `metrics(web-1)`. */
export interface TwinVariableQuery {
  query: string;
}
