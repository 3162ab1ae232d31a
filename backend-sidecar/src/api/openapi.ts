import fs from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

const { version } = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/**
 * The OpenAPI 3 document, generated from the routes' own JSON schemas (the ones that validate
 * requests), at /api/v1/openapi.json, with its docs page at /api/v1/docs. Registered before the
 * routes so that every route is collected.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Twin sidecar API',
        version,
        description:
          'Predictive digital twins of virtual instances: ingest, twins, anomalies, failure prediction, what-if, remediation.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/v1/docs' });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => asOpenApi30(app.swagger()));
}

/**
 * The routes' schemas are JSON Schema draft 7 (what validates requests); OpenAPI 3.0 has its own
 * dialect: a numeric `exclusiveMinimum` becomes `minimum` with `exclusiveMinimum: true`, and a
 * tuple (`items` as a list) an array of the items' types with its length fixed.
 */
export function asOpenApi30<T>(node: T): T {
  if (Array.isArray(node)) return node.map(asOpenApi30) as T;
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = asOpenApi30(value);
  for (const [exclusive, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const)
    if (typeof out[exclusive] === 'number') {
      out[bound] = out[exclusive];
      out[exclusive] = true;
    }
  if (Array.isArray(out.items)) {
    const items = out.items as object[];
    out.items = items.length === 1 ? items[0] : { anyOf: items };
    out.minItems ??= items.length;
    out.maxItems ??= items.length;
    delete out.additionalItems;
  }
  return out as T;
}
