import fs from 'node:fs';
import { ProcText } from './proc-text.ts';

export interface DiskCounters {
  readSectors: number;
  writeSectors: number;
  reads: number;
  writes: number;
  ioMs: number;
  weightedMs: number;
}

/** Raw counters and gauges read from /proc and /sys in one pass; missing sources are left out. */
export interface ProcSnapshot {
  cpu?: {
    user: number;
    nice: number;
    system: number;
    idle: number;
    iowait: number;
    irq: number;
    softirq: number;
    steal: number;
  };
  load1?: number;
  procsRunning?: number;
  mem?: { totalKb: number; availableKb: number; cachedKb: number; swapTotalKb: number; swapFreeKb: number };
  /** `at`: when read (performance.now()); these counters are read less often than every sample. */
  vm?: { pgfault: number; pgmajfault: number; at: number };
  psi?: { cpu?: number; memory?: number; io?: number };
  disk?: DiskCounters;
  /** The same counters per whole device (sda, vda, nvme0n1...). */
  devices?: Record<string, DiskCounters>;
  net?: { rxBytes: number; txBytes: number; rxPackets: number; txPackets: number; errors: number; drops: number };
  tcp?: { retransSegs: number; outSegs: number; at: number };
  rootFs?: { usedPct: number };
}

export type SourceName = 'stat' | 'loadavg' | 'meminfo' | 'vmstat' | 'psi' | 'diskstats' | 'netdev' | 'snmp' | 'statfs';

// Whole devices only: partitions and virtual devices would count the same I/O twice.
const WHOLE_DISK = /^(sd[a-z]+|vd[a-z]+|xvd[a-z]+|hd[a-z]+|nvme\d+n\d+|mmcblk\d+)$/;
const wholeDisk = new Map<string, boolean>();
function isWholeDisk(name: string): boolean {
  let yes = wholeDisk.get(name);
  if (yes === undefined) wholeDisk.set(name, (yes = WHOLE_DISK.test(name)));
  return yes;
}

// Sources whose values the kernel itself refreshes slowly are read at most once a second, whatever
// the sampling rate, and their last values repeated: the load average is recomputed every 5 s,
// PSI's avg10 every 2 s.
const SLOW_SOURCE_MS = 1000;
const SLOW_SOURCES: ReadonlySet<SourceName> = new Set(['loadavg', 'psi', 'statfs']);
// The kernel formats /proc/vmstat and /proc/net/snmp from hundreds of counters, which at 100 Hz
// was a third of the agent's CPU: page faults and TCP retransmits are read at most 10 times a
// second, and samples in between leave them out (their rates span the interval between reads).
const MEDIUM_SOURCE_MS = 100;
const MEDIUM_SOURCES: ReadonlySet<SourceName> = new Set(['vmstat', 'snmp']);

const scratch: number[] = [];
let tcpColumns: { retrans: number; out: number } | undefined;

