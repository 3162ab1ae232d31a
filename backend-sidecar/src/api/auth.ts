import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { TwinError } from '../core/errors.ts';

const OPEN_PATHS = new Set(['/healthz', '/readyz']);

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** Bearer-token check on every route but health; with no tokens configured (loopback only) the API is open. */
export function registerAuth(app: FastifyInstance, tokens: readonly string[]): void {
  if (tokens.length === 0) return;
  const known = tokens.map(digest);
  app.addHook('onRequest', async (request) => {
    if (OPEN_PATHS.has(request.url.split('?')[0]!)) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    // Compare digests in constant time so a wrong token reveals nothing about the right one.
    const given = match ? digest(match[1]!.trim()) : undefined;
    if (!given || !known.some((k) => timingSafeEqual(k, given))) {
      throw new TwinError(
        'TWIN_ERR_UNAUTHORIZED',
        401,
        'a valid bearer token is required (Authorization: Bearer <token>)',
        'headers/authorization'
      );
    }
  });
}
