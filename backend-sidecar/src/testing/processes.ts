import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export const TWIN_BIN = fileURLToPath(new URL('../../bin/twin.mjs', import.meta.url));
export const AGENT_BIN = fileURLToPath(new URL('../../bin/twin-agent.mjs', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A command of the project run as a real process, with its combined output collected. */
export class RunningCommand {
  readonly child: ChildProcessWithoutNullStreams;
  output = '';
  readonly exited: Promise<number | null>;
  /** The signal that ended the process, if one did. */
  signal: NodeJS.Signals | null = null;

  constructor(bin: string, args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env } });
    this.child.stdout.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.signal = signal;
        resolve(code);
      })
    );
  }

  /** Sends a signal as soon as the output matches (in the same tick as the output arrives, not at a poll). */
  signalOn(pattern: RegExp, signal: NodeJS.Signals): void {
    const check = () => {
      if (!pattern.test(this.output)) return;
      this.child.kill(signal);
      this.child.stdout.off('data', check);
      this.child.stderr.off('data', check);
    };
    this.child.stdout.on('data', check);
    this.child.stderr.on('data', check);
  }

  /** Waits until the output matches, failing after the timeout with what was printed. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const match = pattern.exec(this.output);
      if (match) return match;
      if (this.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no ${pattern} in output within ${timeoutMs} ms:\n${this.output.slice(-3000)}`);
  }
}

/** Runs a command to completion. */
export async function run(bin: string, args: string[], env: Record<string, string> = {}) {
  const cmd = new RunningCommand(bin, args, env);
  const code = await cmd.exited;
  return { code, output: cmd.output };
}
