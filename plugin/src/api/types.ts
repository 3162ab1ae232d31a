/**
 * Shapes of the sidecar's API as the plugin reads them. A test in the sidecar turns its OpenAPI
 * document into types and checks these against them, so they never expect what is not served.
 */
export interface FailurePrediction {
  kind: string;
  horizonMs: number;
  probability: number;
  interval: [number, number];
  confidence: number;
  /** No failure of this kind recorded yet: the prior speaks. */
  prior: boolean;
}

export interface InstanceSummary {
  id: string;
  labels: Record<string, string>;
  firstSeen: string;
  lastSeen: string;
  samples: number;
  status: 'live' | 'stale';
  /** forecast: how the twin forecasts ahead (direct horizon heads, or rolled forward while its window is too short); absent from older sidecars. */
  twin:
    | { version: string; trainedAt: string; forecast?: 'direct' | 'rolled forward' | 'none' }
    | { readyInSeconds: number };
  anomalyScore: number | null;
  failureProbability: Record<string, number>;
  failurePredictions: FailurePrediction[];
}

export interface Page<T> {
  items: T[];
  total: number;
}

/** GET /api/v1/series: the actual values, and with twin=true what the twin made of them. */
export interface SeriesResponse {
  instance: string;
  ts: number[];
  series: Record<string, Array<number | null>>;
  twin?: {
    version: string;
    stepMs: number;
    ts: number[];
    predicted: Record<string, Array<number | null>>;
    lower: Record<string, Array<number | null>>;
    upper: Record<string, Array<number | null>>;
    score: Record<string, Array<number | null>>;
    /** Per metric: past its thresholds as a surprise or in level, whichever is more (above 1 is flagged). */
    ratio?: Record<string, Array<number | null>>;
  };
}

export interface RootCause {
  resource: string;
  /** Share of the incident's weight. */
  score: number;
  metrics: string[];
  findings: Array<{ id: string; title: string; severity: string }>;
  evidence: string[];
}

export interface Incident {
  id: string;
  instance: string;
  start: number;
  end: number;
  open: boolean;
  peakScore: number;
  severity: 'warning' | 'critical';
  metrics: Array<{ metric: string; contribution: number }>;
  rootCauses: RootCause[];
  /** Set when it began at the time of day of the instance's incidents on `days` of the last week (a daily job). */
  recurring?: { days: number };
}

export interface ModelVersion {
  instance: string;
  version: string;
  kind: string;
  parent?: string;
  createdAt: number;
  validationError: number;
  trainingMs: number;
  champion: boolean;
  decision?: {
    status: 'champion' | 'challenger' | 'rejected';
    reason: string;
    trigger?: string;
    candidateError?: number;
    championError?: number;
    decidedAt: number;
  };
}

export type WhatIfAction =
  | { type: 'add-memory'; percent: number }
  | { type: 'add-cpu'; percent: number }
  | { type: 'expand-disk'; percent: number }
  | { type: 'migrate-host' }
  | { type: 'restart' };

export interface SimulatedRun {
  probability: Record<string, number>;
  interval: Record<string, [number, number]>;
  confidence: number;
  trajectories: Record<string, { values: number[]; error: number }>;
}

export interface WhatIfResponse {
  instance: string;
  model: string;
  horizonMs: number;
  from: number;
  stepMs: number;
  steps: number;
  without: SimulatedRun;
  with: SimulatedRun;
  drop: Record<string, number>;
}

export interface ReportFinding {
  id: string;
  title: string;
  severity: string;
  count: number;
  resources: string[];
  actions: string[];
  evidence: string[];
}

export interface ReportSummary {
  id: string;
  instance: string;
  time: number;
  status: Record<string, unknown>;
  overall: 'ok' | 'warning' | 'critical';
  reasons: string[];
  findings: ReportFinding[];
}

/** A recommended action, ranked by how much it lowers the failure probability in the what-if. */
export interface Recommendation {
  action: WhatIfAction;
  probability: number;
  drop: number;
  confidence: number;
}
