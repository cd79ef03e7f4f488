import { randomBytes } from 'node:crypto';
import { afterAll, inject } from 'vitest';
import { dropDatabase, ensureDatabase } from './database.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the shared embedded PostgreSQL started by the global setup. */
    pgAdminUrl: string;
    /** Name of a database that already has every state migration applied. */
    stateTemplate: string;
  }
}

export interface TestDatabase {
  name: string;
  url: string;
}

/**
 * A fresh database on the shared test server, dropped after the file's tests. With `migrated` it is
 * copied from a template that has the state schema, which is much faster than migrating each one.
 */
export async function createTestDatabase(
  options: { migrated?: boolean } = {},
): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  await ensureDatabase(adminUrl, name, options.migrated ? inject('stateTemplate') : undefined);
  afterAll(() => dropDatabase(adminUrl, name));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

export function testAdminUrl(): string {
  return inject('pgAdminUrl');
}
