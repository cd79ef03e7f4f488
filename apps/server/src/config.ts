import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEucarc, type Eucarc } from '@euca2nova/eucalyptus';
import { MIN_OPERATOR_PASSWORD_LENGTH } from '@euca2nova/model';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const port = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a whole number between 1 and 65535' })
    .int('must be a whole number between 1 and 65535')
    .min(1, 'must be a whole number between 1 and 65535')
    .max(65535, 'must be a whole number between 1 and 65535')
    .default(fallback);

const postgresUrl = z
  .string()
  .trim()
  .refine((v) => URL.canParse(v) && /^postgres(ql)?:$/.test(new URL(v).protocol), {
    error: 'must be a postgres:// or postgresql:// URL',
  });

const emptyAsUndefined = (v: unknown) => (v === '' ? undefined : v);

// Buffer.from(..., 'base64') skips what it cannot read, so a typo would silently become a
// different key: only well-formed base64 is accepted.
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Every environment variable euca2nova reads, with its default. `.env.example` documents the same
 * list for operators; a test keeps the two in step.
 */
export const ConfigSchema = z.object({
  PORT: port(8080),
  HOST: z
    .string()
    .trim()
    .min(1, 'must name an interface, e.g. 127.0.0.1 or 0.0.0.0')
    .default('127.0.0.1'),
  DATABASE_URL: z.preprocess(emptyAsUndefined, postgresUrl.optional()),
  EUCA2NOVA_DATA_DIR: z.string().trim().min(1, 'must be a folder path').default('.euca2nova'),
  EMBEDDED_PG_PORT: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number({ error: 'must be 0 (any free port) or a port number' })
      .int('must be 0 (any free port) or a port number')
      .min(0, 'must be 0 (any free port) or a port number')
      .max(65535, 'must be 0 (any free port) or a port number')
      .default(0),
  ),
  LOG_LEVEL: z
    .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })
    .default('info'),
  EUCA2NOVA_DEMO: z
    .enum(['auto', 'on', 'off'], { error: 'must be auto, on or off' })
    .default('auto'),
  NOVA_DB_URL: z.preprocess(emptyAsUndefined, postgresUrl.optional()),
  EUCARC: z.preprocess(emptyAsUndefined, z.string().trim().min(1).optional()),
  EUCA2NOVA_OPERATOR_PASSWORD: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .min(
        MIN_OPERATOR_PASSWORD_LENGTH,
        `must have at least ${String(MIN_OPERATOR_PASSWORD_LENGTH)} characters`,
      )
      .max(1024)
      .optional(),
  ),
  EUCA2NOVA_TRANSFER_CONCURRENCY: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number({ error: 'must be a whole number from 1 to 64' })
      .int('must be a whole number from 1 to 64')
      .min(1, 'must be a whole number from 1 to 64')
      .max(64, 'must be a whole number from 1 to 64')
      .default(4),
  ),
  EUCA2NOVA_TRUST_PROXY: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  EUCA2NOVA_SECRET_KEY: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .trim()
      // Checked here, not only when the key is loaded, so a wrong key stops the server before it
      // starts a database; the message must never carry the value (see SECRET_VARIABLES).
      .refine((v) => BASE64.test(v) && Buffer.from(v, 'base64').length === 32, {
        error: 'must be the base64 of 32 random bytes (e.g. "openssl rand -base64 32")',
      })
      .optional(),
  ),
  EUCA2NOVA_METRICS_TOKEN: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .trim()
      .min(16, 'must have at least 16 characters (e.g. "openssl rand -hex 32")')
      // It travels as `Authorization: Bearer <token>`, which has no room for spaces.
      .regex(/^\S+$/, 'must not contain spaces')
      .max(1024, 'must have at most 1024 characters')
      .optional(),
  ),
});

type RawConfig = z.infer<typeof ConfigSchema>;

export interface Config {
  port: number;
  host: string;
  /** External state database; absent means the embedded one. */
  databaseUrl: string | undefined;
  /** Absolute folder for the embedded database, keys and image staging. */
  dataDir: string;
  embeddedPgPort: number;
  logLevel: RawConfig['LOG_LEVEL'];
  /**
   * The demo cloud (a simulated Eucalyptus and an empty Nova database on the embedded server):
   * `auto` starts it while nothing real is configured.
   */
  demo: RawConfig['EUCA2NOVA_DEMO'];
  novaDbUrl: string | undefined;
  /** The Eucalyptus named by the EUCARC file, when one is configured. */
  eucalyptus: (Eucarc & { eucarc: string }) | undefined;
  /** Base64 key that seals credentials in the state database; absent: `dataDir/state.key`. */
  secretKey: string | undefined;
  /** Bearer token a Prometheus scraper may present at /metrics instead of a session. */
  metricsToken: string | undefined;
  /** Replaces the operator password at start; absent, the operator sets it in the browser. */
  operatorPassword: string | undefined;
  /** Believe X-Forwarded-For/-Proto from the reverse proxy in front (for the Secure cookie). */
  trustProxy: boolean;
  /** Image copies the server makes at once. */
  transferConcurrency: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: { variable: string; problem: string; value?: string }[]) {
    super(
      'Invalid configuration:\n' +
        problems
          .map(
            (p) =>
              `  ${p.variable} ${p.problem}` + (p.value === undefined ? '' : ` (got ${p.value})`),
          )
          .join('\n'),
    );
  }
}

/** Variables whose values must never be echoed back, even in an error about them. */
const SECRET_VARIABLES = new Set([
  'DATABASE_URL',
  'NOVA_DB_URL',
  'EUCA2NOVA_OPERATOR_PASSWORD',
  'EUCA2NOVA_SECRET_KEY',
  'EUCA2NOVA_METRICS_TOKEN',
]);

function readEucarc(path: string): Eucarc & { eucarc: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError([
      {
        variable: 'EUCARC',
        problem: `names a file that cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
        value: JSON.stringify(path),
      },
    ]);
  }
  try {
    return { ...parseEucarc(text, path), eucarc: path };
  } catch (e) {
    // The parser names the file and line and never echoes a key.
    throw new ConfigError([
      { variable: 'EUCARC', problem: `is not usable: ${(e as Error).message}` },
    ]);
  }
}

/** Reads and validates the configuration once; a wrong value throws a ConfigError naming it. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  cwd: string = process.cwd(),
): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? '(configuration)');
        const raw = env[variable];
        return {
          variable,
          problem: issue.message,
          value:
            raw === undefined
              ? undefined
              : SECRET_VARIABLES.has(variable)
                ? '(hidden)'
                : JSON.stringify(raw),
        };
      }),
    );
  }
  const c = parsed.data;
  return {
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    dataDir: resolve(cwd, c.EUCA2NOVA_DATA_DIR),
    embeddedPgPort: c.EMBEDDED_PG_PORT,
    logLevel: c.LOG_LEVEL,
    demo: c.EUCA2NOVA_DEMO,
    novaDbUrl: c.NOVA_DB_URL,
    eucalyptus: c.EUCARC === undefined ? undefined : readEucarc(resolve(cwd, c.EUCARC)),
    secretKey: c.EUCA2NOVA_SECRET_KEY,
    metricsToken: c.EUCA2NOVA_METRICS_TOKEN,
    operatorPassword: c.EUCA2NOVA_OPERATOR_PASSWORD,
    trustProxy: c.EUCA2NOVA_TRUST_PROXY,
    transferConcurrency: c.EUCA2NOVA_TRANSFER_CONCURRENCY,
  };
}
