import type { FastifyError, FastifyInstance } from 'fastify';

/**
 * The HTTP status of the errors our packages throw on purpose. Their messages are written for
 * the operator and never carry credentials (each package's tests check that), so they are shown.
 * Matched by name: the packages' classes need not all be loaded here.
 */
function statusOfOwnError(error: Error): number | undefined {
  const code = (error as { code?: unknown }).code;
  switch (error.name) {
    case 'StateNotFoundError':
    case 'ReportNotFoundError':
      return 404;
    case 'PlanError':
      // A selection naming what the inventory lacks is a bad request, not a state to resolve.
      return code === 'unknown-items' ? 400 : 409;
    case 'StateConflictError':
    case 'PlanBlockedError':
    case 'JobBusyError':
    case 'JobActionError':
      return 409;
    case 'SourceError':
      return code === 'bad-input' ? 400 : 422;
    case 'NovaTargetError':
    case 'ConfigFileError':
      return 422;
    default:
      return undefined;
  }
}

/**
 * One error handler for the whole API: clients get the message of an error they caused (4xx), and
 * never the message, stack or cause of a server fault, which may carry internals or secrets.
 */
export function installErrorHandler(app: FastifyInstance, options: { spaFallback: boolean }): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const statusCode =
      statusOfOwnError(error) ??
      (error.statusCode && error.statusCode >= 400 ? error.statusCode : 500);
    if (statusCode >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(statusCode).send({ error: 'Internal Server Error', statusCode });
    }
    request.log.info({ err: error }, 'request refused');
    return reply.code(statusCode).send({ error: error.message, code: error.code, statusCode });
  });
  app.setNotFoundHandler((request, reply) => {
    // The wizard routes on the client: any page path that is not ours is one of its pages.
    if (
      options.spaFallback &&
      request.method === 'GET' &&
      !/^\/(api|socket\.io)\//.test(request.url)
    ) {
      return reply.sendFile('index.html');
    }
    return reply
      .code(404)
      .send({ error: `No route for ${request.method} ${request.url}`, statusCode: 404 });
  });
}
