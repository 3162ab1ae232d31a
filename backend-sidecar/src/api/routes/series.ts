import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InstanceId } from './query-schemas.ts';
import { Type } from '@sinclair/typebox';
import { errors } from '../../core/errors.ts';
import type { SidecarServices } from '../services.ts';
import { replayLead, replayTwin } from '../../anomaly/index.ts';

/** The most steps a replay covers in one request (a week of 1-minute steps, and a half). */
const MAX_REPLAY_STEPS = 15_000;

export const seriesRoutes =
  (sidecar: SidecarServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Raw or averaged series of one instance over a time range (Grafana's datasource and tools read this).
    app.get(
      '/series',
      {
        schema: {
          querystring: Type.Object({
            instance: InstanceId,
            from: Type.Number(),
            to: Type.Number(),
            step: Type.Optional(Type.Integer({ minimum: 1, description: 'resolution in ms; omitted = raw points' })),
            metric: Type.Optional(Type.Array(Type.String(), { description: 'repeatable; omitted = every metric' })),
            twin: Type.Boolean({
              default: false,
              description: "also the twin's prediction, band and anomaly scores over the range, at the model's step",
            }),
          }),
        },
      },
      async (request) => {
        const { instance, from, to, step, metric } = request.query;
        if (to <= from) throw errors.badRequest('querystring/to', 'must be after from');
        if (!sidecar.instances.get(instance)) throw errors.notFound('instance', instance);
        const w = await sidecar.readWindow(instance, from, to, step, metric);
        const series = Object.fromEntries(
          w.metrics.map((m, i) => [m, Array.from(w.values[i]!, (v) => (Number.isNaN(v) ? null : v))])
        );
        if (!request.query.twin) return { instance, ts: w.ts, series };
        const loaded = sidecar.models.loadedChampion(instance);
        if (!loaded || loaded.model.kind !== 'lstm')
          throw errors.conflict(
            `${instance} has no LSTM twin to replay (${loaded ? loaded.model.kind : 'none trained yet'})`
          );
        const stepMs = loaded.model.window.stepMs;
        if ((to - from) / stepMs > MAX_REPLAY_STEPS)
          throw errors.badRequest(
            'querystring/to',
            `at most ${MAX_REPLAY_STEPS} of the twin's ${stepMs / 1000} s steps at once`
          );
        const history = await sidecar.readWindow(instance, from - replayLead(loaded), to, stepMs);
        const twin = replayTwin(loaded, history, from);
        if (metric)
          for (const k of ['predicted', 'lower', 'upper', 'score', 'ratio'] as const)
            for (const m of Object.keys(twin[k])) if (!metric.includes(m) && m !== '*instance') delete twin[k][m];
        return { instance, ts: w.ts, series, twin };
      }
    );
  };
