import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { hashPassword, verifyPassword } from './password.ts';

export async function readPasswordHash(pool: pg.Pool): Promise<string | undefined> {
  const { rows } = await pool.query<{ password_hash: string }>(
    'SELECT password_hash FROM operator',
  );
  return rows[0]?.password_hash;
}

/** Stores the first password; false when one was already set (another browser won the race). */
export async function setPasswordOnce(pool: pg.Pool, password: string): Promise<boolean> {
  const hash = await hashPassword(password);
  const { rowCount } = await pool.query(
    'INSERT INTO operator (password_hash) VALUES ($1) ON CONFLICT (singleton) DO NOTHING',
    [hash],
  );
  return rowCount === 1;
}

/**
 * Makes the configured password the operator's. Configuration wins over one set in the browser, so
 * an operator locked out can reset it by setting EUCA2NOVA_OPERATOR_PASSWORD and restarting.
 */
export async function applyConfiguredPassword(pool: pg.Pool, password: string): Promise<void> {
  const current = await readPasswordHash(pool);
  if (current !== undefined && (await verifyPassword(password, current))) return;
  await pool.query(
    `INSERT INTO operator (password_hash) VALUES ($1)
     ON CONFLICT (singleton) DO UPDATE SET password_hash = EXCLUDED.password_hash, set_at = now()`,
    [await hashPassword(password)],
  );
  // A changed password ends every session made under the old one.
  await pool.query('DELETE FROM sessions');
}

/** The cookie-signing key, made on first start and kept so that a restart signs no one out. */
export async function loadCookieSecret(pool: pg.Pool): Promise<string> {
  await pool.query(
    'INSERT INTO cookie_secret (secret) VALUES ($1) ON CONFLICT (singleton) DO NOTHING',
    [randomBytes(32).toString('base64url')],
  );
  const { rows } = await pool.query<{ secret: string }>('SELECT secret FROM cookie_secret');
  const secret = rows[0]?.secret;
  if (!secret) throw new Error('The cookie secret could not be stored in the state database.');
  return secret;
}
