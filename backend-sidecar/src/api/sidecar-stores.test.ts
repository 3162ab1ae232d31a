import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startInfluxDB1, type TestServer } from '../store/test-servers.ts';
import { InfluxDBv1Store } from '../store/index.ts';
import { loadConfig } from '../core/config.ts';
import { startTestSidecar } from './test-helpers.ts';

let influx: TestServer;
before(async () => {
  influx = await startInfluxDB1();
});
after(() => influx.stop());

test(
  'TWIN_METRIC_STORE=influxdb1 keeps ingested metrics in InfluxDB and reads them back through the API',
  { timeout: 60_000 },
  async () => {
    const sidecar = await startTestSidecar(
      {},
      { TWIN_METRIC_STORE: 'influxdb1', TWIN_INFLUX_URL: influx.url, TWIN_INFLUX_DB: 'fleet' }
    );
    const t = Date.now() - 60_000;
    const res = await fetch(`${sidecar.url}/write?precision=ms`, {
      method: 'POST',
      body: `cpu,host=tg-1 usage_user=10 ${t}\ncpu,host=tg-1 usage_user=20 ${t + 1000}`,
    });
    assert.equal(res.status, 204);
    await sidecar.ingest.drain();
    const direct = await new InfluxDBv1Store({ url: influx.url, database: 'fleet' }).readWindow('tg-1', {
      from: t,
      to: t + 2000,
    });
    assert.deepEqual(Array.from(direct.values[0]!), [10, 20]);
    const api = (await (await fetch(`${sidecar.url}/api/v1/series?instance=tg-1&from=${t}&to=${t + 2000}`)).json()) as {
      series: Record<string, number[]>;
    };
    assert.deepEqual(api.series.cpu_usage_user, [10, 20]);
    await sidecar.stop();
  }
);

test('each metric store names the keys it needs', () => {
  assert.throws(
    () => loadConfig({ TWIN_METRIC_STORE: 'influxdb2', TWIN_INFLUX_URL: 'http://x' }),
    /TWIN_INFLUX_TOKEN: required when TWIN_METRIC_STORE=influxdb2/
  );
  assert.throws(() => loadConfig({ TWIN_METRIC_STORE: 'prometheus' }), /TWIN_PROMETHEUS_URL: required/);
  assert.throws(
    () => loadConfig({ TWIN_METRIC_STORE: 'mysql' }),
    /expected duckdb, influxdb1, influxdb2 or prometheus/
  );
});
