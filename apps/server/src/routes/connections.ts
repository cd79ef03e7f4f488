import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  initialiseTarget,
  openSourceConnection,
  openTargetConnection,
  saveSourceConnection,
  saveTargetConnection,
  testSourceConnection,
  testTargetConnection,
} from '@euca2nova/engine';
import { mergeSourceInput } from '@euca2nova/eucalyptus';
import {
  ApiErrorSchema,
  ConnectionSchema,
  ConnectionTestSchema,
  IdParamsSchema,
  NovaConnectionRequestSchema,
  SourceConnectionRequestSchema,
  type ConnectionTest,
  type SourceConnectionRequest,
} from '@euca2nova/model';

/** A connection request with a credentials zip is the largest body the API takes. */
const UPLOAD_BODY_LIMIT = 2 * 1024 * 1024;

function sourceParts({
  files,
  networkMode: _chosenAfterwards,
  // Shown, not used to connect: it goes into the connection's public part.
  name: _savedAsShown,
  ...fields
}: SourceConnectionRequest): Parameters<typeof mergeSourceInput>[0] {
  return {
    fields,
    ...(files?.eucarc === undefined ? {} : { eucarc: { text: files.eucarc, name: 'eucarc' } }),
    ...(files?.credentialsZipBase64 === undefined
      ? {}
      : { credentialsZip: Buffer.from(files.credentialsZipBase64, 'base64') }),
    ...(files?.cloudPkPem === undefined ? {} : { cloudPkPem: files.cloudPkPem }),
    ...(files?.eucalyptusConf === undefined ? {} : { eucalyptusConf: files.eucalyptusConf }),
    missingHint:
      'Drop the eucarc or the credentials zip, or give the EC2 URL with the access key and the secret key.',
  };
}

/** What a failed test says: the typed error's code and its operator-facing message. */
function failed(e: unknown): ConnectionTest {
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as { code?: unknown }).code;
  return {
    ok: false,
    error: {
      code: typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? code : err.name,
      message: err.message.slice(0, 1900) || err.name,
    },
  };
}

export const connectionRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store } = app.runtime.state;

  app.post(
    '/api/connections/eucalyptus',
    {
      bodyLimit: UPLOAD_BODY_LIMIT,
      schema: {
        summary: 'Store a Eucalyptus connection (fields, or an uploaded eucarc / credentials zip)',
        body: SourceConnectionRequestSchema,
        response: { 201: ConnectionSchema },
      },
    },
    async (request, reply) => {
      const input = await mergeSourceInput(sourceParts(request.body));
      if (request.body.networkMode !== undefined) input.networkMode = request.body.networkMode;
      const { name } = request.body;
      const id = await saveSourceConnection(store, input, name === undefined ? {} : { name });
      return reply.code(201).send(await store.getConnection(id));
    },
  );

  app.post(
    '/api/connections/nova',
    {
      schema: {
        summary: 'Store a Nova connection (database URL and images path)',
        body: NovaConnectionRequestSchema,
        response: { 201: ConnectionSchema },
      },
    },
    async (request, reply) => {
      const id = await saveTargetConnection(store, request.body);
      return reply.code(201).send(await store.getConnection(id));
    },
  );

  app.post(
    '/api/connections/demo',
    {
      schema: {
        summary: "Store connections to this server's demo Eucalyptus and demo Nova",
        response: {
          201: z.object({ eucalyptus: ConnectionSchema, nova: ConnectionSchema }),
          404: ApiErrorSchema,
        },
      },
    },
    async (request, reply) => {
      const { demoEucalyptus, demoNova } = app.runtime;
      if (demoEucalyptus === undefined || demoNova === undefined)
        return reply.code(404).send({
          error:
            'The demo is not running on this server (EUCA2NOVA_DEMO=off, or a real cloud is configured).',
        });
      const { files } = demoEucalyptus;
      const source = await mergeSourceInput({
        eucarc: { text: await readFile(files.eucarc, 'utf8'), name: 'demo eucarc' },
        eucalyptusConf: await readFile(files.eucalyptusConf, 'utf8'),
        fields:
          demoEucalyptus.controllerDb === undefined
            ? {}
            : { controllerDbUrl: demoEucalyptus.controllerDb.url },
      });
      const eucalyptus = await saveSourceConnection(store, source, { name: 'demo' });
      const nova = await saveTargetConnection(store, {
        databaseUrl: demoNova.url,
        imagesPath: demoNova.imagesPath,
      });
      return reply.code(201).send({
        eucalyptus: await store.getConnection(eucalyptus),
        nova: await store.getConnection(nova),
      });
    },
  );

  app.get(
    '/api/connections',
    {
      schema: {
        summary: 'Stored connections, newest first (no secret is ever returned)',
        querystring: z.object({ kind: z.enum(['eucalyptus', 'nova']).optional() }),
        response: { 200: z.array(ConnectionSchema) },
      },
    },
    async (request) => store.listConnections(request.query.kind),
  );

  app.get(
    '/api/connections/:id',
    { schema: { params: IdParamsSchema, response: { 200: ConnectionSchema } } },
    async (request) => store.getConnection(request.params.id),
  );

  app.post(
    '/api/connections/:id/test',
    {
      schema: {
        summary: 'Test a connection with a real round trip: what was found, or the exact problem',
        params: IdParamsSchema,
        response: { 200: ConnectionTestSchema },
      },
    },
    async (request): Promise<ConnectionTest> => {
      const conn = await store.getConnection(request.params.id);
      try {
        if (conn.kind === 'eucalyptus') {
          const input = await openSourceConnection(store, conn.id);
          return { ok: true, source: await testSourceConnection(input) };
        }
        const target = await openTargetConnection(store, conn.id);
        const result = await testTargetConnection({
          databaseUrl: target.databaseUrl,
          ...(target.imagesPath === undefined ? {} : { imagesPath: target.imagesPath }),
        });
        return result.problem === null
          ? { ok: true, target: result }
          : {
              ok: false,
              target: result,
              error: { code: `target-${result.status}`, message: result.problem },
            };
      } catch (e) {
        return failed(e);
      }
    },
  );

  app.post(
    '/api/connections/:id/initialise',
    {
      schema: {
        summary:
          'Give an empty Nova database the Bexar schema (for trials; a real Nova syncs its own)',
        params: IdParamsSchema,
        response: { 200: ConnectionTestSchema, 409: ApiErrorSchema },
      },
    },
    async (request, reply) => {
      const conn = await store.getConnection(request.params.id);
      if (conn.kind !== 'nova')
        return reply.code(409).send({ error: 'Only a Nova connection can be initialised.' });
      const target = await openTargetConnection(store, conn.id);
      const result = await initialiseTarget({
        databaseUrl: target.databaseUrl,
        ...(target.imagesPath === undefined ? {} : { imagesPath: target.imagesPath }),
      });
      return { ok: result.problem === null, target: result };
    },
  );
};
