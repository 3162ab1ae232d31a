import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzeReport, CatalogueError, loadCatalogue, TemplateMiner } from './index.ts';
import { SHARED_DATA } from '../eval/smd-data.ts';

const catalogue = loadCatalogue();
const at = Date.parse('2026-11-25T10:00:00Z');

// Lines as Linux prints them (kernel ring buffer, RFC 3164 syslog, journal short-iso).
const LOG = [
  '[ 1203.512301] nginx invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0',
  '[ 1203.519877] Out of memory: Killed process 4211 (nginx) total-vm:2211844kB, anon-rss:1911012kB',
  'Nov 25 09:58:01 web-1 kernel: EXT4-fs error (device vda1): ext4_find_entry:1455: inode #2: comm ls: reading directory lblock 0',
  'Nov 25 09:58:02 web-1 kernel: EXT4-fs (vda1): Remounting filesystem read-only',
  '2026-11-25T09:59:00+0000 web-1 systemd[1]: Failed to start The nginx HTTP and reverse proxy server.',
  'Nov 25 09:59:10 web-1 sshd[811]: Accepted publickey for ops from 10.0.0.5 port 51234',
  'Nov 25 09:59:20 web-1 sshd[812]: Accepted publickey for ops from 10.0.0.6 port 51299',
].join('\n');

test('a report is parsed against the catalogue: findings with ids, evidence lines and normalised times', async () => {
  const analysis = await analyzeReport(
    { instance: 'web-1', time: at, status: { instance_status: 'ok', uptime_s: 1300 }, log: LOG },
    catalogue
  );
  const byId = Object.fromEntries(analysis.findings.map((f) => [f.id, f]));
  assert.deepEqual(Object.keys(byId).sort(), [
    'filesystem-error',
    'filesystem-read-only',
    'oom-killer',
    'systemd-unit-failed',
  ]);
  assert.deepEqual(byId['oom-killer']!.lines, [1, 2]);
  assert.deepEqual(byId['oom-killer']!.resources, ['memory']);
  // dmesg's seconds since boot placed at the boot time (report time - uptime).
  assert.equal(byId['oom-killer']!.first, at - 1300_000 + 1203_512);
  assert.equal(byId['filesystem-read-only']!.failure, 'outage');
  assert.equal(byId['filesystem-read-only']!.first, Date.parse('2026-11-25T09:58:02Z'));
  assert.equal(analysis.overall, 'critical');
  assert.deepEqual(analysis.formats, { dmesg: 2, rfc3164: 4, journal: 1 });
  // The two sshd lines differ only in values: one template.
  assert.deepEqual(analysis.templates, [
    { template: 'Accepted publickey for ops from <*> port <*>', count: 2, firstLine: 6 },
  ]);
});

test('failed status checks make a report critical even with a clean log; a clean one is ok', async () => {
  const failed = await analyzeReport(
    { instance: 'a', time: at, status: { system_status: 'impaired' }, log: 'all quiet' },
    catalogue
  );
  assert.equal(failed.overall, 'critical');
  assert.deepEqual(failed.reasons, ['system_status is impaired']);
  const clean = await analyzeReport(
    { instance: 'a', time: at, status: { checks: { reachability: 'passed' } }, log: 'all quiet\n' },
    catalogue
  );
  assert.equal(clean.overall, 'ok');
  assert.deepEqual(clean.findings, []);
});

test('the real Linux syslog sample: every line parsed with a time, templates found, no false alarms from sshd', async () => {
  const log = fs.readFileSync(path.join(SHARED_DATA, 'loghub', 'Linux', 'Linux_2k.log'), 'utf8');
  const analysis = await analyzeReport(
    { instance: 'combo', time: Date.parse('2005-12-31T00:00:00Z'), status: {}, log },
    catalogue
  );
  assert.equal(analysis.lines, 2000);
  assert.equal(analysis.formats.rfc3164, 2000);
  assert.ok(analysis.templates.length < 200, `${analysis.templates.length} templates`);
  assert.ok(analysis.templates[0]!.count > 300);
  assert.ok(!analysis.findings.some((f) => f.id === 'oom-killer' || f.id === 'kernel-panic'));
});

