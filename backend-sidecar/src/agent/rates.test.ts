import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../testing/temp-dir.ts';
import { counterRate, mergeSnapshots, metricsBetween } from './rates.ts';
import { ProcReader, type SourceName } from './procfs.ts';
import { parseTarget } from './tcp-probe.ts';
import { validateHz } from './twin-agent.ts';

test('counters become per-second rates', () => {
  assert.equal(counterRate(100, 350, 2.5), 100);
});

test('a counter that went backwards (wrap, reboot) yields no rate rather than a huge or negative one', () => {
  assert.equal(counterRate(4_294_967_000, 200, 1), undefined);
  assert.equal(counterRate(undefined, 200, 1), undefined);
  assert.equal(counterRate(10, 20, 0), undefined);
});

function fakeProc(files: Record<string, string>): string {
  const root = tempDir('twin-proc-');
  for (const [name, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), body);
  }
  return root;
}

const stat = (user: number, system: number, idle: number, iowait: number, steal: number) =>
  `cpu  ${user} 0 ${system} ${idle} ${iowait} 0 0 ${steal} 0 0\ncpu0 1 1 1 1\nprocs_running 3\n`;

test('CPU modes are shares of the interval, steal and iowait included; missing sources are reported once', () => {
  const missing: SourceName[] = [];
  const root = fakeProc({ 'proc/stat': stat(100, 50, 800, 25, 25), 'proc/loadavg': '0.50 0.40 0.30 2/100 123\n' });
  const reader = new ProcReader(root, (s) => missing.push(s));
  const a = reader.read();
  fs.writeFileSync(path.join(root, 'proc/stat'), stat(160, 70, 890, 35, 45));
  const b = reader.read();
  reader.read();
  const m = metricsBetween(a, b, 1);
  assert.equal(m.cpu_user_pct, 30);
  assert.equal(m.cpu_system_pct, 10);
  assert.equal(m.cpu_iowait_pct, 5);
  assert.equal(m.cpu_steal_pct, 10);
  assert.equal(m.run_queue, 3);
  assert.equal(m.load1, 0.5);
  // psi, meminfo, diskstats... do not exist in this fake /proc: each reported exactly once, no crash.
  assert.ok(missing.includes('psi') && missing.includes('meminfo') && missing.includes('diskstats'));
  assert.equal(new Set(missing).size, missing.length);
});

test('the probe target and the sampling rate are validated with clear errors', () => {
  assert.deepEqual(parseTarget('10.0.0.1:443'), { host: '10.0.0.1', port: 443 });
  assert.deepEqual(parseTarget('[::1]:7788'), { host: '::1', port: 7788 });
  assert.throws(() => parseTarget('nohost'), /must be host:port/);
  assert.equal(validateHz(100), 100);
  assert.throws(() => validateHz(0.05), /between 0.1 and 100 Hz/);
  assert.throws(() => validateHz(NaN), /between 0.1 and 100 Hz/);
});

test('disk bytes, IOPS, utilisation and await come per device and in total', () => {
  const line = (dev: string, reads: number, rsec: number, writes: number, wsec: number, io: number, weighted: number) =>
    `   8       0 ${dev} ${reads} 0 ${rsec} 0 ${writes} 0 ${wsec} 0 0 ${io} ${weighted} 0 0 0 0`;
  const root = fakeProc({
    'proc/diskstats': [
      line('sda', 100, 1000, 50, 2000, 500, 900),
      line('sda1', 99, 999, 49, 1999, 499, 899),
      line('vdb', 0, 0, 0, 0, 0, 0),
    ].join('\n'),
  });
  const reader = new ProcReader(root);
  const a = reader.read();
  fs.writeFileSync(
    path.join(root, 'proc/diskstats'),
    [
      line('sda', 110, 1200, 60, 2400, 800, 1100),
      line('sda1', 109, 1199, 59, 2399, 799, 1099),
      line('vdb', 10, 80, 0, 0, 100, 50),
    ].join('\n')
  );
  const m = metricsBetween(a, reader.read(), 1);
  assert.equal(m['disk_read_bytes_per_s.dev_sda'], 200 * 512);
  assert.equal(m['disk_iops.dev_sda'], 20);
  assert.equal(m['disk_util_pct.dev_sda'], 30);
  assert.equal(m['disk_await_ms.dev_sda'], 10);
  assert.equal(m['disk_await_ms.dev_vdb'], 5);
  assert.equal(m.disk_iops, 30, 'partitions are not counted twice');
  assert.equal(m.disk_util_pct, 20, 'mean over devices');
});

test('page faults are read at most 10 times a second: samples in between leave them out, rates span the reads', async () => {
  const vmstat = (faults: number, major: number) =>
    `nr_free_pages 1\npgfault ${faults}\npgmajfault ${major}\npgfree 9\n`;
  const root = fakeProc({ 'proc/stat': stat(100, 50, 800, 25, 25), 'proc/vmstat': vmstat(1000, 10) });
  const reader = new ProcReader(root);
  const a = reader.read();
  const b = reader.read(); // within 100 ms of a: vmstat not read again
  assert.equal(b.vm, undefined);
  assert.equal(metricsBetween(a, b, 0.01).page_faults_minor_per_s, undefined);
  await new Promise((r) => setTimeout(r, 150));
  fs.writeFileSync(path.join(root, 'proc/vmstat'), vmstat(2000, 20));
  const c = reader.read();
  const m = metricsBetween(mergeSnapshots(a, b), c, 0.01);
  const seconds = (c.vm!.at - a.vm!.at) / 1000;
  assert.ok(Math.abs(m.page_faults_major_per_s! - 10 / seconds) < 1e-9);
  assert.ok(
    Math.abs(m.page_faults_minor_per_s! - 990 / seconds) < 1e-9,
    'over the 150 ms between reads, not the 10 ms tick'
  );
});

test('numbers are read from the bytes as the kernel wrote them', () => {
  const root = fakeProc({
    'proc/loadavg': '12.34 0.40 0.30 2/100 123\n',
    'proc/meminfo':
      'MemTotal:       1000 kB\nMemFree: 10 kB\nMemAvailable:    250 kB\nCached:  100 kB\nSwapCached: 7 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n',
    'proc/net/snmp':
      'Ip: Forwarding X\nIp: 1 2\nTcp: RtoAlgorithm RtoMin MaxConn OutSegs RetransSegs\nTcp: 1 200 -1 5000 42\n',
  });
  const snap = new ProcReader(root).read();
  assert.equal(snap.load1, 12.34);
  assert.deepEqual(snap.mem, { totalKb: 1000, availableKb: 250, cachedKb: 100, swapTotalKb: 0, swapFreeKb: 0 });
  assert.equal(snap.tcp!.retransSegs, 42);
  assert.equal(snap.tcp!.outSegs, 5000);
});
