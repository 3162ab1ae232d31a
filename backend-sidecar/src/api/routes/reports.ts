import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InstanceId } from './query-schemas.ts';
import { Type } from '@sinclair/typebox';
import { TwinError } from '../../core/errors.ts';
import type { SidecarServices } from '../services.ts';

/** The largest report accepted (log and status together); larger ones get 413 with this limit. */
export const REPORT_LIMIT_BYTES = 8 * 1024 * 1024;

const INSTANCE = InstanceId;

function tooLarge(): TwinError {
  return new TwinError(
    'TWIN_ERR_REPORT_TOO_LARGE',
    413,
    `report larger than the limit of ${REPORT_LIMIT_BYTES} bytes (${REPORT_LIMIT_BYTES / 1024 / 1024} MiB): send the most recent part of the log`,
    'body'
  );
}

function timeOf(text: string | undefined, where: string): number {
  if (text === undefined) return Date.now();
  const ts = Date.parse(text);
  if (!Number.isFinite(ts))
    throw new TwinError('TWIN_ERR_VALIDATION', 400, `${where}: not an ISO-8601 time: ${text}`, where);
  return ts;
}

/**
 * Operating information reports: `POST /reports` with JSON (`{instance, time, status, log}`) or a
 * raw log (`text/plain`, with `instance`, `time` and optionally `status` (JSON) in the query);
 * answers 201 with the report id and its findings once the report is stored. Listed by instance,
 * fetched by id.
 */
export const reportRoutes =
  (sidecar: SidecarServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.setErrorHandler((error, _request, _reply) => {
      if ((error as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') throw tooLarge();
      throw error;
    });

    // A raw log is bytes from a console: invalid UTF-8 is read as U+FFFD, not refused (fastify's own
    // text parser compares the decoded length with Content-Length and refuses it).
    app.addContentTypeParser(
      'text/plain',
      { parseAs: 'buffer', bodyLimit: REPORT_LIMIT_BYTES },
      (_request, body, done) => done(null, (body as Buffer).toString('utf8'))
    );

    app.post(
      '/reports',
      {
        bodyLimit: REPORT_LIMIT_BYTES,
        schema: {
          querystring: Type.Object({
            instance: Type.Optional(INSTANCE),
            time: Type.Optional(Type.String()),
            status: Type.Optional(Type.String({ description: 'status checks as a JSON object (raw log uploads)' })),
          }),
          body: Type.Union([
            Type.Object(
              {
                instance: INSTANCE,
                time: Type.String({ description: 'ISO-8601 time the report was taken' }),
                status: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
                log: Type.String(),
              },
              { additionalProperties: false }
            ),
            Type.String({ description: 'a raw log (text/plain)' }),
          ]),
        },
      },
      async (request, reply) => {
        const body = request.body;
        let report;
        if (typeof body === 'string') {
          const { instance, time, status } = request.query;
          if (!instance)
            throw new TwinError(
              'TWIN_ERR_VALIDATION',
              400,
              'querystring/instance: a raw log upload needs ?instance=',
              'querystring/instance'
            );
          let checks: Record<string, unknown> = {};
          if (status !== undefined) {
            try {
              checks = JSON.parse(status) as Record<string, unknown>;
            } catch {
              throw new TwinError(
                'TWIN_ERR_VALIDATION',
                400,
                'querystring/status: not a JSON object',
                'querystring/status'
              );
            }
            if (!checks || typeof checks !== 'object' || Array.isArray(checks))
              throw new TwinError(
                'TWIN_ERR_VALIDATION',
                400,
                'querystring/status: not a JSON object',
                'querystring/status'
              );
          }
          report = { instance, time: timeOf(time, 'querystring/time'), status: checks, log: body };
        } else {
          report = {
            instance: body.instance,
            time: timeOf(body.time, 'body/time'),
            status: body.status ?? {},
            log: body.log,
          };
        }
        const stored = await sidecar.reports.ingest(report);
        return reply.status(201).header('location', `/api/v1/reports/${stored.id}`).send({
          report_id: stored.id,
          instance: stored.instance,
          overall: stored.overall,
          reasons: stored.reasons,
          findings: stored.findings,
          new_templates: stored.newTemplates,
        });
      }
    );

    app.get(
      '/reports',
      {
        schema: {
          querystring: Type.Object({
            instance: Type.Optional(INSTANCE),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
            offset: Type.Integer({ minimum: 0, default: 0 }),
          }),
        },
      },
      async (request) => sidecar.reports.store.list(request.query)
    );

    app.get(
      '/reports/:id',
      { schema: { params: Type.Object({ id: Type.String({ maxLength: 64 }) }) } },
      async (request) => {
        const report = await sidecar.reports.store.get(request.params.id);
        if (!report)
          throw new TwinError('TWIN_ERR_NOT_FOUND', 404, `no report with id ${request.params.id}`, 'params/id');
        return report;
      }
    );
  };
