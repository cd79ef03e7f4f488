// Every route the server registers, found as it is registered rather than listed here, must refuse
// a caller without a session (401), and every state-changing one must refuse a signed-in caller
// without the right CSRF token (403). A route added later is checked without touching this file;
// only a new public route needs a line below, which makes it a deliberate decision.
//
// The socket.io handshake is not a Fastify route (socket.io answers on the HTTP server before
// Fastify does): progress-auth.test.ts refuses it without a session over a real connection.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@euca2nova/state/testing';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { startRuntime, type Runtime } from '../src/runtime.ts';
import { signIn } from './session-helpers.ts';

/** Files of the stand-in web build; each is served without a session, as the built app's are. */
const WEB_FILES = ['index.html', 'assets/app.js', 'favicon.svg'];

/**
 * The routes a caller without a session may use: the first page must learn whether to sign in
 * (and sign in), load balancers probe health, and the browser loads the web app itself (HEAD too,
 * which Fastify answers with the GET handler). HEAD /api/session stays guarded: nobody needs it.
 */
const PUBLIC = new Set([
  'GET /healthz',
  'HEAD /healthz',
  'GET /api/session',
  'POST /api/session/setup',
  'POST /api/session/login',
  ...['/', ...WEB_FILES.map((f) => `/${f}`)].flatMap((url) => [`GET ${url}`, `HEAD ${url}`]),
]);

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface Route {
  method: HTTPMethods;
  url: string;
}

const key = (r: Route): string => `${r.method} ${r.url}`;
const isPublic = (r: Route): boolean => PUBLIC.has(key(r));

const ANY_UUID = '0f8fad5b-d9cb-469f-a165-70867728950e';

/** A concrete URL for a route pattern: every parameter (and a wildcard) becomes a valid uuid. */
function concrete(url: string): string {
  return url.replace(/:[A-Za-z0-9_]+(\([^)]*\))?/g, ANY_UUID).replace(/\*/g, ANY_UUID);
}

let app: FastifyInstance;
let runtime: Runtime;
let webRoot: string;
const routes: Route[] = [];

beforeAll(async () => {
  webRoot = await mkdtemp(join(tmpdir(), 'euca2nova-web-'));
  for (const file of WEB_FILES) {
    await mkdir(join(webRoot, file, '..'), { recursive: true });
    await writeFile(join(webRoot, file), file.endsWith('.html') ? '<!doctype html>' : '//');
  }
  const db = await createTestDatabase();
  runtime = await startRuntime(
    loadConfig({ DATABASE_URL: db.url, EUCA2NOVA_DEMO: 'off' }),
    () => undefined,
  );
  app = await buildApp({
    config: { logLevel: 'silent' },
    runtime,
    webRoot,
    onRoute: (route) => {
      for (const method of [route.method].flat()) {
        routes.push({ method, url: route.url });
      }
    },
  });
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await runtime.stop();
  await rm(webRoot, { recursive: true, force: true });
});

describe('the route guard, over every registered route', () => {
  it('knows the routes, public ones included (so the public list names only real routes)', () => {
    const known = new Set(routes.map(key));
    for (const route of ['GET /api/status', 'POST /api/session/logout', 'GET /metrics']) {
      expect(known, route).toContain(route);
    }
    for (const route of PUBLIC)
      expect(known, `public route ${route} is not registered`).toContain(route);
  });

  it('answers 401 to a caller without a session on every method of every other route', async () => {
    const refusedWrongly: string[] = [];
    for (const route of routes.filter((r) => !isPublic(r))) {
      const res = await app.inject({
        method: route.method,
        url: concrete(route.url),
        ...(STATE_CHANGING.has(route.method) ? { payload: {} } : {}),
      });
      if (res.statusCode !== 401) {
        refusedWrongly.push(`${key(route)} answered ${String(res.statusCode)}`);
      }
    }
    // All at once, so one run names every unguarded route.
    expect(refusedWrongly).toEqual([]);
  });

  it('lets a caller without a session reach the public routes', async () => {
    for (const route of routes.filter(isPublic)) {
      const res = await app.inject({
        method: route.method,
        url: concrete(route.url),
        ...(STATE_CHANGING.has(route.method) ? { payload: {} } : {}),
      });
      expect(res.statusCode, key(route)).not.toBe(401);
    }
  });

  it('answers 403 to a signed-in caller without the CSRF token, or with a wrong one', async () => {
    const { cookie, csrfToken } = await signIn(app);
    const wrong = `${csrfToken.slice(0, -2)}xx`;
    const accepted: string[] = [];
    const changing = routes.filter((r) => STATE_CHANGING.has(r.method) && !isPublic(r));
    for (const route of changing) {
      for (const headers of [{ cookie }, { cookie, 'x-csrf-token': wrong }]) {
        const res = await app.inject({
          method: route.method,
          url: concrete(route.url),
          headers,
          payload: {},
        });
        if (res.statusCode !== 403) {
          accepted.push(
            `${key(route)} ${headers['x-csrf-token'] === undefined ? 'without' : 'with a wrong'} token answered ${String(res.statusCode)}`,
          );
        }
      }
    }
    expect(accepted).toEqual([]);
    // The session survived: none of those requests reached a handler (logout among them).
    const session = await app.inject({ method: 'GET', url: '/api/session', headers: { cookie } });
    expect(session.json()).toMatchObject({ signedIn: true });
  });

  it('guards the socket.io path even where socket.io is not attached', async () => {
    const res = await app.inject({ method: 'GET', url: '/socket.io/?EIO=4&transport=polling' });
    expect(res.statusCode).toBe(401);
  });
});
