import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureDatabase, withDatabase } from '../src/database.ts';
import { startEmbeddedPostgres } from '../src/embedded.ts';
import { migrateStateDatabase } from '../src/migrate.ts';

const TEMPLATE = 'state_template';

/** One real PostgreSQL for the whole test run; each test file makes its own databases on it. */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'euca2nova-test-pg-'));
  const server = await startEmbeddedPostgres({ dataDir });
  await ensureDatabase(server.adminUrl, TEMPLATE);
  await migrateStateDatabase(withDatabase(server.adminUrl, TEMPLATE));
  project.provide('pgAdminUrl', server.adminUrl);
  project.provide('stateTemplate', TEMPLATE);
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
