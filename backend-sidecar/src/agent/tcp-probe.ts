import net from 'node:net';

export interface ProbeTarget {
  host: string;
  port: number;
}

export function parseTarget(text: string): ProbeTarget {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text.trim());
  if (!m || Number(m[2]) > 65535) throw new Error(`probe target "${text}" must be host:port`);
  return { host: m[1]!, port: Number(m[2]) };
}

/** Network latency as the time a TCP connect takes (the handshake's round trip); undefined when it fails. */
export function tcpConnectMs(target: ProbeTarget, timeoutMs = 2000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const socket = net.connect({ host: target.host, port: target.port });
    const done = (ms: number | undefined) => {
      socket.destroy();
      resolve(ms);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('connect', () => done(Number(process.hrtime.bigint() - started) / 1e6));
  });
}
