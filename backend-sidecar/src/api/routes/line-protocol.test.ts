import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { InfluxDB, Point } from '@influxdata/influxdb-client';
import type { Sidecar } from '../sidecar.ts';
import { startTestSidecar } from '../../testing/test-sidecar.ts';

let sidecar: Sidecar;
before(async () => {
  sidecar = await startTestSidecar();
});
after(() => sidecar.stop());

const now = Date.now();

test('the official InfluxDB client writes to /api/v2/write and every point is stored', async () => {
  const writeApi = new InfluxDB({ url: sidecar.url, token: 'unused' }).getWriteApi('org', 'bucket', 'ms');
  for (let i = 0; i < 50; i++) {
    writeApi.writePoint(
      new Point('mem')
        .tag('host', 'influx-client-1')
        .floatField('used_percent', 40 + i)
        .timestamp(now - 50_000 + i * 1000)
    );
  }
  await writeApi.close();
  await sidecar.ingest.drain();
  const w = await sidecar.readWindow('influx-client-1', now - 60_000, now);
  assert.equal(w.ts.length, 50);
  assert.deepEqual(w.metrics, ['mem_used_percent']);
  assert.equal(w.values[0]![49], 89);
});

test('Telegraf-format payloads on /write, gzip-compressed, second precision', async () => {
  const s = Math.floor(now / 1000) - 10;
  const body = [
    `cpu,cpu=cpu-total,host=telegraf-1 usage_user=11.5,usage_system=2.25,usage_iowait=0.5,usage_steal=0 ${s}`,
    `mem,host=telegraf-1 available_percent=61.2,used_percent=38.8,total=8589934592i ${s}`,
    `diskio,host=telegraf-1,name=vda reads=1234i,writes=5678i,read_bytes=40960i,write_bytes=81920i ${s}`,
    `system,host=telegraf-1 load1=0.42,n_cpus=2i,uptime_format="1 day, 2:03" ${s}`,
  ].join('\n');
  const res = await fetch(`${sidecar.url}/write?db=telegraf&precision=s`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=utf-8', 'content-encoding': 'gzip' },
    body: gzipSync(body),
  });
  assert.equal(res.status, 204, await res.text());
  await sidecar.ingest.drain();
  const series = await sidecar.readWindow('telegraf-1', s * 1000, s * 1000 + 1);
  assert.ok(series.metrics.includes('cpu_usage_steal.cpu_cpu_total'));
  assert.ok(series.metrics.includes('diskio_write_bytes.name_vda'));
  assert.equal(series.metrics.length, 4 + 3 + 4 + 2);
});

test('a batch with one bad line is refused whole, naming the line and column', async () => {
  const body = `m,host=mixed-1 v=1 ${now}000000\nm,host=mixed-1 v=oops ${now}000000\n`;
  const res = await fetch(`${sidecar.url}/api/v2/write?org=o&bucket=b`, { method: 'POST', body });
  assert.equal(res.status, 400);
  const problem = (await res.json()) as { detail: string; where: string };
  assert.equal(problem.where, 'body/line/2/column/18');
  assert.match(problem.detail, /line 2, column 18: field v has an invalid value "oops"/);
  await sidecar.ingest.drain();
  assert.equal(sidecar.instances.get('mixed-1'), undefined);
});

test('a body that is not gzip although it says so gets 400; a gzip bomb gets 413', async () => {
  const bad = await fetch(`${sidecar.url}/write`, {
    method: 'POST',
    headers: { 'content-encoding': 'gzip' },
    body: 'plain text',
  });
  assert.equal(bad.status, 400);
  const bomb = gzipSync(Buffer.alloc(80 * 1024 * 1024, 0x61));
  const res = await fetch(`${sidecar.url}/write`, {
    method: 'POST',
    headers: { 'content-encoding': 'gzip' },
    body: bomb,
  });
  assert.equal(res.status, 413);
});
