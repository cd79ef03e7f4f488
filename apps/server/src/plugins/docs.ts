import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { VERSION } from '../version.ts';
import { CSRF_HEADER, PUBLIC_ROUTES, SESSION_COOKIE } from './auth.ts';

/** Where the OpenAPI document is served; both behind the sign-in guard, like all of /api. */
export const DOCS_URLS = ['/api/docs', '/api/docs/openapi.json'] as const;

/**
 * The OpenAPI 3.1 document, generated from the routes' zod schemas (3.1 because its JSON Schema
 * can say `null`, which the API's schemas use). Call before registering any route: the swagger
 * plugin learns of routes through an onRoute hook and misses those added before it. Only the JSON
 * is served, no swagger-ui, whose inline scripts the Content-Security-Policy forbids.
 */
export async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'euca2nova',
        version: VERSION,
        description:
          'Migrates a Eucalyptus cloud to OpenStack Nova. Sign in with POST /api/session/login; ' +
          `state-changing calls also need the ${CSRF_HEADER} header from its answer.`,
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
          csrf: { type: 'apiKey', in: 'header', name: CSRF_HEADER },
        },
      },
      security: [{ session: [] }],
    },
    transform: (input) => {
      const out = jsonSchemaTransform(input);
      const methods = [input.route.method].flat();
      // The routes the guard lets through without a session say so, instead of the global rule.
      return methods.every((m) => PUBLIC_ROUTES.has(`${m} ${input.url}`))
        ? { ...out, schema: { ...out.schema, security: [] } }
        : out;
    },
    transformObject: jsonSchemaTransformObject,
  });
  for (const url of DOCS_URLS) {
    app.get(url, { schema: { hide: true } }, async (_request, reply) =>
      reply.header('cache-control', 'no-store').send(app.swagger()),
    );
  }
}
