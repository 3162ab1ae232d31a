import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InstanceId } from './query-schemas.ts';
import { Type } from '@sinclair/typebox';
import { errors, TwinError } from '../../core/errors.ts';
import type { SidecarServices } from '../services.ts';

const Decision = Type.Object({
  status: Type.Union([Type.Literal('champion'), Type.Literal('challenger'), Type.Literal('rejected')]),
  reason: Type.String(),
  trigger: Type.Optional(Type.String()),
  candidateError: Type.Optional(Type.Number()),
  championError: Type.Optional(Type.Number()),
  decidedAt: Type.Number(),
});

const Version = Type.Object({
  instance: Type.String(),
  version: Type.String(),
  kind: Type.String(),
  parent: Type.Optional(Type.String()),
  createdAt: Type.Number(),
  validationError: Type.Number(),
  trainingMs: Type.Number(),
  champion: Type.Boolean(),
  decision: Decision,
});

const InstanceParams = Type.Object({ id: InstanceId });
const VersionParams = Type.Object({
  id: InstanceId,
  version: Type.String({ pattern: '^v\\d{4,}$' }),
});

/**
 * Model versions per instance: list, inspect (metadata: feature spec, scaling, thresholds, training
 * figures, backend, checksum, decision), promote, roll back, and train now.
 */
export const modelRoutes =
  (sidecar: SidecarServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    const known = (id: string) => {
      if (!sidecar.instances.get(id) && !sidecar.models.champion(id)) throw errors.notFound('instance', id);
    };

    app.get(
      '/instances/:id/models',
      {
        schema: {
          params: InstanceParams,
          response: {
            200: Type.Object({ items: Type.Array(Version), champion: Type.Union([Type.String(), Type.Null()]) }),
          },
        },
      },
      async (request) => {
        known(request.params.id);
        const items = await sidecar.models.versions(request.params.id);
        return { items: items as never, champion: sidecar.models.champion(request.params.id)?.version ?? null };
      }
    );

    app.get('/instances/:id/models/:version', { schema: { params: VersionParams } }, async (request) => {
      known(request.params.id);
      const model = await sidecar.models.get(request.params.id, request.params.version);
      if (!model) throw errors.notFound(`version of ${request.params.id}`, request.params.version);
      return { ...model, champion: sidecar.models.champion(request.params.id)?.version === model.version };
    });

    app.post('/instances/:id/models/:version/promote', { schema: { params: VersionParams } }, async (request) => {
      known(request.params.id);
      // The body is optional: {"reason": "..."} is recorded with the promotion.
      const reason = (request.body as { reason?: unknown } | undefined)?.reason;
      if (reason !== undefined && (typeof reason !== 'string' || reason.length > 500))
        throw new TwinError(
          'TWIN_ERR_VALIDATION',
          400,
          'reason must be a string of at most 500 characters',
          'body/reason'
        );
      if (!(await sidecar.models.get(request.params.id, request.params.version)))
        throw errors.notFound(`version of ${request.params.id}`, request.params.version);
      const model = await sidecar.models.promote(
        request.params.id,
        request.params.version,
        reason ?? 'promoted through the API'
      );
      return { instance: model.instance, champion: model.version };
    });

    app.post('/instances/:id/models/rollback', { schema: { params: InstanceParams } }, async (request) => {
      known(request.params.id);
      try {
        const model = await sidecar.models.rollback(request.params.id);
        return { instance: model.instance, champion: model.version };
      } catch (err) {
        throw errors.conflict((err as Error).message);
      }
    });

    app.post('/instances/:id/models/train', { schema: { params: InstanceParams } }, async (request, reply) => {
      const history = sidecar.instances.get(request.params.id);
      if (!history) throw errors.notFound('instance', request.params.id);
      const version = await sidecar.models.nextVersion(request.params.id);
      // Training takes a while: answer at once; progress and the outcome come as events and in the version list.
      void sidecar.trainer
        .train(request.params.id, Date.now(), history)
        .catch((error: Error) => sidecar.events.emit('trainingFailed', { instance: request.params.id, error }));
      return reply.status(202).send({ instance: request.params.id, version, status: 'training' });
    });
  };
