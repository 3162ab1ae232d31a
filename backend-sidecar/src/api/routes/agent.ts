import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { TwinError } from '../../core/errors.ts';
import type { SidecarServices } from '../services.ts';
import { acceptRawBody } from '../raw-body.ts';

export const AGENT_BATCH_MAX_BYTES = 16 * 1024 * 1024;

/** twin-agent's protocol: one LZ4 frame per batch; the answer acknowledges its sequence number once durable. */
export const agentRoutes =
  (sidecar: SidecarServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    acceptRawBody(app, AGENT_BATCH_MAX_BYTES);
    app.post(
      '/agent/batches',
      {
        schema: {
          response: {
            200: Type.Object({ accepted: Type.Integer(), duplicate: Type.Boolean(), seq: Type.Number() }),
          },
        },
      },
      async (request) => {
        if (!Buffer.isBuffer(request.body))
          throw new TwinError('TWIN_ERR_BAD_REQUEST', 400, 'expected an LZ4 batch', 'body');
        return sidecar.ingest.ingestAgentFrame(request.body);
      }
    );
  };
