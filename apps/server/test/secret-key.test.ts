// Credentials are sealed under EUCA2NOVA_SECRET_KEY when it is configured, else under a key file
// generated once in the data folder: the server passes its configuration through to the state
// database.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STATE_KEY_FILE, StateKey } from '@euca2nova/state';
import { createTestDatabase } from '@euca2nova/state/testing';
import { loadConfig } from '../src/config.ts';
import { startRuntime, type Runtime } from '../src/runtime.ts';

const SECRET = { secretAccessKey: 'wJalrXUtnFEMI-not-a-real-secret' };

async function sealedColumn(runtime: Runtime, id: string): Promise<Buffer> {
  const { rows } = await runtime.stateDb.pool.query<{ sealed: Buffer }>(
    'SELECT sealed FROM connections WHERE id = $1',
    [id],
  );
  const sealed = rows[0]?.sealed;
  if (sealed === undefined) throw new Error(`no connection ${id}`);
  return sealed;
}

describe('the key that seals credentials', () => {
  const dirs: string[] = [];
  const dataDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'euca2nova-data-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('is EUCA2NOVA_SECRET_KEY when configured, and no key file is written', async () => {
    const key = Buffer.alloc(32, 11).toString('base64');
    const dir = await dataDir();
    const db = await createTestDatabase();
    const runtime = await startRuntime(
      loadConfig({
        DATABASE_URL: db.url,
        EUCA2NOVA_DEMO: 'off',
        EUCA2NOVA_DATA_DIR: dir,
        EUCA2NOVA_SECRET_KEY: key,
      }),
      () => undefined,
    );
    try {
      expect(runtime.state.key.origin).toBe('EUCA2NOVA_SECRET_KEY');
      const id = await runtime.state.store.saveConnection('eucalyptus', {}, SECRET);
      const sealed = await sealedColumn(runtime, id);
      expect(sealed.toString('latin1')).not.toContain(SECRET.secretAccessKey);
      expect(new StateKey(Buffer.from(key, 'base64'), 'test').unsealJson(sealed)).toEqual(SECRET);
      expect(existsSync(join(dir, STATE_KEY_FILE))).toBe(false);
    } finally {
      await runtime.stop();
    }
  });

  it('is a key file generated in the data folder (mode 0600) when none is configured', async () => {
    const dir = await dataDir();
    const db = await createTestDatabase();
    const runtime = await startRuntime(
      loadConfig({ DATABASE_URL: db.url, EUCA2NOVA_DEMO: 'off', EUCA2NOVA_DATA_DIR: dir }),
      () => undefined,
    );
    try {
      const file = join(dir, STATE_KEY_FILE);
      expect(runtime.state.key.origin).toBe(file);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const id = await runtime.state.store.saveConnection('eucalyptus', {}, SECRET);
      const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
      expect(new StateKey(key, 'test').unsealJson(await sealedColumn(runtime, id))).toEqual(SECRET);
    } finally {
      await runtime.stop();
    }
  });
});
