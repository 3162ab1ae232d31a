/** Shapes of the sidecar's API (GET /api/v1/instances), as the sidecar serves them. */
export interface InstanceSummary {
  id: string;
  labels: Record<string, string>;
  firstSeen: string;
  lastSeen: string;
  samples: number;
  status: 'live' | 'stale';
  twin: { version: string; trainedAt: string } | { readyInSeconds: number };
  anomalyScore: number | null;
  failureProbability: Record<string, number>;
}

export interface Page<T> {
  items: T[];
  total: number;
}
