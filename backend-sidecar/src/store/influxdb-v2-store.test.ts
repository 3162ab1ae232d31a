import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { InfluxDBv2Store } from './influxdb-v2-store.ts';

/*
 * No InfluxDB 2 server can run here (Debian has 1.6, which answers 404 to every /api/v2 call), so
 * this test serves recorded InfluxDB 2 responses over real HTTP: the 204 of /api/v2/write and the
 * annotated CSV of /api/v2/query, exactly as InfluxDB 2.7 sends them. It checks what the client
 * sends (line protocol, Flux) and that the store reads the recorded answers correctly.
 */
const RECORDED_WINDOW_CSV = [
  '#group,false,false,false,false,true',
  '#datatype,string,long,dateTime:RFC3339,double,string',
  '#default,_result,,,,',
  ',result,table,_time,_value,_field',
  ',,0,2026-11-01T00:00:00Z,12.5,cpu_user_pct',
  ',,0,2026-11-01T00:01:00Z,13.5,cpu_user_pct',
  ',,1,2026-11-01T00:00:00Z,41,mem_used_pct',
  ',,1,2026-11-01T00:01:00Z,42,mem_used_pct',
  '',
  '',
].join('\r\n');
const RECORDED_LAST_CSV = [
  '#group,false,false,true,true,false,false,true,true',
  '#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,long,string,string',
  '#default,_result,,,,,,,',
  ',result,table,_start,_stop,_time,_value,_field,_measurement',
  ',,0,1970-01-01T00:00:00Z,2026-11-25T10:00:00Z,1970-01-01T00:00:00Z,42,applied_seq,twin_wal',
  '',
  '',
].join('\r\n');

const requests: { method: string; url: string; body: string; auth: string | undefined }[] = [];
let server: http.Server;
let url: string;
before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, body, auth: req.headers.authorization });
      if (req.url!.startsWith('/api/v2/write')) {
        res.writeHead(204).end();
      } else if (req.url!.startsWith('/api/v2/query')) {
        const flux = (JSON.parse(body) as { query: string }).query;
        res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' });
        res.end(flux.includes('twin_wal') ? RECORDED_LAST_CSV : RECORDED_WINDOW_CSV);
      } else {
        res.writeHead(404).end('{"code":"not found","message":"path not found"}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

test('writes points with the token to /api/v2/write in ms precision, then the applied sequence', async () => {
  const store = new InfluxDBv2Store({ url, token: 'tok', org: 'acme', bucket: 'twin' });
  await store.write(
    [{ instance: 'web-1', ts: Date.UTC(2026, 10, 1), values: { cpu_user_pct: 12.5, mem_used_pct: 41 } }],
    42
  );
  const write = requests.find((r) => r.url.startsWith('/api/v2/write'))!;
  assert.match(write.url, /org=acme/);
  assert.match(write.url, /bucket=twin/);
  assert.match(write.url, /precision=ms/);
  assert.equal(write.auth, 'Token tok');
  assert.match(write.body, /^twin,instance=web-1 cpu_user_pct=12\.5,mem_used_pct=41 1793491200000$/m);
  assert.match(write.body, /^twin_wal applied_seq=42i 0$/m);
  assert.equal(await store.appliedSeq(), 42);
  await store.close();
});

test('reads a window with Flux and pivots the recorded answer into aligned series', async () => {
  const store = new InfluxDBv2Store({ url, token: 'tok', org: 'acme', bucket: 'twin' });
  const from = Date.UTC(2026, 10, 1);
  const w = await store.readWindow('web-1', { from, to: from + 120_000, stepMs: 60_000 });
  const flux = (JSON.parse(requests.at(-1)!.body) as { query: string }).query;
  assert.match(flux, /range\(start: 2026-11-01T00:00:00.000Z, stop: 2026-11-01T00:02:00.000Z\)/);
  assert.match(flux, /r\.instance == "web-1"/);
  assert.match(flux, /aggregateWindow\(every: 60000ms, fn: mean/);
  assert.deepEqual(w.ts, [from, from + 60_000]);
  assert.deepEqual(w.metrics, ['cpu_user_pct', 'mem_used_pct']);
  assert.deepEqual(Array.from(w.values[0]!), [12.5, 13.5]);
  assert.deepEqual(Array.from(w.values[1]!), [41, 42]);
  await store.close();
});
