export { TwinAgent, validateHz, defaultInstanceId, MIN_HZ, MAX_HZ, type AgentOptions } from './twin-agent.ts';
export { ProcReader, type ProcSnapshot, type SourceName } from './procfs.ts';
export { metricsBetween, counterRate } from './rates.ts';
export { tcpConnectMs, parseTarget, type ProbeTarget } from './tcp-probe.ts';
export { collectReport, sendReport, type CollectedReport } from './report-collector.ts';
