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

function read(file: string): string {
  return fs.readFileSync(file, 'utf8');
}

function fields(line: string): string[] {
  return line.trim().split(/\s+/);
}

// Whole devices only: partitions and virtual devices would count the same I/O twice.
const WHOLE_DISK = /^(sd[a-z]+|vd[a-z]+|xvd[a-z]+|hd[a-z]+|nvme\d+n\d+|mmcblk\d+)$/;

const readers: Record<SourceName, (snap: ProcSnapshot, root: string) => void> = {
  stat(snap, root) {
    const line = read(`${root}/proc/stat`)
      .split('\n')
      .find((l) => l.startsWith('cpu '));
    if (!line) throw new Error('no cpu line');
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
    const running = /procs_running\s+(\d+)/.exec(read(`${root}/proc/stat`));
    if (running) snap.procsRunning = Number(running[1]);
  },
  loadavg(snap, root) {
    snap.load1 = Number(fields(read(`${root}/proc/loadavg`))[0]);
  },
  meminfo(snap, root) {
    const kb = (name: string, text: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    const text = read(`${root}/proc/meminfo`);
    snap.mem = {
      totalKb: kb('MemTotal', text),
      availableKb: kb('MemAvailable', text),
      cachedKb: kb('Cached', text),
      swapTotalKb: kb('SwapTotal', text),
      swapFreeKb: kb('SwapFree', text),
    };
  },
  vmstat(snap, root) {
    const text = read(`${root}/proc/vmstat`);
    const get = (name: string) => Number(new RegExp(`^${name}\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    snap.vm = { pgfault: get('pgfault'), pgmajfault: get('pgmajfault') };
  },
  psi(snap, root) {
    const some = (kind: string) => {
      const m = /^some avg10=([\d.]+)/m.exec(read(`${root}/proc/pressure/${kind}`));
      return m ? Number(m[1]) : undefined;
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

  constructor(
    private readonly root = '',
    private readonly onMissing: (source: SourceName, reason: string) => void = () => {}
  ) {}

  read(): ProcSnapshot {
    const snap: ProcSnapshot = {};
    for (const name of Object.keys(readers) as SourceName[]) {
      if (this.disabled.has(name)) continue;
      try {
        readers[name](snap, this.root);
      } catch (err) {
        this.disabled.add(name);
        this.onMissing(name, (err as Error).message.split('\n')[0]!);
      }
    }
    return snap;
  }
}
