import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from './config.ts';
import { installErrorHandler } from './errors.ts';
import { loggerOptions } from './logger.ts';
import { registerWeb } from './plugins/web.ts';
import { registerProgress, type ProgressOptions } from './progress/plugin.ts';
import { healthRoutes } from './routes/health.ts';
import { statusRoutes } from './routes/status.ts';
import type { Runtime } from './runtime.ts';

declare module 'fastify' {
  interface FastifyInstance {
    runtime: Runtime;
  }
}

export interface BuildAppOptions {
  config: Pick<Config, 'logLevel'>;
  runtime: Runtime;
  /** Folder of the built web app; defaults to apps/web/dist. */
  webRoot?: string;
  /** Live job progress over socket.io; absent: not served. */
  progress?: Omit<ProgressOptions, 'state'>;
}

/** The whole HTTP application, without listening: tests drive it with `inject`. */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(options.config),
    requestTimeout: 30_000,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('runtime', options.runtime);
  const spaFallback = await registerWeb(app, options.webRoot);
  installErrorHandler(app, { spaFallback });

  await app.register(healthRoutes);
  await app.register(statusRoutes);
  if (options.progress !== undefined) {
    await registerProgress(app, { ...options.progress, state: options.runtime.state });
  }
  return app;
}
