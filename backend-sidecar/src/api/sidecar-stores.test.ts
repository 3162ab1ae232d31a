import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startInfluxDB1, type TestServer } from '../testing/test-servers.ts';
import { InfluxDBv1Store } from '../store/index.ts';
import { loadConfig } from '../core/config.ts';
import { startTestSidecar } from '../testing/test-sidecar.ts';

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

test(
  "with InfluxDB as the metric store, the twins' outputs are written back beside the instance's series",
  { timeout: 60_000 },
  async () => {
    const sidecar = await startTestSidecar(
      {},
      { TWIN_METRIC_STORE: 'influxdb1', TWIN_INFLUX_URL: influx.url, TWIN_INFLUX_DB: 'outputs' }
    );
    try {
      assert.equal(sidecar.config.writeBack, true);
      const now = Date.now();
      await sidecar.ingest.ingest({ instance: 'wb-1', samples: [{ ts: now - 1000, values: { mem_used_pct: 40 } }] });
      await sidecar.ingest.drain();
      while (!sidecar.instances.get('wb-1')) await new Promise((r) => setTimeout(r, 20));
      await sidecar.predictFailures(now);
      const series = await new InfluxDBv1Store({ url: influx.url, database: 'outputs' }).readWindow('wb-1', {
        from: now - 1,
        to: now + 1,
      });
      const written = series.metrics.filter((m) => m.startsWith('twin_')).sort();
      assert.deepEqual(written, [
        'twin_failure_probability.kind_crash.horizon_1440m',
        'twin_failure_probability.kind_crash.horizon_60m',
        'twin_failure_probability.kind_outage.horizon_1440m',
        'twin_failure_probability.kind_outage.horizon_60m',
      ]);
      const p = series.values[series.metrics.indexOf('twin_failure_probability.kind_crash.horizon_60m')]![0]!;
      assert.ok(p > 0 && p < 0.05, `${p}`);
    } finally {
      await sidecar.stop();
    }
  }
);

test('the embedded store does not get the outputs written back unless asked (the API serves them)', () => {
  assert.equal(loadConfig({}).writeBack, false);
  assert.equal(loadConfig({ TWIN_WRITE_BACK: '1' }).writeBack, true);
});
