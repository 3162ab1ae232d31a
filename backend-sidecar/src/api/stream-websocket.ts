import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { FastifyInstance } from 'fastify';
import { authenticator } from './auth.ts';
import { streamFilter } from './routes/stream.ts';
import type { SidecarServices } from './services.ts';

export const STREAM_WS_PATH = '/api/v1/stream/ws';

/**
 * The live stream over WebSocket at /api/v1/stream/ws, with the SSE stream's filters
 * (`?instance=&kind=`) and resume (`?last_event_id=`): each event is one JSON text message; a
 * client that leaves more than the hub's bound unsent is closed with code 4008 and the reason.
 */
export function registerStreamWebSocket(app: FastifyInstance, sidecar: SidecarServices): void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const authenticate = authenticator(sidecar.config.apiTokens);
  const refuse = (socket: Duplex, status: number, message: string) => {
    socket.end(`HTTP/1.1 ${status} ${message}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${message}\n`);
  };
  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.pathname !== STREAM_WS_PATH) return refuse(socket, 404, 'Not Found');
    const caller = authenticate(request.headers.authorization);
    if (!caller) return refuse(socket, 401, 'Unauthorized');
    if (!caller.scopes.includes('read')) return refuse(socket, 403, 'Forbidden');
    let filter;
    try {
      filter = streamFilter({
        instance: url.searchParams.get('instance') ?? undefined,
        kind: url.searchParams.get('kind') ?? undefined,
      });
    } catch (error) {
      return refuse(socket, 400, (error as Error).message);
    }
    const last = url.searchParams.get('last_event_id');
    wss.handleUpgrade(request, socket, head, (ws) => {
      const { missed, unsubscribe } = sidecar.stream.subscribe(
        filter,
        {
          write: (e) => {
            ws.send(e.data);
            return ws.bufferedAmount;
          },
          close: (reason) => ws.close(4008, reason.slice(0, 120)),
        },
        last !== null && /^\d+$/.test(last) ? Number(last) : undefined
      );
      if (missed) ws.send(JSON.stringify({ kind: 'reset', reason: 'events after the given id are no longer kept' }));
      ws.on('close', unsubscribe);
      ws.on('error', unsubscribe);
    });
  });
  app.addHook('onClose', async () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
  });
}
