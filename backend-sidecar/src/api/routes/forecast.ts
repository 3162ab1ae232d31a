import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InstanceId } from './query-schemas.ts';
import { Type } from '@sinclair/typebox';
import type { SidecarServices } from '../services.ts';

const Bands = Type.Object({
  mean: Type.Number(),
  lower80: Type.Number(),
  upper80: Type.Number(),
  lower95: Type.Number(),
  upper95: Type.Number(),
});

/** The twin's direct forecasts of an instance: each metric at each horizon, with its 80 % and 95 % intervals. */
export const forecastRoutes =
  (sidecar: SidecarServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/instances/:id/forecast',
      {
        schema: {
          params: Type.Object({ id: InstanceId }),
          querystring: Type.Object({
            metrics: Type.Optional(Type.String({ description: 'comma-separated metrics (default all)' })),
          }),
          response: {
            200: Type.Object({
              instance: Type.String(),
              model: Type.String(),
              at: Type.Integer({ description: 'the step forecast from (ms)' }),
              stepMs: Type.Integer(),
              horizons: Type.Array(
                Type.Object({
                  steps: Type.Integer(),
                  ts: Type.Integer({ description: 'the step forecast (ms)' }),
                  metrics: Type.Record(Type.String(), Bands),
                })
              ),
            }),
          },
        },
      },
      async (request) => {
        const instance = request.params.id;
        const forecast = sidecar.scorer.forecast(instance);
        const wanted = request.query.metrics?.split(',').filter(Boolean);
        const metrics = Object.entries(forecast.metrics).filter(([m]) => !wanted || wanted.includes(m));
        return {
          instance,
          model: sidecar.scorer.state(instance)!.version,
          at: forecast.at,
          stepMs: forecast.stepMs,
          horizons: forecast.horizons.map((steps, i) => ({
            steps,
            ts: forecast.at + steps * forecast.stepMs,
            metrics: Object.fromEntries(
              metrics.map(([m, f]) => [
                m,
                {
                  mean: f.mean[i]!,
                  lower80: f.lower80[i]!,
                  upper80: f.upper80[i]!,
                  lower95: f.lower95[i]!,
                  upper95: f.upper95[i]!,
                },
              ])
            ),
          })),
        };
      }
    );
  };
