/** One observation of an instance: a timestamp (ms since epoch) and metric values by name. */
export interface Sample {
  instance: string;
  ts: number;
  values: Record<string, number>;
}

/** Labels that identify where an instance runs; carried with its samples. */
export interface InstanceLabels {
  host?: string;
  zone?: string;
  service?: string;
  source?: string;
  [key: string]: string | undefined;
}

export type FailureKind = 'crash' | 'outage';
export type Resource = 'memory' | 'cpu' | 'disk' | 'network' | 'host';

/** A failure that happened: recorded by an operator, the simulator or a flagged report. */
export interface FailureEvent {
  id: string;
  instance: string;
  ts: number;
  kind: FailureKind;
  cause?: Resource | undefined;
  source: string;
  detail?: string | undefined;
}
