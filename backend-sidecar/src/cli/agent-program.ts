import type { Command } from 'commander';

export const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * `agent` and `agent report`, on the full command line (`twin agent`) and on the agent's own
 * (`twin-agent`, bundled alone at build time: see agent-main.ts). Their code loads when they run.
 */
export function addAgentCommands(program: Command): void {
  program
    .command('agent')
    .description(
      'sample this machine (CPU, memory, disk, network, pressure) and stream to a sidecar; same as twin-agent'
    )
    .option('--url <url>', 'sidecar URL', 'http://127.0.0.1:7788')
    .option('--hz <rate>', 'samples per second, 0.1 to 100 (TWIN_AGENT_HZ, default 1)')
    .option('--instance <id>', 'instance id (default: host name and /etc/machine-id)')
    .option('--label <key=value>', 'label carried with every sample (repeatable): host, zone, service...', collect, [])
    .option('--probe <host:port>', 'TCP connect latency target (repeatable; default: the sidecar)', collect, [])
    .option('--token <token>', 'bearer token (TWIN_TOKEN)')
    .option('--spool <dir>', 'where batches wait while the sidecar is unreachable (TWIN_AGENT_SPOOL)')
    .option('--once', 'print one sample as JSON and exit', false)
    .action(async (o: import('./agent-command.ts').AgentCommandOptions) =>
      (await import('./agent-command.ts')).agentCommand(o)
    )
    .command('report')
    .description(
      "send this machine's operating information report (kernel log, journal or syslog, status) to the sidecar at --url"
    )
    .option('--print', 'print the report as JSON instead of sending it', false)
    // --url, --instance and --token are the agent's own options (given before or after "report").
    .action(async (o: { print: boolean }, command: Command) =>
      (await import('./agent-command.ts')).reportCommand({
        ...(command.parent!.opts() as Omit<import('./agent-command.ts').ReportCommandOptions, 'print'>),
        print: o.print,
      })
    );
}
