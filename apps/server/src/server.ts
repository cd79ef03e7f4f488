import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { startRuntime } from './runtime.ts';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Starts the state database, the demo when it applies, and the HTTP server. */
export async function startServer(config: Config): Promise<RunningServer> {
  const runtime = await startRuntime(config, (message) => {
    process.stderr.write(`[euca2nova] ${message}\n`);
  });
  let app: FastifyInstance | undefined;
  try {
    // Every client is refused until sign-in (issue 7) supplies `authenticate`.
    app = await buildApp({ config, runtime, progress: {} });
    await app.listen({ port: config.port, host: config.host });
  } catch (e) {
    await app?.close();
    await runtime.stop();
    throw e;
  }
  const started = app;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    app: started,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${config.port}/`,
    close: async () => {
      await started.close();
      await runtime.stop();
    },
  };
}
