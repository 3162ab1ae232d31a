import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InstanceId } from './query-schemas.ts';
import { Type } from '@sinclair/typebox';
import type { SidecarServices } from '../services.ts';
import { page } from './query-schemas.ts';

const Anomaly = Type.Object({
  id: Type.String(),
  instance: Type.String(),
  start: Type.Number(),
  end: Type.Number(),
  open: Type.Boolean(),
  peakScore: Type.Number(),
  severity: Type.String(),
  metrics: Type.Array(
    Type.Object({
      metric: Type.String(),
      contribution: Type.Number(),
      excess: Type.Number(),
      firstAt: Type.Optional(Type.Number()),
    })
  ),
});

export const anomalyRoutes =
  (sidecar: SidecarServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Anomaly events of one instance from the history (closed ones) plus the one open now.
    app.get(
      '/anomalies',
      {
        schema: {
          querystring: Type.Object({
            instance: InstanceId,
            from: Type.Number({ default: 0 }),
            to: Type.Optional(Type.Number()),
            ...page,
          }),
          response: { 200: Type.Object({ items: Type.Array(Anomaly), total: Type.Integer() }) },
        },
      },
      async (request) => {
        const { instance, from, limit, offset } = request.query;
        const to = request.query.to ?? Date.now() + 1;
        const items: Array<typeof Anomaly.static> = await sidecar.anomalies.query(instance, from, to, offset + limit);
        const open = sidecar.scorer.state(instance)?.detector.openEvent;
        if (open && open.start < to && open.end >= from) items.push(open);
        return { items: items.slice(offset, offset + limit), total: items.length };
      }
    );

    // Incidents (anomaly events grouped per instance) with their ranked root causes, newest first.
    app.get(
      '/incidents',
      {
        schema: {
          querystring: Type.Object({
            instance: Type.Optional(InstanceId),
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
            offset: Type.Integer({ minimum: 0, default: 0 }),
          }),
        },
      },
      async (request) => {
        const { instance, limit, offset } = request.query;
        const all = sidecar.analysis.incidentsOf(instance);
        return { items: all.slice(offset, offset + limit), total: all.length };
      }
    );
  };
