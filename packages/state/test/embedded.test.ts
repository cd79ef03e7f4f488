import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive, startEmbeddedPostgres } from '../src/embedded.ts';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Starts the embedded server in a child process (which commits a row and waits to be killed) and
 * returns it with the PID of its postmaster.
 */
async function startInChild(dataDir: string): Promise<{ child: ChildProcess; postmaster: number }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./fixtures/start-and-wait.ts', import.meta.url).pathname, dataDir],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  for (let i = 0; i < 300 && !out.includes('ready'); i++)
    await new Promise((r) => setTimeout(r, 100));
  expect(out).toContain('ready');
  const postmaster = Number(
    readFileSync(join(dataDir, 'cluster', 'postmaster.pid'), 'utf8').split('\n')[0],
  );
  return { child, postmaster };
}

describe('embedded PostgreSQL', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('initialises a cluster on first start and keeps its data across a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'euca2nova-embedded-'));
    dirs.push(dataDir);

    const first = await startEmbeddedPostgres({ dataDir });
    expect(first.initialised).toBe(true);
    const [version] = await query<{ server_version_num: string }>(
      first.adminUrl,
      'SHOW server_version_num',
    );
    expect(Number(version?.server_version_num)).toBeGreaterThanOrEqual(150000);
    await query(first.adminUrl, 'CREATE TABLE kept (v text); INSERT INTO kept VALUES ($$yes$$)');
    await first.stop();

    const second = await startEmbeddedPostgres({ dataDir });
    try {
      expect(second.initialised).toBe(false);
      // The same port while it is free, so stored connection URLs keep working.
      expect(second.port).toBe(first.port);
      const rows = await query<{ v: string }>(second.adminUrl, 'SELECT v FROM kept');
      expect(rows).toEqual([{ v: 'yes' }]);
    } finally {
      await second.stop();
    }
  });

  it('recovers the cluster of a process killed with SIGKILL, committed data intact', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'euca2nova-embedded-'));
    dirs.push(dataDir);
    const { child, postmaster: orphanPid } = await startInChild(dataDir);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(isAlive(orphanPid)).toBe(true); // the orphan outlived its parent

    const server = await startEmbeddedPostgres({ dataDir });
    try {
      expect(isAlive(orphanPid)).toBe(false);
      expect(await query<{ v: string }>(server.adminUrl, 'SELECT v FROM survived')).toEqual([
        { v: 'committed' },
      ]);
    } finally {
      await server.stop();
    }
  });

  it('stops its PostgreSQL when its process is terminated by a signal nobody handles', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'euca2nova-embedded-'));
    dirs.push(dataDir);
    const { child, postmaster } = await startInChild(dataDir);

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' }); // it still died of the signal
    for (let i = 0; i < 100 && isAlive(postmaster); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(isAlive(postmaster)).toBe(false);
  });

  it('listens on loopback only, with a password kept in a 0600 file', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'euca2nova-embedded-'));
    dirs.push(dataDir);
    const server = await startEmbeddedPostgres({ dataDir });
    try {
      const [row] = await query<{ listen_addresses: string }>(
        server.adminUrl,
        'SHOW listen_addresses',
      );
      expect(row?.listen_addresses).toBe('127.0.0.1');
      expect((await stat(join(dataDir, 'superuser.password'))).mode & 0o777).toBe(0o600);

      const wrong = new URL(server.adminUrl);
      wrong.password = 'not-the-password';
      await expect(query(wrong.toString(), 'SELECT 1')).rejects.toThrow(/password authentication/);
    } finally {
      await server.stop();
    }
  });
});

describe.runIf(process.getuid?.() === 0)('embedded PostgreSQL started as root', () => {
  it('names the folder the postgres system user cannot enter', async () => {
    const locked = await mkdtemp(join(tmpdir(), 'euca2nova-locked-'));
    try {
      await expect(startEmbeddedPostgres({ dataDir: join(locked, 'data') })).rejects.toThrow(
        new RegExp(`cannot enter ${locked} \\(mode 700\\)`),
      );
    } finally {
      await rm(locked, { recursive: true, force: true });
    }
  });
});
