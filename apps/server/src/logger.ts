import type { FastifyServerOptions } from 'fastify';
import type { Config } from './config.ts';

/**
 * Paths pino blanks before a line is written. Secrets reach the server in request bodies and
 * headers; nothing we log on purpose carries them, and this keeps an accident from printing one.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  'secretKey',
  '*.secretKey',
  'metricsToken',
  '*.metricsToken',
  '*.EUCA2NOVA_SECRET_KEY',
  '*.EUCA2NOVA_METRICS_TOKEN',
  '*.secretAccessKey',
  '*.databaseUrl',
  '*.novaDbUrl',
  '*.privateKey',
];

export function loggerOptions(
  config: Pick<Config, 'logLevel'>,
  stream?: { write(line: string): void },
): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(stream ? { stream } : {}),
  };
}
