import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLogLine } from './log-line-parser.ts';

const REPORT = Date.UTC(2026, 10, 25, 12);

test('RFC 5424 syslog: priority, time with zone, host, app, pid and message', () => {
  const p = parseLogLine('<11>1 2026-11-25T10:15:03.120+01:00 web-1 nginx 812 - - upstream timed out', REPORT);
  assert.deepEqual(p, {
    format: 'rfc5424',
    facility: 1,
    severity: 3,
    ts: Date.UTC(2026, 10, 25, 9, 15, 3, 120),
    host: 'web-1',
    app: 'nginx',
    pid: 812,
    message: 'upstream timed out',
  });
});

test('RFC 3164 syslog: the year comes from the report, stepping back across new year', () => {
  const p = parseLogLine('Nov 25 11:59:01 db-2 kernel: Out of memory: Killed process 4242 (java)', REPORT);
  assert.equal(p.format, 'rfc3164');
  assert.equal(p.ts, Date.UTC(2026, 10, 25, 11, 59, 1));
  assert.deepEqual([p.host, p.app, p.message], ['db-2', 'kernel', 'Out of memory: Killed process 4242 (java)']);
  const december = parseLogLine('<34>Dec 31 23:59:59 h sshd[77]: x', Date.UTC(2027, 0, 1, 0, 5));
  assert.equal(december.ts, Date.UTC(2026, 11, 31, 23, 59, 59));
  assert.deepEqual([december.pid, december.facility, december.severity], [77, 4, 2]);
});

test('dmesg lines carry seconds since boot; journal short-iso lines carry their own time', () => {
  assert.deepEqual(parseLogLine('[  512.004211] EXT4-fs error (device vda1): ext4_find_entry:1455'), {
    format: 'dmesg',
    uptimeS: 512.004211,
    app: 'kernel',
    message: 'EXT4-fs error (device vda1): ext4_find_entry:1455',
  });
  const j = parseLogLine('2026-11-25T09:00:00+0000 vm systemd[1]: Failed to start cloud-init.service.');
  assert.deepEqual([j.format, j.ts, j.app, j.pid], ['journal', Date.UTC(2026, 10, 25, 9), 'systemd', 1]);
});

test('anything else is kept as a plain message, never an error', () => {
  for (const junk of [
    '',
    'no timestamp here',
    '\u0000\u00ff\ufffd binary',
    '<999>1 broken',
    'Foo 99 99:99:99 x y: z',
  ]) {
    const p = parseLogLine(junk);
    assert.ok(['plain', 'rfc5424', 'rfc3164'].includes(p.format));
    assert.equal(typeof p.message, 'string');
  }
  assert.equal(parseLogLine('Foo 12 10:00:00 host app: msg').format, 'plain');
});

test('journal entries exported as JSON lines (journalctl -o json): time in microseconds, identifier, pid, priority', () => {
  const line = JSON.stringify({
    __REALTIME_TIMESTAMP: '1795146497701123',
    _HOSTNAME: 'web-1',
    SYSLOG_IDENTIFIER: 'kernel',
    PRIORITY: '3',
    MESSAGE: 'EXT4-fs (vda1): Remounting filesystem read-only',
  });
  assert.deepEqual(parseLogLine(line, REPORT), {
    format: 'journal',
    ts: 1795146497701,
    host: 'web-1',
    app: 'kernel',
    severity: 3,
    message: 'EXT4-fs (vda1): Remounting filesystem read-only',
  });
  assert.equal(parseLogLine('{not json', REPORT).format, 'plain');
});
