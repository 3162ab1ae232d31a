import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { runNamed, BENCHMARKS, EVALUATIONS } from './measure-commands.ts';
import { parseDuration } from '../core/duration.ts';
import { addAgentCommands } from './agent-program.ts';

// Each command loads only what it needs: the agent must not pay for the sidecar's store and server.
const startCommand = async (o: import('./start-command.ts').StartOptions) =>
  (await import('./start-command.ts')).startCommand(o);
const simulateCommand = async (o: import('./simulate-command.ts').SimulateOptions) =>
  (await import('./simulate-command.ts')).simulateCommand(o);

const workerCommand = async (o: import('./worker-command.ts').WorkerOptions) =>
  (await import('./worker-command.ts')).workerCommand(o);

const models = async () => import('./models-command.ts');
const configCheckCommand = async (o: import('./config-command.ts').ConfigCheckOptions) =>
  (await import('./config-command.ts')).configCheckCommand(o);

/**
 * A path given on the command line, resolved from where the user ran npm (npm runs a workspace's
 * script in the workspace's folder, so `--data ../shared/data/smd` typed at the top would miss).
 */
const userPath = (value: string) => path.resolve(process.env.INIT_CWD ?? process.cwd(), value);

const duration = (value: string) => {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};
const positiveInt = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return value;
};

const scoreWith = (value: string): 'heads' | 'network' => {
  if (value !== 'heads' && value !== 'network') throw new InvalidArgumentError('expected heads or network');
  return value;
};

