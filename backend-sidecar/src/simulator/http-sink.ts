import type { FailureEvent, InstanceLabels, Sample } from '../core/types.ts';
import type { SimulatorSink } from './fleet-simulator.ts';

/** Sends simulated samples and failures to a sidecar over its HTTP API, exactly as an agent and an operator would. */
export class HttpSink implements SimulatorSink {
  constructor(
    private readonly baseUrl: string,
    private readonly token?: string
  ) {}

  private async post(path: string, body: unknown): Promise<void> {
    const response = await fetch(new URL(path, this.baseUrl), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
    }
  }

  writeSamples(instance: string, labels: InstanceLabels, samples: Sample[]): Promise<void> {
    return this.post('/api/v1/ingest', {
      instance,
      labels,
      samples: samples.map((s) => ({ ts: s.ts, values: s.values })),
    });
  }

  recordFailure(failure: Omit<FailureEvent, 'id'> & { id: string }): Promise<void> {
    return this.post('/api/v1/failures', failure);
  }
}
