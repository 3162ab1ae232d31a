import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InstanceId } from './query-schemas.ts';
import { Type } from '@sinclair/typebox';
import type { SidecarServices } from '../services.ts';

export const IngestBody = Type.Object(
  {
    instance: InstanceId,
    labels: Type.Optional(Type.Record(Type.String(), Type.String())),
    samples: Type.Array(
      Type.Object(
        { ts: Type.Number(), values: Type.Record(Type.String(), Type.Number()) },
        { additionalProperties: false }
      ),
      { maxItems: 100_000 }
    ),
  },
  { additionalProperties: false }
);

export const ingestRoutes =
  (sidecar: SidecarServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    // JSON batches from twin-agent and the simulator; acknowledged once stored.
    app.post(
      '/ingest',
      { schema: { body: IngestBody, response: { 200: Type.Object({ accepted: Type.Integer() }) } } },
      async (request) => ({ accepted: await sidecar.ingest.ingest(request.body) })
    );
  };
