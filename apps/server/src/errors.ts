import type { FastifyError, FastifyInstance } from 'fastify';

/**
 * One error handler for the whole API: clients get the message of an error they caused (4xx), and
 * never the message, stack or cause of a server fault, which may carry internals or secrets.
 */
export function installErrorHandler(app: FastifyInstance, options: { spaFallback: boolean }): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const statusCode = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
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
