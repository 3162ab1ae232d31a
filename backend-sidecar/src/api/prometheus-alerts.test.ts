import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestSidecar } from '../testing/test-sidecar.ts';
import { startPrometheus, type TestServer } from '../testing/test-servers.ts';
import type { KindPrediction } from '../analysis/index.ts';
import type { Sidecar } from './sidecar.ts';

const PROVISIONING = fileURLToPath(new URL('../../../provisioning/prometheus/', import.meta.url));

let sidecar: Sidecar;
let prometheus: TestServer;

const prediction = (kind: 'crash' | 'outage', horizonMs: number, probability: number): KindPrediction =>
  ({ kind, horizonMs, probability, interval: [probability, probability], confidence: 0.5, prior: true }) as never;

before(async () => {
  sidecar = await startTestSidecar();
  // The failure predictions themselves are set here (training twins to the point of predicting a
  // crash takes minutes); what is under test is the path from /metrics through the provisioned
  // scrape configuration to the provisioned rules, evaluated by Prometheus on what it scraped.
  const predictions = (sidecar.analysis as unknown as { predictions: Map<string, KindPrediction[]> }).predictions;
  predictions.set('sim-001', [prediction('crash', 3_600_000, 0.92), prediction('outage', 3_600_000, 0.1)]);
  predictions.set('sim-002', [prediction('crash', 3_600_000, 0.81), prediction('outage', 3_600_000, 0.05)]);
  predictions.set('sim-003', [prediction('crash', 3_600_000, 0.02), prediction('outage', 3_600_000, 0.01)]);
  const port = new URL(sidecar.url).port;
  prometheus = await startPrometheus({
    // The provisioned file as it is, but for its target (this sidecar) and a faster clock.
    config: (dir) => {
      fs.copyFileSync(path.join(PROVISIONING, 'twin-rules.yml'), path.join(dir, 'twin-rules.yml'));
      return fs
        .readFileSync(path.join(PROVISIONING, 'prometheus.yml'), 'utf8')
        .replace(/scrape_interval: 15s/, 'scrape_interval: 1s')
        .replace(/evaluation_interval: 15s/, 'evaluation_interval: 1s')
        .replace("'127.0.0.1:7788'", `'127.0.0.1:${port}'`);
    },
  });
});
after(async () => {
  await prometheus?.stop();
  await sidecar?.stop();
});

interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
}

test('a real Prometheus scraping the sidecar with the provisioned configuration raises one alert per failing instance, named by it', async () => {
  let alerts: Alert[] = [];
  for (let waited = 0; waited < 30_000; waited += 500) {
    const body = (await (await fetch(`${prometheus.url}/api/v1/alerts`)).json()) as { data: { alerts: Alert[] } };
    alerts = body.data.alerts.filter((a) => a.labels.alertname === 'TwinCrashLikelyWithinHour');
    if (alerts.length >= 2) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  // Pending until their `for: 5m` has passed: one per failing instance, its `instance` the
  // instance's own id (honor_labels), not the sidecar's address.
  assert.deepEqual(alerts.map((a) => a.labels.instance).sort(), ['sim-001', 'sim-002']);
  for (const alert of alerts) {
    assert.equal(alert.labels.job, 'twin-sidecar');
    assert.equal(alert.labels.severity, 'critical');
    assert.equal(alert.labels.exported_instance, undefined);
    assert.equal(alert.annotations.summary, `${alert.labels.instance} is likely to crash within the hour`);
  }
  // The instance dashboard's query finds the instance's own series.
  const query = encodeURIComponent('twin_failure_probability{instance="sim-003", kind="crash", horizon="60m"}');
  const result = (await (await fetch(`${prometheus.url}/api/v1/query?query=${query}`)).json()) as {
    data: { result: { value: [number, string] }[] };
  };
  assert.equal(result.data.result.length, 1);
  assert.equal(Number(result.data.result[0]!.value[1]), 0.02);
});
