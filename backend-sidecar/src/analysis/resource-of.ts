import type { Resource } from '../core/types.ts';

// By the metric's name as the agent, the simulator, Telegraf and node_exporter spell it; qualifiers
// after the first "." (a device, a mode) do not change the resource.
const RULES: [RegExp, Resource][] = [
  [/^cpu_steal/, 'host'],
  [/^(mem|memory|swap|page_faults|psi_memory|node_memory|oom)/, 'memory'],
  [/^(cpu|load|run_queue|psi_cpu|procs_running|node_cpu|node_load)/, 'cpu'],
  [/^(disk|diskio|fs|filesystem|psi_io|io_|node_disk|node_filesystem)/, 'disk'],
  [/^(net|tcp|udp|node_network|node_netstat|ping|http_response)/, 'network'],
];

/** The resource a raw metric measures, or undefined when its name does not say. */
export function resourceOf(metric: string): Resource | undefined {
  const name = metric.split('.')[0]!;
  for (const [pattern, resource] of RULES) if (pattern.test(name)) return resource;
  return undefined;
}
