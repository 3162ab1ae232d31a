import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { startTestSidecar } from '../testing/test-sidecar.ts';
import { AGENT_BIN, run } from '../testing/processes.ts';
import type { Sidecar } from '../api/sidecar.ts';
import { collectReport } from './report-collector.ts';

let sidecar: Sidecar;
before(async () => {
  sidecar = await startTestSidecar();
});
after(() => sidecar.stop());

test("this machine's report: its status facts, and a log from whichever sources it can read", async () => {
  const report = await collectReport('me', Date.parse('2026-11-25T12:00:00Z'));
  assert.equal(report.time, '2026-11-25T12:00:00.000Z');
  assert.equal(report.status.kernel, os.release());
  assert.ok((report.status.uptime_s as number) > 0);
  const unavailable = (report.status.sources_unavailable as string[] | undefined) ?? [];
  // Some log source is readable here (the kernel ring buffer, the journal or syslog), or it says which are not.
  assert.ok(report.log.length > 0 || unavailable.length === 3, JSON.stringify(unavailable));
});

test('twin-agent report sends the report; the sidecar stores it under the instance', async () => {
  const { code, output } = await run(AGENT_BIN, ['report', '--url', sidecar.url, '--instance', 'agent-host-1']);
  assert.equal(code, 0, output);
  const answer = JSON.parse(output.slice(output.indexOf('{'))) as { report_id: string };
  const stored = await sidecar.reports.store.get(answer.report_id);
  assert.equal(stored?.instance, 'agent-host-1');
  assert.equal(stored?.status.kernel, os.release());
});
