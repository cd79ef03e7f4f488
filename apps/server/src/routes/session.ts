import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  MIN_OPERATOR_PASSWORD_LENGTH as MIN_PASSWORD_LENGTH,
  SessionStateSchema,
} from '@euca2nova/model';
import { readPasswordHash, setPasswordOnce } from '../auth/operator.ts';
import { verifyPassword } from '../auth/password.ts';
import { SESSION_COOKIE, sameOrigin, strictCookie } from '../plugins/auth.ts';

const Refusal = z.object({ error: z.string(), message: z.string() });

const PasswordBody = z.object({
  password: z
    .string()
    .min(MIN_PASSWORD_LENGTH, `must have at least ${String(MIN_PASSWORD_LENGTH)} characters`)
    .max(1024, 'must have at most 1024 characters'),
});

const LOGIN_ATTEMPTS_PER_MINUTE = 5;

export const sessionRoutes: FastifyPluginAsyncZod = async (app) => {
  const pool = app.runtime.stateDb.pool;

  app.get(
    '/api/session',
    { schema: { response: { 200: SessionStateSchema } } },
    async (request, reply) => {
      const signedIn = request.session.get('operator') === true;
      return {
        passwordSet: (await readPasswordHash(pool)) !== undefined,
        signedIn,
        ...(signedIn ? { csrfToken: reply.generateCsrf() } : {}),
      };
    },
  );

  app.post(
    '/api/session/setup',
    {
      schema: {
        body: PasswordBody,
        response: { 200: SessionStateSchema, 403: Refusal, 409: Refusal },
      },
    },
    async (request, reply) => {
      if (!sameOrigin(request))
        return reply
          .code(403)
          .send({ error: 'foreign-origin', message: 'Refused: another site sent this request.' });
      if (!(await setPasswordOnce(pool, request.body.password)))
        return reply.code(409).send({
          error: 'password-already-set',
          message: 'The operator password is already set; sign in with it.',
        });
      await request.session.regenerate();
      strictCookie(request);
      request.session.set('operator', true);
      return { passwordSet: true, signedIn: true, csrfToken: reply.generateCsrf() };
    },
  );

  app.post(
    '/api/session/login',
    {
      config: {
        rateLimit: {
          max: LOGIN_ATTEMPTS_PER_MINUTE,
          timeWindow: '1 minute',
          errorResponseBuilder: (_request, context) =>
            Object.assign(
              new Error(`Too many sign-in attempts: wait ${context.after} and try again.`),
              { statusCode: 429 },
            ),
        },
      },
      schema: {
        body: z.object({ password: z.string().max(1024) }),
        response: { 200: SessionStateSchema, 401: Refusal, 403: Refusal, 409: Refusal },
      },
    },
    async (request, reply) => {
      if (!sameOrigin(request))
        return reply
          .code(403)
          .send({ error: 'foreign-origin', message: 'Refused: another site sent this request.' });
      const hash = await readPasswordHash(pool);
      if (hash === undefined)
        return reply.code(409).send({
          error: 'no-password',
          message: 'No operator password is set yet: set one first.',
        });
      if (!(await verifyPassword(request.body.password, hash)))
        return reply
          .code(401)
          .send({ error: 'wrong-password', message: 'That password is not right.' });
      // A new session id at sign-in, so an id planted before it (session fixation) is worthless.
      await request.session.regenerate();
      strictCookie(request);
      request.session.set('operator', true);
      return { passwordSet: true, signedIn: true, csrfToken: reply.generateCsrf() };
    },
  );

  app.post(
    '/api/session/logout',
    { schema: { response: { 200: SessionStateSchema } } },
    async (request, reply) => {
      await request.session.destroy();
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { passwordSet: true, signedIn: false };
    },
  );
};
