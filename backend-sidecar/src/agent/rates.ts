import type { DiskCounters, ProcSnapshot } from './procfs.ts';

/**
 * Per-second rate of a monotonically increasing counter. A counter that went backwards was reset
 * (reboot, driver reload, 32-bit wrap): that interval has no trustworthy rate, so none is reported.
 */
export function counterRate(
  previous: number | undefined,
  current: number | undefined,
  seconds: number
): number | undefined {
  if (previous === undefined || current === undefined || !Number.isFinite(previous) || !Number.isFinite(current))
    return undefined;
  if (seconds <= 0 || current < previous) return undefined;
  return (current - previous) / seconds;
}

const SECTOR_BYTES = 512;

/** The previous snapshot for the next interval: the newest reading of every source. */
export function mergeSnapshots(prev: ProcSnapshot, cur: ProcSnapshot): ProcSnapshot {
  return { ...prev, ...cur };
}

/**
 * Turns two snapshots into the agent's metrics: gauges as they are, counters as rates over the
 * interval (over the interval between their own reads for the counters read less often, which
 * `prev` must then hold from an earlier sample: see `mergeSnapshots`).
 */
export function metricsBetween(prev: ProcSnapshot, cur: ProcSnapshot, seconds: number): Record<string, number> {
  const out: Record<string, number> = {};
  const put = (name: string, value: number | undefined) => {
    if (value !== undefined && Number.isFinite(value)) out[name] = value;
  };

  if (prev.cpu && cur.cpu) {
    const d = (k: keyof NonNullable<ProcSnapshot['cpu']>) => cur.cpu![k] - prev.cpu![k];
    const total = d('user') + d('nice') + d('system') + d('idle') + d('iowait') + d('irq') + d('softirq') + d('steal');
    if (total > 0 && [d('user'), d('system'), d('idle')].every((x) => x >= 0)) {
      put('cpu_user_pct', (100 * (d('user') + d('nice'))) / total);
      put('cpu_system_pct', (100 * d('system')) / total);
      put('cpu_iowait_pct', (100 * Math.max(0, d('iowait'))) / total);
      put('cpu_steal_pct', (100 * Math.max(0, d('steal'))) / total);
      put('cpu_irq_pct', (100 * Math.max(0, d('irq') + d('softirq'))) / total);
    }
  }
  put('load1', cur.load1);
  put('run_queue', cur.procsRunning);
  if (cur.mem && cur.mem.totalKb > 0) {
    put('mem_used_pct', (100 * (cur.mem.totalKb - cur.mem.availableKb)) / cur.mem.totalKb);
    put('mem_available_bytes', cur.mem.availableKb * 1024);
    put('mem_cached_pct', (100 * cur.mem.cachedKb) / cur.mem.totalKb);
    put(
      'swap_used_pct',
      cur.mem.swapTotalKb > 0 ? (100 * (cur.mem.swapTotalKb - cur.mem.swapFreeKb)) / cur.mem.swapTotalKb : 0
    );
  }
  if (cur.vm && prev.vm) {
    const vmSeconds = (cur.vm.at - prev.vm.at) / 1000;
    const major = counterRate(prev.vm.pgmajfault, cur.vm.pgmajfault, vmSeconds);
    const all = counterRate(prev.vm.pgfault, cur.vm.pgfault, vmSeconds);
    put('page_faults_major_per_s', major);
    put('page_faults_minor_per_s', all !== undefined && major !== undefined ? Math.max(0, all - major) : undefined);
  }
  put('psi_cpu_some_avg10', cur.psi?.cpu);
  put('psi_memory_some_avg10', cur.psi?.memory);
  put('psi_io_some_avg10', cur.psi?.io);
  if (cur.disk && prev.disk) diskRates(put, '', prev.disk, cur.disk, seconds, Object.keys(cur.devices ?? {}).length);
  for (const [device, counters] of Object.entries(cur.devices ?? {})) {
    const before = prev.devices?.[device];
    if (before) diskRates(put, `.dev_${device}`, before, counters, seconds, 1);
  }
  put('disk_used_pct', cur.rootFs?.usedPct);
  if (cur.net && prev.net) {
    put('net_rx_bytes_per_s', counterRate(prev.net.rxBytes, cur.net.rxBytes, seconds));
    put('net_tx_bytes_per_s', counterRate(prev.net.txBytes, cur.net.txBytes, seconds));
    put('net_rx_packets_per_s', counterRate(prev.net.rxPackets, cur.net.rxPackets, seconds));
    put('net_tx_packets_per_s', counterRate(prev.net.txPackets, cur.net.txPackets, seconds));
    put('net_errors_per_s', counterRate(prev.net.errors, cur.net.errors, seconds));
    put('net_drops_per_s', counterRate(prev.net.drops, cur.net.drops, seconds));
  }
  if (cur.tcp && prev.tcp)
    put('net_retrans_per_s', counterRate(prev.tcp.retransSegs, cur.tcp.retransSegs, (cur.tcp.at - prev.tcp.at) / 1000));
  return out;
}

/** Bytes, IOPS, utilisation and average wait of one device (or of all, `devices` of them). */
function diskRates(
  put: (name: string, value: number | undefined) => void,
  suffix: string,
  prev: DiskCounters,
  cur: DiskCounters,
  seconds: number,
  devices: number
): void {
  const name = diskNames(suffix);
  const reads = counterRate(prev.reads, cur.reads, seconds);
  const writes = counterRate(prev.writes, cur.writes, seconds);
  put(name.disk_read_bytes_per_s, scale(counterRate(prev.readSectors, cur.readSectors, seconds), SECTOR_BYTES));
  put(name.disk_write_bytes_per_s, scale(counterRate(prev.writeSectors, cur.writeSectors, seconds), SECTOR_BYTES));
  put(name.disk_iops, reads !== undefined && writes !== undefined ? reads + writes : undefined);
  // Busy milliseconds per second over all devices: their mean utilisation.
  const busyMs = counterRate(prev.ioMs, cur.ioMs, seconds);
  put(name.disk_util_pct, busyMs === undefined ? undefined : Math.min(100, busyMs / 10 / Math.max(1, devices)));
  const ios = cur.reads + cur.writes - (prev.reads + prev.writes);
  const waited = cur.weightedMs - prev.weightedMs;
  put(name.disk_await_ms, ios > 0 && waited >= 0 ? waited / ios : ios === 0 ? 0 : undefined);
}

const namesBySuffix = new Map<string, Record<string, string>>();
/** The metric names of one device (built once, not at every sample). */
function diskNames(suffix: string) {
  let names = namesBySuffix.get(suffix);
  if (!names) {
    names = {};
    for (const base of [
      'disk_read_bytes_per_s',
      'disk_write_bytes_per_s',
      'disk_iops',
      'disk_util_pct',
      'disk_await_ms',
    ])
      names[base] = base + suffix;
    namesBySuffix.set(suffix, names);
  }
  return names as Record<
    'disk_read_bytes_per_s' | 'disk_write_bytes_per_s' | 'disk_iops' | 'disk_util_pct' | 'disk_await_ms',
    string
  >;
}

function scale(x: number | undefined, factor: number): number | undefined {
  return x === undefined ? undefined : x * factor;
}
