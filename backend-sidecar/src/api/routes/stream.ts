import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { TwinError } from '../../core/errors.ts';
import { STREAM_KINDS, type StreamFilter, type StreamKind } from '../stream-hub.ts';
import type { SidecarServices } from '../services.ts';

/** `?instance=a,b&kind=anomaly_score,...` as a filter; unknown kinds are refused, naming them. */
export function streamFilter(query: { instance?: string | undefined; kind?: string | undefined }): StreamFilter {
  const list = (s: string | undefined) =>
    s
      ? s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
      : undefined;
  const kinds = list(query.kind);
  const unknown = kinds?.filter((k) => !(STREAM_KINDS as readonly string[]).includes(k));
  if (unknown?.length)
    throw new TwinError(
      'TWIN_ERR_VALIDATION',
      400,
      `querystring/kind: unknown ${unknown.join(', ')} (known: ${STREAM_KINDS.join(', ')})`,
      'querystring/kind'
    );
  const instances = list(query.instance);
  return {
    ...(instances ? { instances: new Set(instances) } : {}),
    ...(kinds ? { kinds: new Set(kinds as StreamKind[]) } : {}),
  };
}

/**
 * `GET /api/v1/stream`: live anomaly scores, failure probabilities, anomaly events and incidents as
 * server-sent events, filtered by instance and kind; a client that reconnects with Last-Event-ID
 * (or `?last_event_id=`) first gets what it missed, and a `reset` event when the gap is too old.
 */
export const streamRoutes =
  (sidecar: SidecarServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/stream',
      {
        schema: {
          querystring: Type.Object({
            instance: Type.Optional(Type.String()),
            kind: Type.Optional(Type.String()),
            last_event_id: Type.Optional(Type.Integer({ minimum: 0 })),
          }),
        },
      },
      async (request, reply) => {
        const filter = streamFilter(request.query);
        const header = request.headers['last-event-id'];
        const lastEventId =
          header !== undefined && /^\d+$/.test(String(header)) ? Number(header) : request.query.last_event_id;
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        res.write(': twin stream\n\n');
        const { missed, unsubscribe } = sidecar.stream.subscribe(
          filter,
          {
            write: (e) => {
              res.write(`id: ${e.id}\nevent: ${e.kind}\ndata: ${e.data}\n\n`);
              return res.writableLength;
            },
            close: (reason) => {
              res.end(`event: error\ndata: ${JSON.stringify({ reason })}\n\n`);
              res.destroy();
            },
          },
          lastEventId
        );
        if (missed)
          res.write(
            `event: reset\ndata: ${JSON.stringify({ reason: 'events after the given id are no longer kept' })}\n\n`
          );
        const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
        res.on('close', () => {
          clearInterval(keepAlive);
          unsubscribe();
        });
      }
    );
  };