export function buildProgram(): Command {
  const program = new Command('twin')
    .description('Twin: predictive digital twins of virtual instances (sidecar, agent, simulator and tools)')
    .showHelpAfterError()
    .version('0.1.0');

  program
    .command('start')
    .description("start the sidecar on embedded defaults with a live fleet: this machine's agent and a simulated fleet")
    .option('--host <host>', 'address to listen on (TWIN_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (TWIN_PORT, default 7788)')
    .option('--data-dir <dir>', 'where state is kept (TWIN_DATA_DIR, default ./var)', userPath)
    .option(
      '--config <file>',
      'a configuration file (YAML or JSON, the environment variables as keys; TWIN_CONFIG)',
      userPath
    )
    .option('--no-simulator', 'do not run the built-in fleet simulator')
    .option('--no-agent', 'do not sample this machine')
    .option('--instances <n>', 'simulated instances', positiveInt, '8')
    .option('--backfill <duration>', 'history to backfill for simulated instances', '3d')
    .option('--backfill-step <duration>', 'spacing of backfilled samples', '1m')
    .option('--seed <n>', 'simulator seed', positiveInt, '1')
    .option('--no-demo', 'no demo faults in the first minutes (background faults only)')
    .option('--demo-speed <x>', 'run the demo faults this many times faster', '1')
    .action(startCommand);

  program
    .command('worker')
    .description(
      'train twins as jobs from Redis (REDIS_URL) for API nodes started with TWIN_ROLE=api; needs a shared metric store'
    )
    .option(
      '--config <file>',
      'a configuration file (YAML or JSON, the environment variables as keys; TWIN_CONFIG)',
      userPath
    )
    .option('--concurrency <n>', 'jobs at a time (default TWIN_TRAIN_THREADS)', positiveInt)
    .option('--name <name>', 'worker name, kept on the versions it trains (default host-worker-pid)')
    .option('--health-port <port>', 'serve GET /healthz on this port (for health checks)', positiveInt)
    .action(workerCommand);

  program
    .command('simulate')
    .description('simulate a fleet with injected faults: backfill history, then stream live at 1 Hz')
    .option('--instances <n>', 'number of instances', positiveInt, '8')
    .option('--seed <n>', 'seed (same seed, same fleet)', positiveInt, '1')
    .option('--backfill <duration>', 'history to generate before now', '1d')
    .option('--step <duration>', 'spacing of backfilled samples', '1m')
    .option('--faults-per-day <rate>', 'chance per instance and day that a fault starts', '0.12')
    .option('--no-demo', 'no demo faults starting now')
    .option('--live', 'keep streaming live at 1 Hz after the backfill (needs --url)', false)
    .option('--url <url>', 'sidecar to send to, e.g. http://127.0.0.1:7788')
    .option('--out <file>', 'write JSON lines (samples, failures, ground truth) to a file instead', userPath)
    .option('--token <token>', 'bearer token for the sidecar')
    .action(simulateCommand);

  addAgentCommands(program);

  const modelsCmd = program
    .command('models')
    .description("a running sidecar's model versions: list, show, promote, roll back")
    .option('--url <url>', 'sidecar URL', 'http://127.0.0.1:7788')
    .option('--token <token>', 'bearer token (TWIN_TOKEN)')
    .option('--json', 'print the answer as JSON', false);
  type ModelsOpts = import('./models-command.ts').ModelsOptions;
  modelsCmd
    .command('list')
    .description('versions of an instance, the champion marked *, with why each was kept or rejected')
    .argument('<instance>')
    .action(async (instance: string) => (await models()).listModels(instance, modelsCmd.opts<ModelsOpts>()));
  modelsCmd
    .command('show')
    .description("a version's metadata: features, scaling, thresholds, training figures, checksum")
    .argument('<instance>')
    .argument('<version>')
    .action(async (instance: string, version: string) =>
      (await models()).showModel(instance, version, modelsCmd.opts<ModelsOpts>())
    );
  modelsCmd
    .command('promote')
    .description('make a version the champion (takes effect at the next prediction)')
    .argument('<instance>')
    .argument('<version>')
    .action(async (instance: string, version: string) =>
      (await models()).promoteModel(instance, version, modelsCmd.opts<ModelsOpts>())
    );
  modelsCmd
    .command('rollback')
    .description('return to the champion before the current one')
    .argument('<instance>')
    .action(async (instance: string) => (await models()).rollbackModel(instance, modelsCmd.opts<ModelsOpts>()));

  program
    .command('bench')
    .description(`run a benchmark side by side with its peer (${Object.keys(BENCHMARKS).join(', ') || 'none yet'})`)
    .argument('[name]', 'benchmark name')
    .option('--json', 'also print the figures as one JSON object on the last line', false)
    .option('--sizes <list>', 'comma-separated fleet sizes (fleet; default 1000,5000,20000)')
    .option('--seconds <n>', 'seconds of load per size (fleet; default 20)', positiveInt)
    .option('--inputs <n>', 'generated inputs (chaos; default 10000)', positiveInt)
    .option('--seed <n>', 'seed of the generated inputs (chaos; default 7)', positiveInt)
    .action(
      (
        name: string | undefined,
        opts: { json: boolean; sizes?: string; seconds?: string; inputs?: string; seed?: string }
      ) =>
        runNamed('benchmark', BENCHMARKS, name, {
          json: opts.json,
          ...(opts.inputs ? { inputs: Number(opts.inputs) } : {}),
          ...(opts.seed ? { seed: Number(opts.seed) } : {}),
          ...(opts.sizes ? { sizes: opts.sizes.split(',').map(Number) } : {}),
          ...(opts.seconds ? { seconds: Number(opts.seconds) } : {}),
        })
    );

  program
    .command('eval')
    .description(
      `evaluate detection and forecasting quality on recorded data (${Object.keys(EVALUATIONS).join(', ') || 'none yet'})`
    )
    .argument('[name]', 'evaluation name')
    .option('--data <dir>', 'data folder (forecast: SMD layout, NAB folder, or "simulator")')
    .option('--out <file>', 'where the figures are written as JSON (default var/eval/NAME.json)')
    .option('--epochs <n>', 'most training epochs of each twin', positiveInt)
    .option('--machines <list>', 'comma-separated subset (SMD machines; forecast: also NAB files or parts)')
    .option(
      '--retrain <duration>',
      'how often the twin is retrained on its rolling window (smd, nab, forecast; default 1d)',
      duration
    )
    .option('--score-with <what>', 'what the twins score samples against: heads or network (smd, nab)', scoreWith)
    .option('--score-horizon <n>', "with --score-with heads: the head's horizon in steps", positiveInt)
    .option('--instances <n>', 'simulated instances (failures, forecast)', positiveInt)
    .option('--days <n>', 'simulated test days (failures, forecast)', positiveInt)
    .option('--seed <n>', 'simulation seed (failures, forecast)', positiveInt)
    .option('--json', 'also print the figures as one JSON object on the last line', false)
    .action(
      (
        name: string | undefined,
        opts: {
          json: boolean;
          data?: string;
          out?: string;
          epochs?: string;
          machines?: string;
          retrain?: number;
          scoreWith?: 'heads' | 'network';
          scoreHorizon?: string;
          instances?: string;
          days?: string;
          seed?: string;
        }
      ) =>
        runNamed('evaluation', EVALUATIONS, name, {
          json: opts.json,
          // "simulator" names the built-in fleet simulator, not a folder (forecast).
          ...(opts.data ? { data: opts.data === 'simulator' ? opts.data : userPath(opts.data) } : {}),
          ...(opts.out ? { out: userPath(opts.out) } : {}),
          ...(opts.epochs ? { epochs: Number(opts.epochs) } : {}),
          ...(opts.machines ? { machines: opts.machines.split(',') } : {}),
          ...(opts.retrain ? { retrainMs: opts.retrain } : {}),
          ...(opts.scoreWith ? { scoreWith: opts.scoreWith } : {}),
          ...(opts.scoreHorizon ? { scoreHorizon: Number(opts.scoreHorizon) } : {}),
          ...(opts.instances ? { instances: Number(opts.instances) } : {}),
          ...(opts.days ? { days: Number(opts.days) } : {}),
          ...(opts.seed ? { seed: Number(opts.seed) } : {}),
        })
    );

  program
    .command('config')
    .description('the sidecar configuration (a TWIN_CONFIG file and environment variables)')
    .command('check')
    .description('validate the configuration as `twin start` reads it and print what is in force (secrets masked)')
    .option('--config <file>', 'a configuration file (YAML or JSON; default TWIN_CONFIG)', userPath)
    .option('--json', 'print the result as JSON', false)
    .action(configCheckCommand);

  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: Error) => {
    process.stderr.write(`twin: ${err.message}\n`);
    process.exit(1);
  });