test('operators extend and override the catalogue with their own file; a bad entry says where', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalogue-'));
  const file = path.join(dir, 'ops.yaml');
  fs.writeFileSync(
    file,
    [
      'version: 7',
      'entries:',
      '  - id: payment-timeout',
      '    title: Payment gateway timed out',
      '    severity: warning',
      '    resources: [network]',
      "    patterns: ['(?i)payment gateway timeout']",
      '  - id: disk-full',
      '    title: Disk full (ours)',
      '    severity: warning',
      '    resources: [disk]',
      "    patterns: ['No space left']",
    ].join('\n')
  );
  const extended = loadCatalogue([file]);
  assert.match(extended.version, /^\d+\+ops\.yaml@7$/);
  assert.equal(extended.entries.find((e) => e.id === 'disk-full')!.title, 'Disk full (ours)');
  assert.equal(extended.entries.length, catalogue.entries.length + 1);
  const found = await analyzeReport(
    { instance: 'a', time: at, status: {}, log: 'ERROR PAYMENT GATEWAY TIMEOUT after 30s' },
    extended
  );
  assert.deepEqual(
    found.findings.map((f) => f.id),
    ['payment-timeout']
  );

  fs.writeFileSync(
    file,
    "entries:\n  - id: broken\n    title: x\n    severity: fatal\n    resources: [disk]\n    patterns: ['a']\n"
  );
  assert.throws(
    () => loadCatalogue([file]),
    (e: Error) => e instanceof CatalogueError && /entry 1 \(broken\): severity/.test(e.message)
  );
  fs.writeFileSync(
    file,
    "entries:\n  - id: broken\n    title: x\n    severity: warning\n    resources: [disk]\n    patterns: ['(unclosed']\n"
  );
  assert.throws(
    () => loadCatalogue([file]),
    /ops\.yaml: entry 1 \(broken\), pattern 1: .* is not a regular expression/
  );
  // Patterns that backtrack without bound on long lines are refused as the file loads.
  for (const [pattern, why] of [
    ['\\S+: Link is Down', /starts with an unbounded repetition/],
    ['.*timeout', /starts with an unbounded repetition/],
    ['[a-z]*x', /starts with an unbounded repetition/],
    ['(a+)+b', /repeats a group that holds a repetition/],
    ['(\\w+\\s?)*$', /repeats a group that holds a repetition/],
  ] as const) {
    fs.writeFileSync(
      file,
      `entries:\n  - id: slow\n    title: x\n    severity: warning\n    resources: [disk]\n    patterns: ['${pattern}']\n`
    );
    assert.throws(() => loadCatalogue([file]), why, pattern);
  }
});

test('a log of one very long line is read in bounded pieces: 8 MB in well under a second of matching, findings kept', async () => {
  const filler = 'x'.repeat(8 * 1024 * 1024);
  const started = performance.now();
  const analysis = await analyzeReport(
    { instance: 'a', time: at, status: {}, log: `${filler} eth0: Link is Down` },
    catalogue
  );
  const seconds = (performance.now() - started) / 1000;
  assert.equal(analysis.lines, 1);
  assert.ok(
    analysis.findings.some((f) => f.lines[0] === 1),
    'the finding at its end is found, on line 1'
  );
  // A bound, not a speed figure: the quadratic parse took minutes on this line.
  assert.ok(seconds < 5, `${seconds.toFixed(2)} s`);
});

test('the template miner groups messages that differ in values and keeps distinct ones apart', () => {
  const miner = new TemplateMiner();
  assert.equal(miner.add('Connection from 10.0.0.1 closed').isNew, true);
  assert.equal(miner.add('Connection from 10.0.0.2 closed').isNew, false);
  assert.equal(miner.add('Disk sda1 is 91% full').isNew, true);
  assert.equal(miner.add('Connection from host-a closed').template.template, 'Connection from <*> closed');
  assert.deepEqual(
    miner.templates().map((t) => [t.template, t.count]),
    [
      ['Connection from <*> closed', 3],
      ['Disk <*> is <*> full', 1],
    ]
  );
});
