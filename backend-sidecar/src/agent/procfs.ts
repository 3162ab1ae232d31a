import fs from 'node:fs';

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
  vm?: { pgfault: number; pgmajfault: number };
  psi?: { cpu?: number; memory?: number; io?: number };
  disk?: DiskCounters;
  /** The same counters per whole device (sda, vda, nvme0n1...). */
  devices?: Record<string, DiskCounters>;
  net?: { rxBytes: number; txBytes: number; rxPackets: number; txPackets: number; errors: number; drops: number };
  tcp?: { retransSegs: number; outSegs: number };
  rootFs?: { usedPct: number };
}

export type SourceName = 'stat' | 'loadavg' | 'meminfo' | 'vmstat' | 'psi' | 'diskstats' | 'netdev' | 'snmp' | 'statfs';

// /proc files are re-read through descriptors kept open (pread at offset 0): at 100 Hz that saves
// an open and a close per file per sample.
const descriptors = new Map<string, number>();
let buffer = Buffer.allocUnsafe(64 * 1024);

function read(file: string): string {
  let fd = descriptors.get(file);
  if (fd === undefined) {
    fd = fs.openSync(file, 'r');
    descriptors.set(file, fd);
  }
  for (;;) {
    const n = fs.readSync(fd, buffer, 0, buffer.length, 0);
    if (n < buffer.length) return buffer.toString('latin1', 0, n);
    buffer = Buffer.allocUnsafe(buffer.length * 2);
  }
}

function fields(line: string): string[] {
  return line.trim().split(/\s+/);
}

// Whole devices only: partitions and virtual devices would count the same I/O twice.
const WHOLE_DISK = /^(sd[a-z]+|vd[a-z]+|xvd[a-z]+|hd[a-z]+|nvme\d+n\d+|mmcblk\d+)$/;

/** "Key: value" or "key value" lines into numbers, for the keys asked (one pass, no regular expressions). */
function pick(text: string, keys: readonly string[], separator: string): Record<string, number> {
  const out: Record<string, number> = {};
  let pos = 0;
  let found = 0;
  while (pos < text.length && found < keys.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const sep = text.indexOf(separator, pos);
    if (sep > pos && sep < end) {
      const key = text.slice(pos, sep);
      if (keys.includes(key)) {
        out[key] = Number.parseFloat(text.slice(sep + 1, end).trim());
        found++;
      }
    }
    pos = end + 1;
  }
  return out;
}

const MEMINFO_KEYS = ['MemTotal', 'MemAvailable', 'Cached', 'SwapTotal', 'SwapFree'];
const VMSTAT_KEYS = ['pgfault', 'pgmajfault'];
// Slow-moving sources are read at most this often, whatever the sampling rate.
const SLOW_SOURCE_MS = 1000;

const readers: Record<SourceName, (snap: ProcSnapshot, root: string) => void> = {
  stat(snap, root) {
    const text = read(`${root}/proc/stat`);
    const end = text.indexOf('\n');
    const line = text.slice(0, end < 0 ? text.length : end);
    if (!line.startsWith('cpu ')) throw new Error('no cpu line');
    const [, user, nice, system, idle, iowait, irq, softirq, steal] = fields(line).map(Number);
    snap.cpu = {
      user: user!,
      nice: nice!,
      system: system!,
      idle: idle!,
      iowait: iowait ?? 0,
      irq: irq ?? 0,
      softirq: softirq ?? 0,
      steal: steal ?? 0,
    };
    const at = text.indexOf('procs_running ');
    if (at >= 0) snap.procsRunning = Number.parseInt(text.slice(at + 14, text.indexOf('\n', at)), 10);
  },
  loadavg(snap, root) {
    snap.load1 = Number(fields(read(`${root}/proc/loadavg`))[0]);
  },
  meminfo(snap, root) {
    const m = pick(read(`${root}/proc/meminfo`), MEMINFO_KEYS, ':');
    snap.mem = {
      totalKb: m.MemTotal ?? NaN,
      availableKb: m.MemAvailable ?? NaN,
      cachedKb: m.Cached ?? NaN,
      swapTotalKb: m.SwapTotal ?? NaN,
      swapFreeKb: m.SwapFree ?? NaN,
    };
  },
  vmstat(snap, root) {
    const v = pick(read(`${root}/proc/vmstat`), VMSTAT_KEYS, ' ');
    snap.vm = { pgfault: v.pgfault ?? NaN, pgmajfault: v.pgmajfault ?? NaN };
  },
  psi(snap, root) {
    const some = (kind: string) => {
      const text = read(`${root}/proc/pressure/${kind}`);
      return text.startsWith('some avg10=') ? Number.parseFloat(text.slice(11)) : undefined;
    };
    snap.psi = { cpu: some('cpu'), memory: some('memory'), io: some('io') };
  },
  diskstats(snap, root) {
    const disk: DiskCounters = { readSectors: 0, writeSectors: 0, reads: 0, writes: 0, ioMs: 0, weightedMs: 0 };
    const devices: Record<string, DiskCounters> = {};
    for (const line of read(`${root}/proc/diskstats`).split('\n')) {
      const f = fields(line);
      if (f.length < 14 || !WHOLE_DISK.test(f[2]!)) continue;
      const d: DiskCounters = {
        reads: Number(f[3]),
        readSectors: Number(f[5]),
        writes: Number(f[7]),
        writeSectors: Number(f[9]),
        ioMs: Number(f[12]),
        weightedMs: Number(f[13]),
      };
      devices[f[2]!] = d;
      for (const k of Object.keys(disk) as (keyof DiskCounters)[]) disk[k] += d[k];
    }
    if (Object.keys(devices).length === 0) throw new Error('no physical disks listed');
    snap.disk = disk;
    snap.devices = devices;
  },
  netdev(snap, root) {
    const net = { rxBytes: 0, txBytes: 0, rxPackets: 0, txPackets: 0, errors: 0, drops: 0 };
    for (const line of read(`${root}/proc/net/dev`).split('\n').slice(2)) {
      const [name, rest] = line.split(':');
      if (!rest || name!.trim() === 'lo') continue;
      const f = fields(rest).map(Number);
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
    const lines = read(`${root}/proc/net/snmp`)
      .split('\n')
      .filter((l) => l.startsWith('Tcp:'));
    const names = fields(lines[0]!);
    const values = fields(lines[1]!);
    snap.tcp = {
      retransSegs: Number(values[names.indexOf('RetransSegs')]),
      outSegs: Number(values[names.indexOf('OutSegs')]),
    };
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
  private rootFs: { at: number; value: ProcSnapshot['rootFs'] } | undefined;

  constructor(
    private readonly root = '',
    private readonly onMissing: (source: SourceName, reason: string) => void = () => {}
  ) {}

  read(): ProcSnapshot {
    const snap: ProcSnapshot = {};
    for (const name of Object.keys(readers) as SourceName[]) {
      if (this.disabled.has(name)) continue;
      if (name === 'statfs' && this.rootFs && performance.now() - this.rootFs.at < SLOW_SOURCE_MS) {
        snap.rootFs = this.rootFs.value;
        continue;
      }
      try {
        readers[name](snap, this.root);
        if (name === 'statfs') this.rootFs = { at: performance.now(), value: snap.rootFs };
      } catch (err) {
        this.disabled.add(name);
        this.onMissing(name, (err as Error).message.split('\n')[0]!);
      }
    }
    return snap;
  }
}
