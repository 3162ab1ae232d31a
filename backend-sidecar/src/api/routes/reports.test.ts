import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestSidecar } from '../../testing/test-sidecar.ts';
import { Sidecar } from '../sidecar.ts';
import { REPORT_LIMIT_BYTES } from './reports.ts';

let sidecar: Sidecar;
before(async () => {
  sidecar = await startTestSidecar();
});
after(() => sidecar.stop());

const post = (path: string, body: string, type = 'application/json') =>
  fetch(`${sidecar.url}/api/v1${path}`, { method: 'POST', headers: { 'content-type': type }, body });
const get = async (path: string) => {
  const response = await fetch(`${sidecar.url}/api/v1${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const PANIC_LOG = [
  '[  512.000100] BUG: soft lockup - CPU#1 stuck for 22s! [kworker/1:2:311]',
  '[  530.101000] Kernel panic - not syncing: softlockup: hung tasks',
].join('\n');

test('a JSON report is stored and answered with its id and findings; a panic is recorded as a crash', async () => {
  const response = await post(
    '/reports',
    JSON.stringify({
      instance: 'db-7',
      time: '2026-11-25T10:00:00Z',
      status: { instance_status: 'ok', system_status: 'ok', uptime_s: 600, kernel: '6.1.0-27-cloud-amd64' },
      log: PANIC_LOG,
    })
  );
  assert.equal(response.status, 201);
  const created = (await response.json()) as {
    report_id: string;
    overall: string;
    findings: { id: string; lines: number[] }[];
  };
  assert.match(created.report_id, /^rpt_/);
  assert.equal(response.headers.get('location'), `/api/v1/reports/${created.report_id}`);
  assert.equal(created.overall, 'critical');
  assert.deepEqual(
    created.findings.map((f) => [f.id, f.lines]),
    [
      ['kernel-panic', [2]],
      ['soft-lockup', [1]],
    ]
  );
  const fetched = await get(`/reports/${created.report_id}`);
  assert.equal(fetched.status, 200);
  assert.equal(fetched.body.log, PANIC_LOG);
  assert.deepEqual((fetched.body.status as { kernel: string }).kernel, '6.1.0-27-cloud-amd64');
  const failures = await sidecar.failures.list({ instance: 'db-7' });
  assert.deepEqual(
    failures.map((f) => [f.kind, f.source, f.ts]),
    [['crash', 'report', Date.parse('2026-11-25T10:00:00Z') - 600_000 + 530_101]]
  );
});

test('a raw log upload with metadata in the query; reports are listed by instance, newest first', async () => {
  const raw = 'Nov 25 09:00:00 web-2 kernel: Out of memory: Killed process 99 (java)\n';
  const first = await post(
    '/reports?instance=web-2&time=2026-11-25T09:00:05Z&status={"system_status":"ok"}',
    raw,
    'text/plain'
  );
  assert.equal(first.status, 201);
  const second = await post('/reports?instance=web-2&time=2026-11-25T11:00:00Z', 'all quiet', 'text/plain');
  assert.equal(((await second.json()) as { overall: string }).overall, 'ok');
  const list = await get('/reports?instance=web-2');
  const items = list.body.items as { time: number; overall: string; findings: { id: string }[]; log?: string }[];
  assert.equal(list.body.total, 2);
  assert.deepEqual(
    items.map((r) => [new Date(r.time).toISOString(), r.overall]),
    [
      ['2026-11-25T11:00:00.000Z', 'ok'],
      ['2026-11-25T09:00:05.000Z', 'critical'],
    ]
  );
  assert.equal(items[1]!.findings[0]!.id, 'oom-killer');
  assert.equal(items[0]!.log, undefined, 'lists leave the logs out');
});

test('bad reports get clear errors: too large (413 with the limit), bad time, no instance, unknown id', async () => {
  const big = await post('/reports?instance=x', 'a'.repeat(REPORT_LIMIT_BYTES + 10), 'text/plain');
  assert.equal(big.status, 413);
  const problem = (await big.json()) as { detail: string; code: string };
  assert.equal(problem.code, 'TWIN_ERR_REPORT_TOO_LARGE');
  assert.match(problem.detail, /limit of 8388608 bytes \(8 MiB\)/);
  const badTime = await post('/reports', JSON.stringify({ instance: 'x', time: 'yesterday', status: {}, log: '' }));
  assert.equal(badTime.status, 400);
  assert.match(((await badTime.json()) as { detail: string }).detail, /body\/time: not an ISO-8601 time/);
  const noInstance = await post('/reports', 'a log', 'text/plain');
  assert.equal(noInstance.status, 400);
  assert.match(((await noInstance.json()) as { detail: string }).detail, /querystring\/instance/);
  const unknown = await get('/reports/rpt_nope');
  assert.equal(unknown.status, 404);
  assert.match(unknown.body.detail as string, /no report with id rpt_nope/);
});

test('reports survive a restart: the index is rebuilt from the object store', async () => {
  const response = await post(
    '/reports?instance=keep-1&time=2026-11-25T08:00:00Z',
    'EXT4-fs error (device sda1): x',
    'text/plain'
  );
  const { report_id } = (await response.json()) as { report_id: string };
  const again = await new Sidecar({ ...sidecar.config, port: 0 }).start();
  try {
    const fetched = await fetch(`${again.url}/api/v1/reports/${report_id}`);
    assert.equal(fetched.status, 200);
    assert.equal(((await fetched.json()) as { findings: { id: string }[] }).findings[0]!.id, 'filesystem-error');
  } finally {
    await again.stop();
  }
});

test('predict from a report id: a prior-based failure report, marked as such, with root causes and actions from the findings', async () => {
  const posted = await post(
    '/reports?instance=cache-3&time=2026-11-25T10:00:00Z',
    [
      '[ 50.000000] Out of memory: Killed process 91 (redis-server) total-vm:9000000kB',
      '[ 51.000000] Out of memory: Killed process 95 (redis-server) total-vm:9100000kB',
      '[ 60.000000] EXT4-fs warning (device vda1): ext4_end_bio:343: I/O error 10 writing to inode 12',
    ].join('\n'),
    'text/plain'
  );
  const { report_id } = (await posted.json()) as { report_id: string };
  const response = await post('/twin/predict', JSON.stringify({ report_id }));
  assert.equal(response.status, 200);
  const body = (await response.json()) as {
    basis: string;
    model: unknown;
    report_id: string;
    predictions: { kind: string; horizonMs: number; probability: number; prior: boolean; interval: number[] }[];
    rootCauses: { resource: string; evidence: string[] }[];
    recommendedActions: { action: string; effect: unknown }[];
    findings: { id: string }[];
  };
  assert.equal(body.basis, 'prior');
  assert.equal(body.model, null);
  assert.equal(body.report_id, report_id);
  const crash = body.predictions.find((p) => p.kind === 'crash' && p.horizonMs === 3_600_000)!;
  assert.equal(crash.prior, true);
  assert.ok(
    crash.probability > 0.4 && crash.probability < 0.6,
    `a critical finding alone: even odds, got ${crash.probability}`
  );
  assert.equal(body.rootCauses[0]!.resource, 'memory');
  assert.match(body.rootCauses[0]!.evidence[0]!, /Out-of-memory killer killed a process \(2 lines, first at line 1\)/);
  assert.ok(body.recommendedActions.some((a) => a.action === 'add-memory' && a.effect === null));
  assert.deepEqual(body.findings.map((f) => f.id).sort(), ['filesystem-error', 'oom-killer']);
  const unknown = await post('/twin/predict', JSON.stringify({ report_id: 'rpt_missing' }));
  assert.equal(unknown.status, 404);
  assert.match(((await unknown.json()) as { detail: string }).detail, /no report with id rpt_missing/);
});

test('a raw log of one 8 MB line is answered, and the sidecar keeps answering health checks meanwhile', async () => {
  const log = `${'y'.repeat(REPORT_LIMIT_BYTES - 1024)} eth0: Link is Down`;
  const slowest: number[] = [];
  let done = false;
  const probe = (async () => {
    while (!done) {
      const started = performance.now();
      assert.equal((await fetch(`${sidecar.url}/healthz`)).status, 200);
      slowest.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const response = await post('/reports?instance=long-line-1&time=2026-11-25T10:00:00Z', log, 'text/plain');
  done = true;
  await probe;
  assert.equal(response.status, 201);
  const body = (await response.json()) as { findings: { id: string }[] };
  assert.ok(body.findings.length > 0, 'the finding at the end of the line is found');
  // The analysis gives the event loop a turn every few ms: no health check waits for the whole report.
  assert.ok(Math.max(...slowest) < 1000, `slowest health check ${Math.max(...slowest).toFixed(0)} ms`);
});
