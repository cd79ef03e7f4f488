import { join } from 'node:path';
import { ensureDatabase, redactUrl } from './database.ts';
import { startEmbeddedPostgres, type RunningPostgres } from './embedded.ts';
import { PgJobStore } from './jobs.ts';
import { migrateStateDatabase } from './migrate.ts';
import { loadStateKey, type StateKey } from './secrets.ts';

/** Name of the state database on the embedded server. */
export const STATE_DATABASE = 'euca2nova';

export interface OpenStateOptions {
  /** An external PostgreSQL; absent = the embedded one under `dataDir/postgres`. */
  readonly databaseUrl?: string | undefined;
  readonly dataDir: string;
  readonly embeddedPort?: number | undefined;
  /** `EUCA2NOVA_SECRET_KEY`; absent = `dataDir/state.key`. */
  readonly secretKey?: string | undefined;
  readonly poolSize?: number;
  readonly log?: (message: string) => void;
}

export interface OpenState {
  readonly kind: 'embedded' | 'external';
  readonly url: string;
  /** For display: the password is replaced. */
  readonly displayUrl: string;
  readonly embedded: RunningPostgres | undefined;
  readonly key: StateKey;
  readonly store: PgJobStore;
  readonly appliedMigrations: readonly string[];
  close(): Promise<void>;
}

/**
 * The state database ready for use, as the server, the CLI and workers all need it: started (when
 * embedded), migrated, with the key that seals its secrets and a job store on a pool.
 */
export async function openStateDatabase(options: OpenStateOptions): Promise<OpenState> {
  const log = options.log ?? (() => undefined);
  let embedded: RunningPostgres | undefined;
  let url: string;
  if (options.databaseUrl !== undefined && options.databaseUrl !== '') {
    url = options.databaseUrl;
  } else {
    embedded = await startEmbeddedPostgres({
      dataDir: join(options.dataDir, 'postgres'),
      ...(options.embeddedPort === undefined ? {} : { port: options.embeddedPort }),
    });
    log(
      `${embedded.initialised ? 'Created' : 'Started'} the embedded PostgreSQL on 127.0.0.1:${String(embedded.port)}`,
    );
    await ensureDatabase(embedded.adminUrl, STATE_DATABASE);
    url = embedded.urlFor(STATE_DATABASE);
  }
  try {
    const applied = await migrateStateDatabase(url);
    for (const m of applied) log(`Applied state database migration ${m.name}`);
    const key = await loadStateKey({ base64: options.secretKey, dataDir: options.dataDir });
    const store = PgJobStore.connect(url, key, options.poolSize ?? 16);
    return {
      kind: embedded === undefined ? 'external' : 'embedded',
      url,
      displayUrl: redactUrl(url),
      embedded,
      key,
      store,
      appliedMigrations: applied.map((m) => m.name),
      close: async () => {
        await store.close();
        await embedded?.stop();
      },
    };
  } catch (e) {
    await embedded?.stop();
    throw e;
  }
}
