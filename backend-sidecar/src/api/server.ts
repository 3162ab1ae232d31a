import { TwinError } from '../core/errors.ts';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerOpenApi } from './openapi.ts';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { registerAuth } from './auth.ts';
import { sendProblem } from './problem.ts';
import type { SidecarServices } from './services.ts';
import { healthRoutes } from './routes/health.ts';
import { instanceRoutes } from './routes/instances.ts';
import { ingestRoutes } from './routes/ingest.ts';
import { failureRoutes } from './routes/failures.ts';
import { anomalyRoutes } from './routes/anomalies.ts';
import { lineProtocolRoutes } from './routes/line-protocol.ts';
import { seriesRoutes } from './routes/series.ts';
import { remoteWriteRoutes } from './routes/remote-write.ts';
import { agentRoutes } from './routes/agent.ts';
import { modelRoutes } from './routes/models.ts';
import { reportRoutes } from './routes/reports.ts';
import { whatIfRoutes } from './routes/what-if.ts';
import { forecastRoutes } from './routes/forecast.ts';
import { remediationRoutes } from './routes/remediation.ts';
import { predictRoutes } from './routes/predict.ts';
import { registerMetrics } from './sidecar-metrics.ts';
import { streamRoutes } from './routes/stream.ts';
import { registerStreamWebSocket } from './stream-websocket.ts';

export const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

export async function buildServer(sidecar: SidecarServices): Promise<FastifyInstance> {
  const app = Fastify({
    // Tokens never reach the log.
    logger: { level: process.env.TWIN_LOG_LEVEL ?? 'warn', redact: ['req.headers.authorization'] },
    bodyLimit: BODY_LIMIT_BYTES,
    ajv: { customOptions: { allErrors: false, coerceTypes: 'array', removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler((error, request, reply) => sendProblem(error, request, reply));
  // Every JSON body is an object. One that is not (null, true, 1.5, "text", [..]) can pass a
  // schema's type coercion, which cannot replace the body itself, and reach a handler as it came.
  app.addHook('preValidation', async (request) => {
    const body: unknown = request.body;
    const json = /json/i.test(request.headers['content-type'] ?? '');
    if (body === null || (json && (typeof body !== 'object' || Array.isArray(body))))
      throw new TwinError(
        'TWIN_ERR_VALIDATION',
        400,
        `body: must be a JSON object, not ${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body}`,
        'body'
      );
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .type('application/problem+json')
      .send({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        detail: `no route ${request.method} ${request.url.split('?')[0]}`,
        code: 'TWIN_ERR_NO_ROUTE',
        instance: request.url,
      })
  );
  await registerOpenApi(app);
  registerAuth(app, sidecar.config.apiTokens);
  if (sidecar.config.corsOrigins.length)
    await app.register(cors, {
      origin: sidecar.config.corsOrigins,
      allowedHeaders: ['authorization', 'content-type', 'last-event-id'],
    });
  const { rateLimitPerMinute: writes, rateLimitReadsPerMinute: reads } = sidecar.config;
  if (writes > 0 || reads > 0)
    await app.register(rateLimit, {
      // Per client: a token's name (never the token) and the address it calls from, so agents
      // sharing one token each have their own budget; reads apart from writes, so a burst of
      // writes never locks Grafana out. A limit of 0 is none.
      max: (_request, key) => (key.endsWith(' read') ? reads : writes) || Number.MAX_SAFE_INTEGER,
      timeWindow: '1 minute',
      keyGenerator: (request) =>
        `${request.caller?.name ?? '-'} ${request.ip} ${request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write'}`,
      allowList: (request) => request.url === '/healthz' || request.url === '/readyz',
    });
  registerMetrics(app, sidecar, sidecar.config.metricsMaxInstances);
  await app.register(healthRoutes(sidecar));
  await app.register(instanceRoutes(sidecar), { prefix: '/api/v1' });
  await app.register(ingestRoutes(sidecar), { prefix: '/api/v1' });
  await app.register(failureRoutes(sidecar), { prefix: '/api/v1' });
  await app.register(anomalyRoutes(sidecar), { prefix: '/api/v1' });
  await app.register(seriesRoutes(sidecar), { prefix: '/api/v1' });
  await app.register(lineProtocolRoutes(sidecar));
  await app.register(remoteWriteRoutes(sidecar), { prefix: '/api/v1' });
  await app.register(agentRoutes(sidecar), { prefix: '/api/v1' });
  await app.register(modelRoutes(sidecar), { prefix: '/api/v1' });
  await app.register(reportRoutes(sidecar), { prefix: '/api/v1' });
  await app.register(whatIfRoutes(sidecar), { prefix: '/api/v1' });
  await app.register(forecastRoutes(sidecar), { prefix: '/api/v1' });
  await app.register(remediationRoutes(sidecar), { prefix: '/api/v1' });
  await app.register(predictRoutes(sidecar), { prefix: '/api/v1' });
  await app.register(streamRoutes(sidecar), { prefix: '/api/v1' });
  registerStreamWebSocket(app, sidecar);
  return app;
}
