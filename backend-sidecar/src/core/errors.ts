/**
 * Every error kind Twin raises, each with a stable code, an HTTP status and a message.
 * The API turns them into application/problem+json the same way everywhere.
 */
export class TwinError extends Error {
  readonly code: string;
  readonly statusCode: number;
  /** Where in the request (or configuration) the problem is, e.g. "body/points/3/ts". */
  readonly where: string | undefined;
  /** Seconds after which a refused request may be retried (sent as Retry-After). */
  retryAfterS: number | undefined;

  constructor(code: string, statusCode: number, message: string, where?: string) {
    super(message);
    this.name = 'TwinError';
    this.code = code;
    this.statusCode = statusCode;
    this.where = where;
  }
}

type ErrorFactory<A extends unknown[]> = (...args: A) => TwinError;

function kind<A extends unknown[]>(
  code: string,
  statusCode: number,
  message: (...args: A) => string,
  where?: (...args: A) => string | undefined
): ErrorFactory<A> {
  return (...args: A) => new TwinError(code, statusCode, message(...args), where?.(...args));
}

export const errors = {
  badConfig: kind(
    'TWIN_ERR_CONFIG',
    500,
    (key: string, problem: string) => `configuration key ${key}: ${problem}`,
    (key: string) => key
  ),
  badRequest: kind(
    'TWIN_ERR_BAD_REQUEST',
    400,
    (where: string, problem: string) => `${where}: ${problem}`,
    (where: string) => where
  ),
  notFound: kind('TWIN_ERR_NOT_FOUND', 404, (what: string, id: string) => `${what} ${JSON.stringify(id)} not found`),
  unsafeBind: kind(
    'TWIN_ERR_UNSAFE_BIND',
    500,
    (host: string) =>
      `refusing to listen on ${host} without tokens: set TWIN_TOKENS (or bind to 127.0.0.1) so that the API is not open to the network`,
    () => 'TWIN_HOST'
  ),
  unavailable: kind('TWIN_ERR_UNAVAILABLE', 503, (why: string) => why),
  conflict: kind('TWIN_ERR_CONFLICT', 409, (why: string) => why),
  overloaded: (queued: number, limit: number, retryAfterS: number) => {
    const err = new TwinError(
      'TWIN_ERR_OVERLOADED',
      503,
      `the store is behind: ${queued} samples wait to be stored (limit ${limit}); nothing of this request was kept, retry after ${retryAfterS} s`
    );
    err.retryAfterS = retryAfterS;
    return err;
  },
};
