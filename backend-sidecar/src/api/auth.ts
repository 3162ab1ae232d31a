import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TwinError } from '../core/errors.ts';
import { ALL_SCOPES, type ApiToken, type Scope } from '../core/api-tokens.ts';

// Health for probes, and the API's description (it holds no data) so that its docs page opens in a browser.
const OPEN_PATHS = new Set(['/healthz', '/readyz', '/api/v1/openapi.json']);
const OPEN_PREFIXES = ['/api/v1/docs'];

/** Routes that write data (agents, collectors, reports) need `ingest`; model and remediation management `admin`; the rest `read`. */
const INGEST_ROUTES = new Set([
  'POST /api/v1/ingest',
  'POST /write',
  'POST /api/v2/write',
  'POST /api/v1/write',
  'POST /api/v1/agent/batches',
  'POST /api/v1/reports',
  'POST /api/v1/failures',
]);
const ADMIN_ROUTE = /^POST \/api\/v1\/(instances\/:id\/models\/|remediation\/pending\/)/;

export function scopeOf(method: string, route: string): Scope {
  const key = `${method} ${route}`;
  if (INGEST_ROUTES.has(key)) return 'ingest';
  if (ADMIN_ROUTE.test(key)) return 'admin';
  return 'read';
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** The caller when no tokens are configured (the sidecar then listens on loopback only). */
const LOOPBACK_CALLER: ApiToken = { name: 'loopback', token: '', scopes: [...ALL_SCOPES] };

/**
 * Who an Authorization header belongs to: the matching token (LOOPBACK_CALLER when none are
 * configured), or undefined. Every known digest is compared, in constant time, whatever matches,
 * so neither the timing nor the order reveals anything about the tokens.
 */
export function authenticator(
  tokens: readonly ApiToken[]
): (authorization: string | undefined) => ApiToken | undefined {
  if (tokens.length === 0) return () => LOOPBACK_CALLER;
  const known = tokens.map((t) => ({ t, d: digest(t.token) }));
  return (authorization) => {
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    if (!match) return undefined;
    const given = digest(match[1]!.trim());
    let found: ApiToken | undefined;
    for (const k of known) if (timingSafeEqual(k.d, given)) found = k.t;
    return found;
  };
}

export const unauthorized = () =>
  new TwinError(
    'TWIN_ERR_UNAUTHORIZED',
    401,
    'a valid bearer token is required (Authorization: Bearer <token>)',
    'headers/authorization'
  );

const forbidden = (token: ApiToken, scope: Scope) =>
  new TwinError(
    'TWIN_ERR_FORBIDDEN',
    403,
    `token ${token.name} has scopes ${token.scopes.join(', ') || 'none'}; this route needs ${scope}`,
    'headers/authorization'
  );

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling (set by the auth hook). */
    caller?: ApiToken;
  }
}

/** The caller of a request, as the auth hook found it. */
export function callerOf(request: FastifyRequest): ApiToken | undefined {
  return request.caller;
}

/**
 * Bearer tokens with scopes on every route but health and the API description: 401 without a
 * known token, 403 when its scopes do not cover the route. With no tokens configured (loopback
 * only) every caller has every scope.
 */
export function registerAuth(app: FastifyInstance, tokens: readonly ApiToken[]): void {
  const authenticate = authenticator(tokens);
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0]!;
    if (OPEN_PATHS.has(path) || OPEN_PREFIXES.some((p) => path.startsWith(p))) return;
    // CORS preflights carry no credentials by design; they return no data.
    if (request.method === 'OPTIONS') return;
    const caller = authenticate(request.headers.authorization);
    if (!caller) throw unauthorized();
    const scope = scopeOf(request.method, request.routeOptions.url ?? path);
    if (!caller.scopes.includes(scope)) throw forbidden(caller, scope);
    request.caller = caller;
  });
}
