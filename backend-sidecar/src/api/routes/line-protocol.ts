import { gunzipSync } from 'node:zlib';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { TwinError } from '../../core/errors.ts';
import { parsePrecision } from '../../ingest/index.ts';
import { readSharedBody } from '../shared-body.ts';
import type { SidecarServices } from '../services.ts';

/** Most bytes a line-protocol body may inflate to (gzip bombs are refused, not unpacked). */
export const LINE_PROTOCOL_MAX_BYTES = 64 * 1024 * 1024;

/**
 * InfluxDB line protocol, as Telegraf and the Influx clients send it: `/write` (v1: `db`,
 * `precision` = n|u|ms|s|m|h) and `/api/v2/write` (v2: `org`, `bucket`, `precision` =
 * ns|us|ms|s), optionally gzip-compressed. A body is kept whole or refused whole (400 naming the
 * line and column of its first error); 204 once durable.
 */
export const lineProtocolRoutes =
  (sidecar: SidecarServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Line protocol comes as text/plain, octet-stream or with no type at all, often gzipped.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (request, payload, done) => {
      readSharedBody(payload, LINE_PROTOCOL_MAX_BYTES).then(
        (body) => inflate(request.headers['content-encoding'], body, done),
        (err: Error) => done(err, undefined)
      );
    });
    const inflate = (encoding: string | undefined, body: Buffer, done: (err: Error | null, body?: Buffer) => void) => {
      try {
        let bytes = body;
        if (encoding === 'gzip') {
          bytes = gunzipSync(bytes, { maxOutputLength: LINE_PROTOCOL_MAX_BYTES });
        } else if (encoding && encoding !== 'identity') {
          throw new TwinError(
            'TWIN_ERR_BAD_REQUEST',
            415,
            `content-encoding ${encoding} is not supported (use gzip or none)`,
            'headers/content-encoding'
          );
        }
        done(null, bytes);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e instanceof TwinError) return done(e);
        const tooBig = e.code === 'ERR_BUFFER_TOO_LARGE';
        done(
          new TwinError(
            tooBig ? 'TWIN_ERR_TOO_LARGE' : 'TWIN_ERR_BAD_REQUEST',
            tooBig ? 413 : 400,
            tooBig
              ? `the body inflates beyond ${LINE_PROTOCOL_MAX_BYTES} bytes`
              : `the gzip body cannot be inflated: ${e.message}`,
            'body'
          )
        );
      }
    };

    const handler = async (body: unknown, precision: string | undefined) => {
      if (!Buffer.isBuffer(body))
        throw new TwinError('TWIN_ERR_BAD_REQUEST', 400, 'expected a line-protocol body', 'body');
      await sidecar.ingest.ingestLineProtocol(body, parsePrecision(precision));
    };

    // v1 (`db`) and v2 (`org`, `bucket`) clients; where the points go is the sidecar's configuration.
    for (const url of ['/write', '/api/v2/write']) {
      app.post(
        url,
        {
          schema: {
            querystring: Type.Object({
              db: Type.Optional(Type.String()),
              org: Type.Optional(Type.String()),
              bucket: Type.Optional(Type.String()),
              precision: Type.Optional(Type.String()),
            }),
          },
        },
        async (request, reply) => {
          await handler(request.body, request.query.precision);
          return reply.status(204).send();
        }
      );
    }
  };
