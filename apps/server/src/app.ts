import fastifyHelmet from '@fastify/helmet';
import Fastify, { type FastifyInstance, type onRouteHookHandler } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from './config.ts';
import { installErrorHandler } from './errors.ts';
import { loggerOptions } from './logger.ts';
import { registerAuth } from './plugins/auth.ts';
import { registerDocs } from './plugins/docs.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { registerWeb } from './plugins/web.ts';
import { registerProgress, type ProgressOptions } from './progress/plugin.ts';
import { connectionRoutes } from './routes/connections.ts';
import { healthRoutes } from './routes/health.ts';
import { inventoryRoutes } from './routes/inventories.ts';
import { jobRoutes } from './routes/jobs.ts';
import { planRoutes } from './routes/plans.ts';
import { reportRoutes } from './routes/reports.ts';
import { sessionRoutes } from './routes/session.ts';
import { statusRoutes } from './routes/status.ts';
import type { Runtime } from './runtime.ts';

declare module 'fastify' {
  interface FastifyInstance {
    runtime: Runtime;
  }
}

export interface BuildAppOptions {
  config: Pick<Config, 'logLevel'> & Partial<Pick<Config, 'trustProxy' | 'metricsToken'>>;
  runtime: Runtime;
  /** Folder of the built web app; defaults to apps/web/dist. */
  webRoot?: string;
  /** Where log lines go instead of stdout (tests read them back). */
  logStream?: { write(line: string): void };
  /** Live job progress over socket.io; absent: not served. */
  progress?: Omit<ProgressOptions, 'state'>;
  /** Told of every route as it is added (the route-guard test checks them all). */
  onRoute?: onRouteHookHandler;
}

/** Whether a handshake's Origin (if any) names the host it was sent to. */
export function sameOriginHandshake(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  return host !== undefined && URL.canParse(origin) && new URL(origin).host === host;
}

/** The whole HTTP application, without listening: tests drive it with `inject`. */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(options.config, options.logStream),
    requestTimeout: 30_000,
    // JSON bodies are small (uploads will have their own bounded route): 1 MiB is ample.
    bodyLimit: 1024 * 1024,
    trustProxy: options.config.trustProxy ?? false,
  });
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('runtime', options.runtime);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        // Mantine writes its CSS variables into a <style> element at run time and components set
        // `style` attributes; neither can carry a nonce, so inline styles (and only styles) are
        // allowed. Scripts stay 'self' only, which is what stops injected code.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        // fetch and the live-progress socket go to the same origin (ws: included for socket.io).
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // X-Frame-Options DENY alongside frame-ancestors 'none', for browsers that predate CSP 2.
    frameguard: { action: 'deny' },
  });
  await registerAuth(app, {
    pool: options.runtime.stateDb.pool,
    cookieSecret: options.runtime.cookieSecret,
  });
  const spaFallback = await registerWeb(app, options.webRoot);
  installErrorHandler(app, { spaFallback });

  // Before every route, so the OpenAPI document sees them all.
  await registerDocs(app);
  await app.register(metricsRoutes, { token: options.config.metricsToken });
  await app.register(healthRoutes);
  await app.register(sessionRoutes);
  await app.register(statusRoutes);
  await app.register(connectionRoutes);
  await app.register(inventoryRoutes);
  await app.register(planRoutes);
  await app.register(jobRoutes);
  await app.register(reportRoutes);
  if (options.progress !== undefined) {
    await registerProgress(app, {
      // The socket.io handshake is refused like any API call without a signed-in session, and
      // from a page of another origin: SameSite does not stop a WebSocket opened by another port
      // of the same host (same site), which would read the jobs' progress (cross-site WebSocket
      // hijacking). A client that sends no Origin is not a browser page.
      authenticate: async (handshake) =>
        sameOriginHandshake(handshake.headers.origin, handshake.headers.host) &&
        app.isAuthenticated(handshake.headers.cookie),
      ...options.progress,
      state: options.runtime.state,
    });
  }
  return app;
}
