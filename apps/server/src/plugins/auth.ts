import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySession from '@fastify/session';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PgSessionStore } from '../auth/store.ts';

declare module 'fastify' {
  interface Session {
    /** Set once the operator has proven the password in this session. */
    operator?: boolean;
  }
  interface FastifyInstance {
    /** Whether a raw `Cookie` header carries a signed-in session (for the socket.io handshake). */
    isAuthenticated(cookieHeader: string | undefined): Promise<boolean>;
  }
}

export const SESSION_COOKIE = 'euca2nova_session';
export const SESSION_MAX_AGE_MS = 8 * 60 * 60 * 1000;
export const CSRF_HEADER = 'x-csrf-token';

/** Routes a caller without a session may use: the first page must learn whether to sign in. */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set([
  'GET /healthz',
  'GET /api/session',
  'POST /api/session/login',
  'POST /api/session/setup',
]);

/**
 * Routes exempt from the CSRF token, because they run before there is a session to bind one to.
 * They are still safe from a forged cross-site request: they only accept application/json, which
 * a cross-site form cannot send and a cross-site fetch cannot send without a CORS preflight we
 * never grant, and they refuse a foreign Origin header (see `sameOrigin`).
 */
const CSRF_EXEMPT = new Set(['POST /api/session/login', 'POST /api/session/setup']);

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function routeKey(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? ''}`;
}

const PROTECTED = /^\/+(api|socket\.io)(\/|$)/i;

/**
 * True for what the guard covers: the API and the live-progress socket. Judged on the matched
 * route's pattern as well as on the decoded path, because the router decodes percent-escapes
 * (`/%61pi/status` reaches `/api/status`) and a raw-path test alone would let that through.
 */
function isProtected(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  if (route !== undefined && PROTECTED.test(route)) return true;
  const path = request.url.split('?')[0] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // Not a path any route matches; guard it anyway rather than guess.
    return true;
  }
  return PROTECTED.test(path) || PROTECTED.test(decoded);
}

export function unauthenticated(reply: FastifyReply): FastifyReply {
  return reply.code(401).send({ error: 'unauthenticated', message: 'Sign in to euca2nova first.' });
}

/** A browser always sends Origin on a cross-site POST; a different host than ours is refused. */
export function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  return URL.canParse(origin) && new URL(origin).host === request.host;
}

export interface AuthOptions {
  pool: FastifyInstance['runtime']['stateDb']['pool'];
  cookieSecret: string;
}

/**
 * Sessions, CSRF, login rate limiting and the guard, on the root instance so they cover every
 * route. Sessions are @fastify/session over PostgreSQL (see PgSessionStore for why not a
 * stateless cookie).
 */
export async function registerAuth(app: FastifyInstance, options: AuthOptions): Promise<void> {
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: options.cookieSecret,
    cookieName: SESSION_COOKIE,
    store: new PgSessionStore(options.pool, SESSION_MAX_AGE_MS),
    saveUninitialized: false,
    cookie: {
      httpOnly: true,
      sameSite: 'strict',
      // Decided per request by `strictCookie`: the plugin's 'auto' would also drop to SameSite=Lax
      // over plain HTTP.
      secure: false,
      path: '/',
      maxAge: SESSION_MAX_AGE_MS,
    },
  });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/session',
    // A custom header only: a cross-site form cannot set one.
    getToken: (request) => {
      const token = request.headers[CSRF_HEADER];
      return typeof token === 'string' ? token : undefined;
    },
  });
  await app.register(fastifyRateLimit, { global: false });

  app.decorate('isAuthenticated', (cookieHeader: string | undefined) =>
    isAuthenticated(app, cookieHeader),
  );

  app.addHook('onRequest', (request, reply, done) => {
    strictCookie(request);
    if (!isProtected(request) || PUBLIC_ROUTES.has(routeKey(request))) {
      done();
      return;
    }
    if (request.session.get('operator') !== true) {
      void unauthenticated(reply);
      return;
    }
    if (STATE_CHANGING.has(request.method) && !CSRF_EXEMPT.has(routeKey(request))) {
      app.csrfProtection(request, reply, done);
      return;
    }
    done();
  });
}

/**
 * SameSite=Strict always, and Secure whenever the request came over TLS, directly or (with
 * trustProxy) through a proxy. Called again after `session.regenerate()`, which starts a new cookie.
 */
export function strictCookie(request: FastifyRequest): void {
  request.session.cookie.sameSite = 'strict';
  request.session.cookie.secure = request.protocol === 'https';
}

/** Given the raw Cookie header (an HTTP request's or a socket.io handshake's), is it signed in? */
export async function isAuthenticated(
  app: FastifyInstance,
  cookieHeader: string | undefined,
): Promise<boolean> {
  if (!cookieHeader) return false;
  const signed = app.parseCookie(cookieHeader)[SESSION_COOKIE];
  if (!signed) return false;
  const holder: { session?: FastifyRequest['session'] } = {};
  try {
    await new Promise<void>((resolve, reject) => {
      app.decryptSession(signed, holder, (error?: Error) => {
        if (error) reject(error);
        else resolve();
      });
    });
  } catch {
    return false;
  }
  return holder.session?.get('operator') === true;
}
