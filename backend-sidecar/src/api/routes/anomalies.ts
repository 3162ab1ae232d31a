import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Sidecar } from '../sidecar.ts';

const Anomaly = Type.Object({
  id: Type.String(),
  instance: Type.String(),
  start: Type.Number(),
  end: Type.Number(),
  open: Type.Boolean(),
  peakScore: Type.Number(),
  severity: Type.String(),
  metrics: Type.Array(Type.Object({ metric: Type.String(), contribution: Type.Number(), excess: Type.Number() })),
});

export const anomalyRoutes =
  (sidecar: Sidecar): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Anomaly events of one instance from the history (closed ones) plus the one open now.
    app.get(
      '/anomalies',
      {
        schema: {
          querystring: Type.Object({
            instance: Type.String({ minLength: 1 }),
            from: Type.Number({ default: 0 }),
            to: Type.Optional(Type.Number()),
            limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
          }),
          response: { 200: Type.Object({ items: Type.Array(Anomaly), total: Type.Integer() }) },
        },
      },
      async (request) => {
        const { instance, from, limit } = request.query;
        const to = request.query.to ?? Date.now() + 1;
        const items: Array<typeof Anomaly.static> = await sidecar.anomalies.query(instance, from, to, limit);
        const open = sidecar.live.get(instance)?.detector.openEvent;
        if (open && open.start < to && open.end >= from) items.push(open);
        return { items, total: items.length };
      }
    );
  };
