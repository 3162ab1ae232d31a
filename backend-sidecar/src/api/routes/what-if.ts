import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InstanceId } from './query-schemas.ts';
import { Type } from '@sinclair/typebox';
import type { Simulated, WhatIfAction } from '../../analysis/index.ts';
import type { SidecarServices } from '../services.ts';

const Percent = Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'capacity added, in % of the current' });
const Action = Type.Union([
  Type.Object({ type: Type.Literal('add-memory'), percent: Percent }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('add-cpu'), percent: Percent }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('expand-disk'), percent: Percent }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('migrate-host') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('restart') }, { additionalProperties: false }),
]);
const HorizonMs = Type.Integer({ minimum: 60_000, maximum: 7 * 86_400_000, description: 'default TWIN_HORIZON' });

/** A simulation as the API shows it: the risk, and the trajectories of the metrics asked for. */
function view(s: Simulated, metrics: readonly string[] | undefined) {
  const picked = Object.entries(s.forecast.metrics).filter(([m]) => !metrics || metrics.includes(m));
  return {
    probability: s.risk.probability,
    interval: s.risk.interval,
    confidence: s.risk.confidence,
    resources: s.risk.resources,
    trajectories: Object.fromEntries(picked),
  };
}

/** What-if simulation of actions, and the actions recommended for an instance. */
export const whatIfRoutes =
  (sidecar: SidecarServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/twin/whatif',
      {
        schema: {
          body: Type.Object(
            {
              instance: InstanceId,
              actions: Type.Array(Action, { minItems: 1, maxItems: 8 }),
              horizonMs: Type.Optional(HorizonMs),
              metrics: Type.Optional(
                Type.Array(Type.String(), { description: 'trajectories to return (default all)' })
              ),
            },
            { additionalProperties: false }
          ),
        },
      },
      async (request) => {
        const { instance, actions, horizonMs, metrics } = request.body;
        const run = sidecar.analysis.whatIf(instance, actions as WhatIfAction[], horizonMs);
        const first = Object.values(run.without.forecast.metrics)[0];
        return {
          instance,
          model: run.model,
          actions,
          horizonMs: run.horizonMs,
          from: run.without.forecast.from,
          stepMs: run.without.forecast.stepMs,
          steps: first?.values.length ?? 0,
          without: view(run.without, metrics),
          with: view(run.with, metrics),
          drop: {
            crash: run.without.risk.probability.crash - run.with.risk.probability.crash,
            outage: run.without.risk.probability.outage - run.with.risk.probability.outage,
          },
        };
      }
    );

    app.get(
      '/instances/:id/recommendations',
      {
        schema: {
          params: Type.Object({ id: InstanceId }),
          querystring: Type.Object({ horizonMs: Type.Optional(HorizonMs) }),
        },
      },
      async (request) => ({
        instance: request.params.id,
        items: sidecar.analysis.recommendActions(request.params.id, request.query.horizonMs),
      })
    );
  };
