import type { FastifyInstance } from 'fastify';

/** Binary ingest routes (agent frames, remote write) take their body as bytes, whatever its content type. */
export function acceptRawBody(app: FastifyInstance, maxBytes: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) => done(null, body));
}
