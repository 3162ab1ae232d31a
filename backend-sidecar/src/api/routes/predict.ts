import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { TwinError } from '../../core/errors.ts';
import { buildFailureReport } from '../failure-report.ts';
import type { Sidecar } from '../sidecar.ts';

/**
 * `POST /api/v1/twin/predict`: the predicted failure report for an operating information report
 * (`{"report_id"}`) or for an instance now (`{"instance"}`).
 */
export const predictRoutes =
  (sidecar: Sidecar): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/twin/predict',
      {
        schema: {
          body: Type.Union([
            Type.Object({ report_id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
            Type.Object({ instance: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false }),
          ]),
        },
      },
      async (request) => {
        const body = request.body as { report_id?: string; instance?: string };
        if (body.report_id !== undefined) {
          const report = await sidecar.reports.get(body.report_id);
          if (!report)
            throw new TwinError('TWIN_ERR_NOT_FOUND', 404, `no report with id ${body.report_id}`, 'body/report_id');
          return buildFailureReport(sidecar, report.instance, report);
        }
        const instance = body.instance!;
        if (!sidecar.instances.get(instance) && !(await sidecar.reports.latest(instance)))
          throw new TwinError('TWIN_ERR_NOT_FOUND', 404, `no instance ${instance} has reported`, 'body/instance');
        return buildFailureReport(sidecar, instance, await sidecar.reports.latest(instance));
      }
    );
  };
