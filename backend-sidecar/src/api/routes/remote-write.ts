import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { TwinError } from '../../core/errors.ts';
import { decodeRemoteWrite } from '../../ingest/index.ts';
import type { SidecarServices } from '../services.ts';
import { acceptRawBody } from '../raw-body.ts';

export const REMOTE_WRITE_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Prometheus remote write (`POST /api/v1/write`, snappy + protobuf). 204 once durable; 400 for a
 * body Prometheus should not resend; 503 + Retry-After when the store is behind, which Prometheus
 * retries.
 */
export const remoteWriteRoutes =
  (sidecar: SidecarServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    acceptRawBody(app, REMOTE_WRITE_MAX_BYTES);
    app.post('/write', async (request, reply) => {
      if (!Buffer.isBuffer(request.body))
        throw new TwinError('TWIN_ERR_BAD_REQUEST', 400, 'expected a remote-write body', 'body');
      const batches = await decodeRemoteWrite(request.body, REMOTE_WRITE_MAX_BYTES);
      await sidecar.ingest.ingestMany(batches);
      return reply.status(204).send();
    });
  };
