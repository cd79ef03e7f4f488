import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** Liveness for load balancers and compose: answers 200 only while the state database answers. */
export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/healthz',
    {
      schema: {
        response: {
          200: z.object({ status: z.literal('ok') }),
          503: z.object({ status: z.literal('unavailable'), reason: z.string() }),
        },
      },
    },
    async (_request, reply) => {
      try {
        await app.runtime.stateDb.pool.query('SELECT 1');
        return { status: 'ok' as const };
      } catch {
        return reply
          .code(503)
          .send({ status: 'unavailable', reason: 'state database unreachable' });
      }
    },
  );
};
