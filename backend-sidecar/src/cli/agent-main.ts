import { Command } from 'commander';
import { addAgentCommands } from './agent-program.ts';

// `twin-agent`: the agent's command line alone, what the build bundles into dist/twin-agent.mjs
// (plain JavaScript, nothing compiled when it starts; none of the sidecar's store, server or twins).
const program = new Command('twin-agent').description('Twin agent: sample this machine and stream to a sidecar');
addAgentCommands(program);
program.parseAsync(['node', 'twin-agent', 'agent', ...process.argv.slice(2)]).catch((err: Error) => {
  process.stderr.write(`twin-agent: ${err.message}\n`);
  process.exit(1);
});
