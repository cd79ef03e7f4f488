import pg from 'pg';

/**
 * An error in what the operator gave us (a wrong database, a wrong version, no rights, no space):
 * the CLI exits 2 with the message, the engine shows it as is.
 */
export class NovaTargetError extends Error {
  override readonly name: string = 'NovaTargetError';
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A URL safe to print: the password is replaced. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '*****';
    return u.toString();
  } catch {
    return '(unparseable database URL)';
  }
}

export type Db = pg.Client | pg.PoolClient;

/** Open one client, run `fn`, always close it. Connection errors become NovaTargetError. */
export async function withClient<T>(
  url: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  let client: pg.Client;
  try {
    client = new pg.Client({ connectionString: url });
  } catch (e) {
    throw new NovaTargetError('bad-url', `Not a usable Nova database URL: ${(e as Error).message}`);
  }
  try {
    await client.connect();
  } catch (e) {
    throw new NovaTargetError(
      'connect-failed',
      `Cannot connect to the Nova database ${redactDatabaseUrl(url)}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** BEGIN … COMMIT, ROLLBACK on any error. */
export async function inTransaction<T>(db: Db, fn: () => Promise<T>): Promise<T> {
  await db.query('BEGIN');
  try {
    const out = await fn();
    await db.query('COMMIT');
    return out;
  } catch (e) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw mapPgError(e);
  }
}

/** Turn the PostgreSQL errors an operator can cause into clear NovaTargetErrors. */
export function mapPgError(e: unknown): unknown {
  const code = (e as { code?: unknown }).code;
  if (code === '42501') {
    return new NovaTargetError(
      'permission-denied',
      `The Nova database role may not write here: ${(e as Error).message}. Use a role that owns the Nova tables.`,
      { cause: e },
    );
  }
  if (code === '25006') {
    return new NovaTargetError(
      'read-only',
      `The Nova database is read-only: ${(e as Error).message}.`,
      { cause: e },
    );
  }
  return e;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
  }
}
