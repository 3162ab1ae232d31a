import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Sidecar } from '../sidecar.ts';

export const healthRoutes =
  (sidecar: Sidecar): FastifyPluginAsyncTypebox =>
  async (app) => {
    const Health = Type.Object({ status: Type.String(), instances: Type.Integer(), twins: Type.Integer() });
    app.get('/healthz', { schema: { response: { 200: Health } } }, async () => ({
      status: 'ok',
      instances: sidecar.instances.list().length,
      twins: sidecar.instances.list().filter((i) => sidecar.models.champion(i.id)).length,
    }));
    app.get('/readyz', { schema: { response: { 200: Health } } }, async () => ({
      status: 'ready',
      instances: sidecar.instances.list().length,
      twins: sidecar.instances.list().filter((i) => sidecar.models.champion(i.id)).length,
    }));
  };
