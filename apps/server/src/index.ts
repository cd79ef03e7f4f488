export { buildApp, type BuildAppOptions } from './app.ts';
export { ConfigError, ConfigSchema, loadConfig, type Config } from './config.ts';
export { REDACTED_PATHS } from './logger.ts';
export { CSRF_HEADER, SESSION_COOKIE, isAuthenticated, unauthenticated } from './plugins/auth.ts';
export { DEMO_NOVA_DATABASE, STATE_DATABASE, startRuntime, type Runtime } from './runtime.ts';
export { startServer, type RunningServer } from './server.ts';
export { VERSION } from './version.ts';
