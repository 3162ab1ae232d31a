import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCatalogue } from './catalogue.ts';

// One line per shipped entry, as the kernel, systemd or the daemons print it.
const EXAMPLES: Record<string, string> = {
  'oom-killer': '[ 9912.100012] Memory cgroup out of memory: Killed process 3121 (java) total-vm:8123456kB',
  'page-allocation-failure':
    '[  88.120000] kworker/0:1: page allocation failure: order:4, mode:0x40cc0(GFP_KERNEL|__GFP_COMP)',
  'kernel-panic': '[  530.101000] Kernel panic - not syncing: Fatal exception in interrupt',
  'kernel-oops': '[ 1200.000001] BUG: unable to handle page fault for address: ffffa0b1c2d3e4f5',
  'soft-lockup': '[ 4410.223000] watchdog: BUG: soft lockup - CPU#3 stuck for 23s! [qemu-kvm:1234]',
  'hard-lockup': '[ 4411.000000] NMI watchdog: Watchdog detected hard LOCKUP on cpu 2',
  'hung-task': '[ 7200.555000] INFO: task jbd2/vda1-8:312 blocked for more than 120 seconds.',
  'rcu-stall': '[ 9000.000000] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:',
  'io-error': '[  311.000000] blk_update_request: I/O error, dev vdb, sector 2048 op 0x1:(WRITE) flags 0x800',
  'disk-controller-error': '[  20.000000] ata1.00: exception Emask 0x0 SAct 0x0 SErr 0x0 action 0x6 frozen',
  'filesystem-error': '[  55.000000] XFS (vdb1): Corruption detected. Unmount and run xfs_repair',
  'filesystem-read-only': 'Nov 25 10:01:02 web-1 kernel: EXT4-fs (vda1): Remounting filesystem read-only',
  'disk-full':
    'Nov 25 10:01:03 web-1 postgres[811]: could not write to file "base/16384/2619": No space left on device',
  'nic-link-flap': '[ 6000.000000] e1000e 0000:00:19.0 eth0: NIC Link is Down',
  'nic-tx-timeout': '[ 6001.000000] NETDEV WATCHDOG: eth0 (virtio_net): transmit queue 0 timed out',
  'network-unreachable': 'Nov 25 10:02:00 web-1 curl[99]: connect to 10.0.0.1 port 443 failed: Network is unreachable',
  'clock-jump': 'Nov 25 10:03:00 web-1 chronyd[501]: Forward time jump detected!',
  segfault:
    '[  700.000000] nginx[2211]: segfault at 0 ip 000055d1c2a3b4c5 sp 00007ffd1e2f3a40 error 4 in nginx[55d1c2a00000+e7000]',
  'core-dump': 'Nov 25 10:04:00 web-1 systemd-coredump[3001]: Process 2211 (nginx) of user 33 dumped core.',
  'systemd-unit-failed': "Nov 25 10:05:00 web-1 systemd[1]: nginx.service: Failed with result 'exit-code'.",
  'cloud-init-failure':
    'Nov 25 10:06:00 web-1 cloud-init[612]: 2026-11-25 10:06:00,001 - util.py[WARNING]: Running module users-groups failed',
  'hypervisor-steal': '[  900.000000] hrtimer: interrupt took 4823351 ns',
  'machine-check': '[ 1000.000000] mce: [Hardware Error]: Machine check events logged',
  'hpc-kernel-tlb-storage':
    'KERNDTLB 1117869872 2005.06.04 R23-M1-N8-I:J18-U11 2005-06-04-00.24.32.432192 R23-M1-N8-I:J18-U11 RAS KERNEL FATAL data TLB error interrupt',
  'hpc-kernel-terminated':
    'KERNTERM 1118780000 2005.06.14 R04-M1-N4-C:J12-U01 2005-06-14-13.13.20.000000 R04-M1-N4-C:J12-U01 RAS KERNEL FATAL rts: kernel terminated for reason 1004',
  'hpc-mount-failure':
    'KERNMNTF 1119000000 2005.06.17 R00-M1-N0-C:J02-U11 2005-06-17-02.13.20.000000 R00-M1-N0-C:J02-U11 RAS KERNEL FATAL Lustre mount FAILED : bglio11 : point /p/gb1',
  'hpc-io-node-link':
    'APPSEV 1119600000 2005.06.24 R21-M0-NE-I:J18-U01 2005-06-24-01.00.00.000000 R21-M0-NE-I:J18-U01 RAS APP FATAL ciod: Error reading message prefix on CioStream socket to 172.16.96.116:33569, Link has been severed',
  'hpc-tree-network':
    'KERNREC 1120000000 2005.06.28 R33-M0-N0-C:J02-U01 2005-06-28-15.00.00.000000 R33-M0-N0-C:J02-U01 RAS KERNEL FATAL Error receiving packet on tree network, expecting type 57 instead of type 3',
  'hpc-app-io-error':
    'APPOUT 1120100000 2005.06.29 R10-M0-N0-I:J18-U01 2005-06-29-10.00.00.000000 R10-M0-N0-I:J18-U01 RAS APP FATAL ciod: LOGIN chdir(/p/gb1/x/run) failed: Input/output error',
};

// Ordinary lines every healthy instance prints: none may raise a finding.
const QUIET = [
  'Nov 25 10:00:00 web-1 sshd[812]: Accepted publickey for ops from 10.0.0.5 port 51234 ssh2',
  'Nov 25 10:00:01 web-1 systemd[1]: Started Session 42 of user ops.',
  '[    0.304462] clocksource: Switched to clocksource kvm-clock',
  '[    1.323351] EXT4-fs (vda): mounted filesystem r/w without journal. Quota mode: none.',
  'Nov 25 10:00:02 web-1 CRON[901]: (root) CMD (run-parts /etc/cron.hourly)',
  '[    2.000000] e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex',
];

test('every entry of the shipped catalogue recognises the line it is written for; ordinary lines raise nothing', () => {
  const catalogue = loadCatalogue();
  assert.deepEqual(Object.keys(EXAMPLES).sort(), catalogue.entries.map((e) => e.id).sort(), 'an example per entry');
  for (const [id, line] of Object.entries(EXAMPLES)) {
    const hits = catalogue.entries.filter((_, e) => catalogue.matchers[e]!.some((p) => p.test(line))).map((e) => e.id);
    assert.ok(hits.includes(id), `${id} does not match: ${line}`);
  }
  for (const line of QUIET) {
    const hits = catalogue.entries.filter((_, e) => catalogue.matchers[e]!.some((p) => p.test(line))).map((e) => e.id);
    assert.deepEqual(hits, [], line);
  }
});
