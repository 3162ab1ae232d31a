import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { compress } from 'snappyjs';
import { serialize } from 'prometheus-remote-write';
import type { Sidecar } from '../sidecar.ts';
import { startTestSidecar } from '../../testing/test-sidecar.ts';
import { startPrometheus, type TestServer } from '../../testing/test-servers.ts';

let sidecar: Sidecar;
let prom: TestServer;
before(async () => {
  sidecar = await startTestSidecar();
});
after(async () => {
  await prom?.stop();
  await sidecar.stop();
});

test('a real Prometheus (Debian) remote-writes its own scrapes into the sidecar', { timeout: 60_000 }, async () => {
  prom = await startPrometheus({ scrapeSelf: true, remoteWriteUrl: `${sidecar.url}/api/v1/write` });
  const instance = `127.0.0.1:${prom.port}`;
  const deadline = Date.now() + 30_000;
  while (!sidecar.instances.get(instance) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  const record = sidecar.instances.get(instance);
  assert.ok(record, 'the scraped Prometheus shows up as an instance');
  assert.equal(record.labels.job, 'prometheus');
  // Remote write sends a scrape in several batches (shards): wait until the series asked for have come.
  const seriesNames = async () =>
    Object.keys(
      (
        (await (
          await fetch(
            `${sidecar.url}/api/v1/series?instance=${encodeURIComponent(instance)}&from=0&to=${Date.now() + 1000}`
          )
        ).json()) as { series: Record<string, unknown> }
      ).series
    );
  let names: string[] = [];
  while (Date.now() < deadline) {
    await sidecar.ingest.drain();
    names = await seriesNames();
    if (names.includes('up') && names.some((m) => m.startsWith('prometheus_http_requests_total.code_200.handler_')))
      break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(
    names.some((m) => m.startsWith('prometheus_http_requests_total.code_200.handler_')),
    names.join(', ')
  );
  const w = await sidecar.readWindow(instance, Date.now() - 60_000, Date.now() + 1000, undefined, ['up']);
  assert.ok(w.ts.length >= 1, 'up was stored');
  assert.equal(w.values[0]![0], 1);
});

const post = (body: Uint8Array) =>
  fetch(`${sidecar.url}/api/v1/write`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    body,
  });

test('bad remote-write bodies get 400 (not retried by Prometheus) with what was wrong', async () => {
  const notSnappy = await post(Buffer.from('hello'));
  assert.equal(notSnappy.status, 400);
  const noInstance = compress(
    Buffer.from(
      await serialize({
        timeseries: [{ labels: [{ name: '__name__', value: 'up' }], samples: [{ value: 1, timestamp: Date.now() }] }],
      } as never)
    )
  );
  const res = await post(noInstance);
  assert.equal(res.status, 400);
  const problem = (await res.json()) as { detail: string; where: string };
  assert.equal(problem.where, 'body/timeseries/0/labels');
  assert.match(problem.detail, /series 0 has no instance label/);
});

test('a snappy header declaring more than the limit is refused with 413 before anything is inflated', async () => {
  const res = await post(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]));
  assert.equal(res.status, 413);
});

test('a snappy header declaring more than its body can hold is refused with 400, not inflated', async () => {
  // 60 MB declared (under the limit), ten bytes of body: no snappy stream inflates that far.
  const varint = [0x80, 0x8e, 0xce, 0x1c];
  const res = await post(Buffer.from([...varint, 0, 1, 2, 3, 4, 5]));
  assert.equal(res.status, 400);
  assert.match(((await res.json()) as { detail: string }).detail, /declares 60000000 bytes, more than 10 bytes/);
});
