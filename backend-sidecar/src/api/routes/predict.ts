import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InstanceId } from './query-schemas.ts';
import { Type } from '@sinclair/typebox';
import { TwinError } from '../../core/errors.ts';
import { buildFailureReport, type FailureReportSources } from '../../analysis/index.ts';
import type { SidecarServices } from '../services.ts';

/**
 * `POST /api/v1/twin/predict`: the predicted failure report for an operating information report
 * (`{"report_id"}`) or for an instance now (`{"instance"}`).
 */
export const predictRoutes =
  (sidecar: SidecarServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    const sources = failureReportSources(sidecar);
    app.post(
      '/twin/predict',
      {
        schema: {
          body: Type.Union([
            Type.Object({ report_id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
            Type.Object({ instance: InstanceId }, { additionalProperties: false }),
          ]),
        },
      },
      async (request) => {
        const body = request.body as { report_id?: string; instance?: string };
        if (body.report_id !== undefined) {
          const report = await sidecar.reports.store.get(body.report_id);
          if (!report)
            throw new TwinError('TWIN_ERR_NOT_FOUND', 404, `no report with id ${body.report_id}`, 'body/report_id');
          return buildFailureReport(sources, report.instance, report);
        }
        const instance = body.instance!;
        if (!sidecar.instances.get(instance) && !(await sidecar.reports.store.latest(instance)))
          throw new TwinError('TWIN_ERR_NOT_FOUND', 404, `no instance ${instance} has reported`, 'body/instance');
        return buildFailureReport(sources, instance, await sidecar.reports.store.latest(instance));
      }
    );
  };

/** What the failure report reads of the sidecar: the champion, the failure analysis, when the first twin is ready. */
function failureReportSources(sidecar: SidecarServices): FailureReportSources {
  return {
    analysis: sidecar.analysis,
    champion: (instance) => sidecar.models.champion(instance),
    twinReadyInMs: (instance) => {
      const record = sidecar.instances.get(instance);
      return record ? sidecar.trainer.readyIn(record) : undefined;
    },
  };
}