const readers: Record<SourceName, (snap: ProcSnapshot, root: string) => void> = {
  stat(snap, root) {
    const text = ProcText.read(`${root}/proc/stat`);
    if (text.find('cpu ') !== 0) throw new Error('no cpu line');
    const [user, nice, system, idle, iowait, irq, softirq, steal] = text.numbers(4, 8, scratch);
    snap.cpu = {
      user: user!,
      nice: nice!,
      system: system!,
      idle: idle!,
      iowait: Number.isNaN(iowait) ? 0 : iowait!,
      irq: Number.isNaN(irq) ? 0 : irq!,
      softirq: Number.isNaN(softirq) ? 0 : softirq!,
      steal: Number.isNaN(steal) ? 0 : steal!,
    };
    const running = text.valueAfter('\nprocs_running ');
    if (!Number.isNaN(running)) snap.procsRunning = running;
  },
  loadavg(snap, root) {
    snap.load1 = ProcText.read(`${root}/proc/loadavg`).number(0);
  },
  meminfo(snap, root) {
    const text = ProcText.read(`${root}/proc/meminfo`);
    snap.mem = {
      totalKb: text.valueAfter('MemTotal:'),
      availableKb: text.valueAfter('\nMemAvailable:'),
      cachedKb: text.valueAfter('\nCached:'),
      swapTotalKb: text.valueAfter('\nSwapTotal:'),
      swapFreeKb: text.valueAfter('\nSwapFree:'),
    };
  },
  vmstat(snap, root) {
    const text = ProcText.read(`${root}/proc/vmstat`);
    snap.vm = {
      pgfault: text.valueAfter('\npgfault '),
      pgmajfault: text.valueAfter('\npgmajfault '),
      at: performance.now(),
    };
  },
  psi(snap, root) {
    const some = (kind: string) => {
      const text = ProcText.read(`${root}/proc/pressure/${kind}`);
      return text.find('some avg10=') === 0 ? text.number(11) : undefined;
    };
    snap.psi = { cpu: some('cpu'), memory: some('memory'), io: some('io') };
  },
  diskstats(snap, root) {
    const text = ProcText.read(`${root}/proc/diskstats`);
    const disk: DiskCounters = { readSectors: 0, writeSectors: 0, reads: 0, writes: 0, ioMs: 0, weightedMs: 0 };
    const devices: Record<string, DiskCounters> = {};
    let found = false;
    for (let line = 0; line < text.length; line = text.lineAfter(line)) {
      text.number(line); // major
      text.number(text.next); // minor
      const nameAt = text.word(text.next);
      const name = text.text(nameAt, text.next);
      if (!isWholeDisk(name)) continue;
      // reads, merged, sectors read, ms reading, writes, merged, sectors written, ms writing, in flight, io ms, weighted ms
      const f = text.numbers(text.next, 11, scratch);
      if (Number.isNaN(f[10]!)) continue;
      const d: DiskCounters = {
        reads: f[0]!,
        readSectors: f[2]!,
        writes: f[4]!,
        writeSectors: f[6]!,
        ioMs: f[9]!,
        weightedMs: f[10]!,
      };
      devices[name] = d;
      found = true;
      disk.reads += d.reads;
      disk.readSectors += d.readSectors;
      disk.writes += d.writes;
      disk.writeSectors += d.writeSectors;
      disk.ioMs += d.ioMs;
      disk.weightedMs += d.weightedMs;
    }
    if (!found) throw new Error('no physical disks listed');
    snap.disk = disk;
    snap.devices = devices;
  },
  netdev(snap, root) {
    const text = ProcText.read(`${root}/proc/net/dev`);
    const net = { rxBytes: 0, txBytes: 0, rxPackets: 0, txPackets: 0, errors: 0, drops: 0 };
    // Two header lines, then "  name: rx bytes packets errs drop fifo frame compressed multicast tx bytes packets errs drop ..."
    for (let line = text.lineAfter(text.lineAfter(0)); line < text.length; line = text.lineAfter(line)) {
      const colon = text.find(':', line);
      if (colon < 0) break;
      const nameAt = text.word(line);
      if (text.next - nameAt === 3 && text.text(nameAt, colon) === 'lo') continue;
      const f = text.numbers(colon + 1, 12, scratch);
      net.rxBytes += f[0]!;
      net.rxPackets += f[1]!;
      net.errors += f[2]! + f[10]!;
      net.drops += f[3]! + f[11]!;
      net.txBytes += f[8]!;
      net.txPackets += f[9]!;
    }
    snap.net = net;
  },
  snmp(snap, root) {
    const text = ProcText.read(`${root}/proc/net/snmp`);
    const header = text.find('\nTcp: ');
    const values = text.find('\nTcp: ', header + 1);
    if (header < 0 || values < 0) throw new Error('no Tcp lines');
    if (!tcpColumns) {
      const names = text.text(header + 6, text.lineAfter(header + 1) - 1).split(' ');
      tcpColumns = { retrans: names.indexOf('RetransSegs'), out: names.indexOf('OutSegs') };
      if (tcpColumns.retrans < 0 || tcpColumns.out < 0) throw new Error('no RetransSegs or OutSegs column');
    }
    let pos = values + 6;
    let retransSegs = NaN;
    let outSegs = NaN;
    for (let column = 0; column <= Math.max(tcpColumns.retrans, tcpColumns.out); column++) {
      const at = text.word(pos);
      const end = text.next;
      if (column === tcpColumns.retrans) retransSegs = text.number(at);
      if (column === tcpColumns.out) outSegs = text.number(at);
      pos = end;
    }
    snap.tcp = { retransSegs, outSegs, at: performance.now() };
  },
  statfs(snap, root) {
    const s = fs.statfsSync(root === '' ? '/' : root);
    const used = s.blocks - s.bfree;
    // Same definition as df: used / (used + available to unprivileged users).
    snap.rootFs = { usedPct: (100 * used) / Math.max(1, used + s.bavail) };
  },
};

/**
 * Reads a snapshot from every source that exists; a source that fails is reported once through
 * `onMissing` and skipped from then on, never a crash.
 */
export class ProcReader {
  private readonly disabled = new Set<SourceName>();
  /** The last reading of each slow or medium source, and when it was taken. */
  private readonly last = new Map<SourceName, { at: number; snap: ProcSnapshot }>();

  constructor(
    private readonly root = '',
    private readonly onMissing: (source: SourceName, reason: string) => void = () => {}
  ) {}

  read(): ProcSnapshot {
    const snap: ProcSnapshot = {};
    const now = performance.now();
    for (const name of Object.keys(readers) as SourceName[]) {
      if (this.disabled.has(name)) continue;
      const slow = SLOW_SOURCES.has(name);
      const medium = MEDIUM_SOURCES.has(name);
      const last = this.last.get(name);
      if (slow && last && now - last.at < SLOW_SOURCE_MS) {
        Object.assign(snap, last.snap);
        continue;
      }
      if (medium && last && now - last.at < MEDIUM_SOURCE_MS) continue;
      try {
        const part: ProcSnapshot = {};
        readers[name](part, this.root);
        if (slow || medium) this.last.set(name, { at: now, snap: part });
        Object.assign(snap, part);
      } catch (err) {
        this.disabled.add(name);
        this.onMissing(name, (err as Error).message.split('\n')[0]!);
      }
    }
    return snap;
  }
}
