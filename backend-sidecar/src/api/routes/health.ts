import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { SidecarServices } from '../services.ts';

export const healthRoutes =
  (sidecar: SidecarServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    const Health = Type.Object({
      status: Type.String(),
      instances: Type.Integer(),
      twins: Type.Integer(),
      backlog: Type.Integer({ description: 'samples acknowledged and not yet in the metric store' }),
      node: Type.String({ description: "this node's name (TWIN_DATA_DIR/node-id)" }),
      leader: Type.Boolean({
        description: 'whether this node acts for the fleet (remediation, anomaly history, write-back)',
      }),
    });
    app.get('/healthz', { schema: { response: { 200: Health } } }, async () => ({
      status: 'ok',
      instances: sidecar.instances.list().length,
      twins: sidecar.instances.list().filter((i) => sidecar.models.champion(i.id)).length,
      backlog: sidecar.ingest.backlog,
      node: sidecar.node,
      leader: sidecar.leads,
    }));
    app.get('/readyz', { schema: { response: { 200: Health } } }, async () => ({
      status: 'ready',
      instances: sidecar.instances.list().length,
      twins: sidecar.instances.list().filter((i) => sidecar.models.champion(i.id)).length,
      backlog: sidecar.ingest.backlog,
      node: sidecar.node,
      leader: sidecar.leads,
    }));
  };
