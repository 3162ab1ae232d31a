import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errors } from '../../core/errors.ts';
import type { Sidecar } from '../sidecar.ts';

export const seriesRoutes =
  (sidecar: Sidecar): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Raw or averaged series of one instance over a time range (Grafana's datasource and tools read this).
    app.get(
      '/series',
      {
        schema: {
          querystring: Type.Object({
            instance: Type.String({ minLength: 1 }),
            from: Type.Number(),
            to: Type.Number(),
            step: Type.Optional(Type.Integer({ minimum: 1, description: 'resolution in ms; omitted = raw points' })),
            metric: Type.Optional(Type.Array(Type.String(), { description: 'repeatable; omitted = every metric' })),
          }),
        },
      },
      async (request) => {
        const { instance, from, to, step, metric } = request.query;
        if (to <= from) throw errors.badRequest('querystring/to', 'must be after from');
        if (!sidecar.instances.get(instance)) throw errors.notFound('instance', instance);
        const w = await sidecar.readWindow(instance, from, to, step, metric);
        return {
          instance,
          ts: w.ts,
          series: Object.fromEntries(
            w.metrics.map((m, i) => [m, Array.from(w.values[i]!, (v) => (Number.isNaN(v) ? null : v))])
          ),
        };
      }
    );
  };
