import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InstanceId } from './query-schemas.ts';
import { Type } from '@sinclair/typebox';
import { errors } from '../../core/errors.ts';
import { isLive } from '../../store/index.ts';
import type { SidecarServices } from '../services.ts';

const Instance = Type.Object({
  id: Type.String(),
  labels: Type.Record(Type.String(), Type.String()),
  firstSeen: Type.String({ format: 'date-time' }),
  lastSeen: Type.String({ format: 'date-time' }),
  samples: Type.Integer(),
  status: Type.Union([Type.Literal('live'), Type.Literal('stale')]),
  twin: Type.Union([
    Type.Object({
      version: Type.String(),
      trainedAt: Type.String({ format: 'date-time' }),
      forecast: Type.Union([Type.Literal('direct'), Type.Literal('rolled forward'), Type.Literal('none')], {
        description:
          'direct: horizon heads with calibrated intervals (GET /instances/{id}/forecast); rolled forward: its window was too short or too sparse to calibrate them; none: a baseline twin',
      }),
    }),
    Type.Object({ readyInSeconds: Type.Integer() }),
  ]),
  anomalyScore: Type.Union([Type.Number(), Type.Null()]),
  failureProbability: Type.Record(Type.String(), Type.Number()),
  /** The learned failure model's predictions, per kind and horizon, with their interval and confidence. */
  failurePredictions: Type.Array(
    Type.Object({
      kind: Type.String(),
      horizonMs: Type.Integer(),
      probability: Type.Number(),
      interval: Type.Tuple([Type.Number(), Type.Number()]),
      confidence: Type.Number(),
      prior: Type.Boolean({ description: 'no failure of this kind recorded yet: the prior speaks' }),
    })
  ),
});

export const instanceRoutes =
  (sidecar: SidecarServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    const describe = (id: string) => {
      const r = sidecar.instances.get(id)!;
      const model = sidecar.models.champion(id);
      const live = sidecar.scorer.state(id);
      return {
        id: r.id,
        labels: Object.fromEntries(Object.entries(r.labels).filter(([, v]) => v !== undefined)) as Record<
          string,
          string
        >,
        firstSeen: new Date(r.firstSeen).toISOString(),
        lastSeen: new Date(r.lastSeen).toISOString(),
        samples: r.samples,
        status: isLive(r.lastSeen) ? ('live' as const) : ('stale' as const),
        twin: model
          ? {
              version: model.version,
              trainedAt: new Date(model.createdAt).toISOString(),
              forecast:
                model.kind !== 'lstm'
                  ? ('none' as const)
                  : model.horizons
                    ? ('direct' as const)
                    : ('rolled forward' as const),
            }
          : { readyInSeconds: Math.ceil(sidecar.trainer.readyIn(r) / 1000) },
        anomalyScore: live ? live.lastScore : null,
        failureProbability: Object.fromEntries(sidecar.analysis.forecastsOf(id).map((f) => [f.kind, f.probability])),
        failurePredictions: sidecar.analysis.predictionsOf(id) ?? [],
      };
    };

    app.get(
      '/instances',
      {
        schema: {
          querystring: Type.Object({
            status: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('stale')])),
            limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
            offset: Type.Integer({ minimum: 0, default: 0 }),
          }),
          response: { 200: Type.Object({ items: Type.Array(Instance), total: Type.Integer() }) },
        },
      },
      async (request) => {
        const all = sidecar.instances
          .list()
          .map((r) => describe(r.id))
          .filter((i) => !request.query.status || i.status === request.query.status);
        return {
          items: all.slice(request.query.offset, request.query.offset + request.query.limit),
          total: all.length,
        };
      }
    );

    app.get(
      '/instances/:id',
      { schema: { params: Type.Object({ id: InstanceId }), response: { 200: Instance } } },
      async (request) => {
        if (!sidecar.instances.get(request.params.id)) throw errors.notFound('instance', request.params.id);
        return describe(request.params.id);
      }
    );
  };
