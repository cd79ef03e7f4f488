import type { Session } from 'fastify';
import type pg from 'pg';

type Callback = (error?: Error) => void;
type CallbackSession = (error: Error | null, session?: Session | null) => void;

const DEFAULT_TTL_MS = 8 * 60 * 60 * 1000;

/**
 * @fastify/session's store over the `sessions` table. PostgreSQL rather than the default memory
 * store so that sessions survive a restart, are shared by every server process on the same state
 * database, and signing out really ends one (a stateless encrypted cookie could not be revoked).
 */
export class PgSessionStore {
  #lastSweep = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly ttlMs: number = DEFAULT_TTL_MS,
  ) {}

  set(sid: string, session: Session, callback: Callback): void {
    const expires = session.cookie.expires ?? new Date(Date.now() + this.ttlMs);
    this.pool
      .query(
        `INSERT INTO sessions (sid, data, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (sid) DO UPDATE SET data = EXCLUDED.data, expires_at = EXCLUDED.expires_at`,
        [sid, JSON.stringify(session), new Date(expires)],
      )
      .then(() => {
        callback();
      }, callback);
    this.#sweep();
  }

  get(sid: string, callback: CallbackSession): void {
    this.pool
      .query<{ data: Session }>('SELECT data FROM sessions WHERE sid = $1 AND expires_at > now()', [
        sid,
      ])
      .then(
        ({ rows }) => {
          callback(null, rows[0]?.data ?? null);
        },
        (e: unknown) => {
          callback(e instanceof Error ? e : new Error(String(e)));
        },
      );
  }

  destroy(sid: string, callback: Callback): void {
    this.pool.query('DELETE FROM sessions WHERE sid = $1', [sid]).then(() => {
      callback();
    }, callback);
  }

  /** Dead rows are harmless (get ignores them); removing them now and then keeps the table small. */
  #sweep(): void {
    if (Date.now() - this.#lastSweep < 10 * 60 * 1000) return;
    this.#lastSweep = Date.now();
    this.pool.query('DELETE FROM sessions WHERE expires_at <= now()').catch(() => undefined);
  }
}
