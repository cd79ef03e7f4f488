import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import {
  ensureDatabase,
  openStateDatabase,
  withDatabase,
  type OpenState,
  type RunningPostgres,
} from '@euca2nova/state';
import { startSimulator, type RunningSimulator } from '@euca2nova/euca-sim';
import { applyConfiguredPassword, loadCookieSecret } from './auth/operator.ts';
import type { Config } from './config.ts';
import { JobHost } from './jobs/host.ts';

export { STATE_DATABASE } from '@euca2nova/state';
/** Name of the demo Nova database created beside it. */
export const DEMO_NOVA_DATABASE = 'nova_demo';

export interface Runtime {
  /** The opened state database: its URL, job store and key. */
  state: OpenState;
  stateDb: {
    kind: 'embedded' | 'external';
    /** For display: the password is replaced. */
    displayUrl: string;
    pool: pg.Pool;
    /** Migrations applied by this start (empty when the schema was already current). */
    appliedMigrations: string[];
  };
  /** Signs session cookies; kept in the state database so a restart signs no one out. */
  cookieSecret: string;
  /** Runs discoveries, migrations and image copies in this process. */
  jobs: JobHost;
  /** The Eucalyptus configured through EUCARC (endpoints and keys), when there is one. */
  eucalyptus: Config['eucalyptus'];
  /** The demo Nova database and its image store, when the demo runs. */
  demoNova: { database: string; url: string; imagesPath: string } | undefined;
  /** The demo Eucalyptus (the simulator), when the demo runs. */
  demoEucalyptus: RunningSimulator | undefined;
  stop(): Promise<void>;
}

type Log = (message: string) => void;

/** Starts what the server stands on: the state database (embedded unless configured) and the demo. */
export async function startRuntime(config: Config, log: Log): Promise<Runtime> {
  const state = await openStateDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    embeddedPort: config.embeddedPgPort,
    secretKey: config.secretKey,
    log,
  });
  try {
    const demoNova = await startDemoNova(config, state.embedded, state.url, log);
    const demoEucalyptus = await startDemoEucalyptus(
      config,
      state.embedded?.adminUrl ?? state.url,
      log,
    );
    const pool = state.store.pool;
    // An idle connection dropped by the server (restart, or the embedded one stopping on a signal
    // before we close) must not crash the process; the next query reconnects or fails on its own.
    pool.on('error', (e) => {
      log(`State database connection lost: ${e.message}`);
    });
    if (config.operatorPassword !== undefined) {
      await applyConfiguredPassword(pool, config.operatorPassword);
    }
    const cookieSecret = await loadCookieSecret(pool);
    const jobs = new JobHost({
      store: state.store,
      stateUrl: state.url,
      concurrency: config.transferConcurrency,
      log,
    });
    await jobs.start();
    return {
      cookieSecret,
      jobs,
      state,
      stateDb: {
        kind: state.kind,
        displayUrl: state.displayUrl,
        pool,
        appliedMigrations: [...state.appliedMigrations],
      },
      eucalyptus: config.eucalyptus,
      demoNova,
      demoEucalyptus,
      stop: async () => {
        await jobs.stop();
        await demoEucalyptus?.close();
        await state.close();
      },
    };
  } catch (e) {
    await state.close();
    throw e;
  }
}

async function startDemoNova(
  config: Config,
  embedded: RunningPostgres | undefined,
  stateUrl: string,
  log: Log,
): Promise<Runtime['demoNova']> {
  if (config.demo === 'off' || (config.demo === 'auto' && config.novaDbUrl)) return undefined;
  const adminUrl = embedded?.adminUrl ?? stateUrl;
  try {
    if (await ensureDatabase(adminUrl, DEMO_NOVA_DATABASE)) {
      log(`Created the empty demo Nova database "${DEMO_NOVA_DATABASE}"`);
    }
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (config.demo === 'on') {
      throw new Error(
        `EUCA2NOVA_DEMO=on, but the demo Nova database could not be created: ${why}`,
        {
          cause: e,
        },
      );
    }
    log(`No demo Nova database: ${why} (set EUCA2NOVA_DEMO=off to silence this)`);
    return undefined;
  }
  const imagesPath = join(config.dataDir, 'demo-nova-images');
  await mkdir(imagesPath, { recursive: true });
  return {
    database: DEMO_NOVA_DATABASE,
    imagesPath,
    url: embedded
      ? embedded.urlFor(DEMO_NOVA_DATABASE)
      : withDatabase(stateUrl, DEMO_NOVA_DATABASE),
  };
}

/**
 * The demo Eucalyptus: the simulator's `demo` cloud (3.4, MANAGED), its controller database beside
 * ours on the same server. `auto` starts it unless EUCARC names a real Eucalyptus.
 */
async function startDemoEucalyptus(
  config: Config,
  adminUrl: string,
  log: Log,
): Promise<RunningSimulator | undefined> {
  if (config.demo === 'off' || (config.demo === 'auto' && config.eucalyptus)) return undefined;
  try {
    const sim = await startSimulator({
      port: 0,
      eucaVersion: '3.4',
      scenario: 'demo',
      networkMode: 'MANAGED',
      dir: join(config.dataDir, 'demo-eucalyptus'),
      controllerDb: { url: adminUrl, databasePrefix: 'demo_' },
    });
    log(
      `Started the demo Eucalyptus ${sim.eucaVersion} at ${sim.urls.ec2} (eucarc: ${sim.files.eucarc})`,
    );
    return sim;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (config.demo === 'on') {
      throw new Error(`EUCA2NOVA_DEMO=on, but the demo Eucalyptus could not start: ${why}`, {
        cause: e,
      });
    }
    log(`No demo Eucalyptus: ${why} (set EUCA2NOVA_DEMO=off to silence this)`);
    return undefined;
  }
}
