import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InstanceId } from './query-schemas.ts';
import { Type } from '@sinclair/typebox';
import type { NewFailure } from '../../store/index.ts';
import type { SidecarServices } from '../services.ts';
import { instanceTimeRange, page } from './query-schemas.ts';

const Kind = Type.Union([Type.Literal('crash'), Type.Literal('outage')]);
const Cause = Type.Union(['memory', 'cpu', 'disk', 'network', 'host'].map((c) => Type.Literal(c)));
const Failure = Type.Object({
  id: Type.String(),
  instance: Type.String(),
  ts: Type.Number(),
  kind: Kind,
  cause: Type.Optional(Cause),
  source: Type.String(),
  detail: Type.Optional(Type.String()),
});

export const failureRoutes =
  (sidecar: SidecarServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/failures',
      {
        schema: {
          body: Type.Object(
            {
              id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
              instance: InstanceId,
              ts: Type.Number({ description: 'time of the failure, ms since the epoch' }),
              kind: Kind,
              cause: Type.Optional(Cause),
              source: Type.String({ default: 'operator', maxLength: 64 }),
              detail: Type.Optional(Type.String({ maxLength: 2000 })),
            },
            { additionalProperties: false }
          ),
          response: { 201: Failure },
        },
      },
      async (request, reply) => {
        const event = await sidecar.failures.record(request.body as NewFailure);
        return reply.status(201).send(event as never);
      }
    );

    app.get(
      '/failures',
      {
        schema: {
          querystring: Type.Object({ ...instanceTimeRange, ...page }),
          response: { 200: Type.Object({ items: Type.Array(Failure), total: Type.Integer() }) },
        },
      },
      async (request) => {
        const { limit, offset, ...filter } = request.query;
        const all = await sidecar.failures.list(filter);
        return { items: all.slice(offset, offset + limit) as never, total: all.length };
      }
    );
  };
