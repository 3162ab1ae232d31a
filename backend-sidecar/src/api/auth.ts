import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { TwinError } from '../core/errors.ts';

// Health for probes, and the API's description (it holds no data) so that its docs page opens in a browser.
const OPEN_PATHS = new Set(['/healthz', '/readyz', '/api/v1/openapi.json']);
const OPEN_PREFIXES = ['/api/v1/docs'];

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * Whether an Authorization header carries one of the tokens (always, when none are configured).
 * Digests are compared in constant time, so a wrong token reveals nothing about the right one.
 */
export function tokenCheck(tokens: readonly string[]): (authorization: string | undefined) => boolean {
  if (tokens.length === 0) return () => true;
  const known = tokens.map(digest);
  return (authorization) => {
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    const given = match ? digest(match[1]!.trim()) : undefined;
    return given !== undefined && known.some((k) => timingSafeEqual(k, given));
  };
}

export const unauthorized = () =>
  new TwinError(
    'TWIN_ERR_UNAUTHORIZED',
    401,
    'a valid bearer token is required (Authorization: Bearer <token>)',
    'headers/authorization'
  );

/** Bearer-token check on every route but health; with no tokens configured (loopback only) the API is open. */
export function registerAuth(app: FastifyInstance, tokens: readonly string[]): void {
  if (tokens.length === 0) return;
  const accepted = tokenCheck(tokens);
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0]!;
    if (OPEN_PATHS.has(path) || OPEN_PREFIXES.some((p) => path.startsWith(p))) return;
    if (!accepted(request.headers.authorization)) throw unauthorized();
  });
}
