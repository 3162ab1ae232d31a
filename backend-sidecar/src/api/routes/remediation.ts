import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errors } from '../../core/errors.ts';
import type { SidecarServices } from '../services.ts';
import { instanceTimeRange, page } from './query-schemas.ts';

/**
 * A webhook's URL as readers may see it: scheme, host and port only. Services put secrets in the
 * path and query (Slack's and Teams' hooks are one long token) and in user info.
 */
function withoutSecrets(url: string): string {
  try {
    const { protocol, host, pathname, search } = new URL(url);
    return `${protocol}//${host}${pathname === '/' && !search ? '/' : '/…'}`;
  } catch {
    return '…';
  }
}

/** Remediation: its configuration (secrets left out), pending decisions, approvals and the audit log. */
export const remediationRoutes =
  (sidecar: SidecarServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get('/remediation', async () => {
      const { mode, cooldown, targets, policies } = sidecar.remediation.config;
      return {
        mode,
        cooldown,
        targets: [...targets.values()].map((t) =>
          t.kind === 'webhook'
            ? { name: t.name, kind: t.kind, url: withoutSecrets(t.url), timeoutMs: t.timeoutMs, retries: t.retries }
            : { name: t.name, kind: t.kind, command: t.command[0] }
        ),
        policies,
      };
    });

    app.get('/remediation/pending', async () => ({ items: sidecar.remediation.pendingDecisions() }));

    app.post(
      '/remediation/pending/:id',
      {
        schema: {
          params: Type.Object({ id: Type.String() }),
          body: Type.Object(
            { approve: Type.Boolean(), by: Type.String({ minLength: 1, maxLength: 128 }) },
            { additionalProperties: false }
          ),
        },
      },
      async (request) => {
        const record = await sidecar.remediation.settle(request.params.id, request.body.approve, request.body.by);
        if (!record) throw errors.notFound('pending decision', request.params.id);
        return record;
      }
    );

    app.get(
      '/remediation/audit',
      {
        schema: {
          querystring: Type.Object({
            ...instanceTimeRange,
            ...page,
          }),
        },
      },
      async (request) => {
        const { limit, offset, ...filter } = request.query;
        const found = await sidecar.remediation.audit.query({ ...filter, limit: offset + limit });
        return { items: found.slice(offset, offset + limit), total: found.length };
      }
    );
  };
