import type { FastifyInstance } from 'fastify';
import { readSharedBody } from './shared-body.ts';

/** Binary ingest routes (agent frames, remote write) take their body as bytes, whatever its content type. */
export function acceptRawBody(app: FastifyInstance, maxBytes: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => {
    readSharedBody(payload, maxBytes).then(
      (body) => done(null, body),
      (err: Error) => done(err, undefined)
    );
  });
}
