import os from 'node:os';
import { defaultInstanceId, parseTarget, TwinAgent, validateHz, ProcReader, metricsBetween } from '../agent/index.ts';
import { collectReport, sendReport } from '../agent/index.ts';

export interface AgentCommandOptions {
  url: string;
  hz?: string;
  instance?: string;
  label: string[];
  probe: string[];
  token?: string;
  spool?: string;
  once: boolean;
}

function parseLabels(pairs: string[]): Record<string, string> {
  const labels: Record<string, string> = { host: os.hostname(), source: 'agent' };
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--label ${pair}: expected key=value`);
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return labels;
}

/** `twin-agent` / `twin agent`: sample this machine and stream to a sidecar. */
export async function agentCommand(options: AgentCommandOptions): Promise<void> {
  const hzText = options.hz ?? process.env.TWIN_AGENT_HZ ?? '1';
  const hz = validateHz(Number(hzText), options.hz ? '--hz' : 'TWIN_AGENT_HZ');
  if (options.once) {
    const reader = new ProcReader('', (source, reason) =>
      process.stderr.write(`source ${source} unavailable: ${reason}\n`)
    );
    // A second apart whatever the rate, so that every source has been read twice.
    const first = reader.read();
    await new Promise((r) => setTimeout(r, 1000));
    process.stdout.write(JSON.stringify(metricsBetween(first, reader.read(), 1), null, 2) + '\n');
    return;
  }
  const sidecar = new URL(options.url);
  const probes = options.probe.length
    ? options.probe.map(parseTarget)
    : [{ host: sidecar.hostname, port: Number(sidecar.port || (sidecar.protocol === 'https:' ? 443 : 80)) }];
  const instance = options.instance ?? process.env.TWIN_AGENT_INSTANCE ?? defaultInstanceId();
  const agent = new TwinAgent({
    url: options.url,
    hz,
    instance,
    labels: parseLabels(options.label),
    probeTargets: probes,
    token: options.token ?? process.env.TWIN_TOKEN,
    ...((options.spool ?? process.env.TWIN_AGENT_SPOOL)
      ? { spoolDir: options.spool ?? process.env.TWIN_AGENT_SPOOL! }
      : {}),
    log: (m) => process.stderr.write(`${m}\n`),
  });
  agent.start();
  // A report at every start: run as a service, the agent starts with the instance, so this is the boot report.
  void sendBootReport(options.url, instance, options.token ?? process.env.TWIN_TOKEN);
  const stopAsked = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  // Announced once signals are handled (a signal before the handler would kill the agent without a clean stop).
  process.stderr.write(`sampling ${os.hostname()} at ${hz} Hz, sending to ${options.url}\n`);
  await stopAsked;
  await agent.stop();
  process.stderr.write(
    `stopped after ${agent.stats.sampled} samples (${agent.stats.sent} acknowledged, ${agent.spooled} batches left in the spool)\n`
  );
}

async function sendBootReport(url: string, instance: string, token: string | undefined): Promise<void> {
  try {
    const answer = await sendReport(url, await collectReport(instance), token);
    process.stderr.write(`boot report ${answer.report_id}: ${answer.overall}, ${answer.findings.length} findings\n`);
  } catch (error) {
    process.stderr.write(`boot report not sent: ${(error as Error).message}\n`);
  }
}

export interface ReportCommandOptions {
  url: string;
  instance?: string;
  token?: string;
  print: boolean;
}

/** `twin-agent report`: gathers this machine's logs and status and sends them as a report (or prints it). */
export async function reportCommand(options: ReportCommandOptions): Promise<void> {
  const report = await collectReport(options.instance ?? process.env.TWIN_AGENT_INSTANCE ?? defaultInstanceId());
  if (options.print) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  const answer = await sendReport(options.url, report, options.token ?? process.env.TWIN_TOKEN);
  process.stdout.write(JSON.stringify(answer, null, 2) + '\n');
}
