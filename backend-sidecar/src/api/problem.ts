import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { TwinError } from '../core/errors.ts';

/** Every error leaves the API as application/problem+json (RFC 9457) with a stable code and where it was. */
export function sendProblem(error: FastifyError | TwinError | Error, request: FastifyRequest, reply: FastifyReply) {
  let status = 500;
  let code = 'TWIN_ERR_INTERNAL';
  let detail = 'internal error';
  let where: string | undefined;
  if (error instanceof TwinError) {
    status = error.statusCode;
    code = error.code;
    detail = error.message;
    where = error.where;
    if (error.retryAfterS !== undefined) void reply.header('retry-after', String(error.retryAfterS));
  } else if ('validation' in error && error.validation) {
    status = 400;
    code = 'TWIN_ERR_VALIDATION';
    const first = error.validation[0];
    where = `${(error as FastifyError).validationContext ?? 'body'}${first?.instancePath ?? ''}`;
    detail = `${where}: ${first?.message ?? error.message}`;
  } else if ('statusCode' in error && typeof error.statusCode === 'number' && error.statusCode < 500) {
    status = error.statusCode;
    code = (error as FastifyError).code ?? 'TWIN_ERR_BAD_REQUEST';
    detail = error.message;
  } else {
    request.log.error({ err: error }, 'request failed');
  }
  return reply
    .status(status)
    .type('application/problem+json')
    .send({
      type: 'about:blank',
      title: titleOf(status),
      status,
      detail,
      code,
      ...(where ? { where } : {}),
      instance: request.url,
    });
}

function titleOf(status: number): string {
  return STATUS_CODES[status] ?? (status < 500 ? 'Bad Request' : 'Internal Server Error');
}
