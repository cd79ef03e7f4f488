import { readFileSync } from 'node:fs';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testAdminUrl } from '@euca2nova/state/testing';
import {
  BEXAR_SCHEMA,
  NovaTargetError,
  initNovaSchema,
  inspectNovaTarget,
  planIdWidening,
  widenIdColumns,
} from '../src/index.ts';

async function sql<T extends object>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
}

const typeOf = (c: { type: string; length: number | null }): string =>
  ({
    INTEGER: 'integer',
    VARCHAR: `character varying(${String(c.length)})`,
    TEXT: 'text',
    TIMESTAMP: 'timestamp without time zone',
    BOOLEAN: 'boolean',
  })[c.type] ?? c.type;

describe('init-db', async () => {
  const db = await createTestDatabase();
  beforeAll(async () => {
    expect((await initNovaSchema(db.url)).created).toBe(true);
  });

  it('ships the reference JSON unchanged', () => {
    const shared = '/work/shared/reference/nova-bexar-schema.json';
    let text: string;
    try {
      text = readFileSync(shared, 'utf8');
    } catch {
      return;
    }
    expect(BEXAR_SCHEMA).toEqual(JSON.parse(text));
  });

  it('creates exactly the tables, columns, types, nullability, keys and defaults of the JSON', async () => {
    const cols = await sql<{
      table_name: string;
      column_name: string;
      data_type: string;
      character_maximum_length: number | null;
      is_nullable: string;
      column_default: string | null;
      ordinal_position: number;
    }>(
      db.url,
      `SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, column_default, ordinal_position
         FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
    );
    const actual: Record<string, unknown[]> = {};
    for (const c of cols) {
      (actual[c.table_name] ??= []).push({
        name: c.column_name,
        type:
          c.data_type === 'character varying'
            ? `character varying(${String(c.character_maximum_length)})`
            : c.data_type,
        nullable: c.is_nullable === 'YES',
        default: c.column_default,
      });
    }
    const expected: Record<string, unknown[]> = {};
    for (const [t, def] of Object.entries(BEXAR_SCHEMA.tables)) {
      expected[t] = def.columns.map((c) => ({
        name: c.name,
        type: typeOf(c),
        nullable: c.nullable,
        default: c.default,
      }));
    }
    expect(actual).toEqual(expected);

    const keys = await sql<{
      table_name: string;
      column_name: string;
      constraint_type: string;
      ref: string | null;
    }>(
      db.url,
      `SELECT tc.table_name, kcu.column_name, tc.constraint_type,
              (SELECT ccu.table_name || '.' || ccu.column_name FROM information_schema.referential_constraints rc
                 JOIN information_schema.key_column_usage ccu ON ccu.constraint_name = rc.unique_constraint_name
                  AND ccu.ordinal_position = kcu.position_in_unique_constraint
                WHERE rc.constraint_name = tc.constraint_name) AS ref
         FROM information_schema.table_constraints tc
         JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_name = tc.table_name
        WHERE tc.table_schema = 'public' AND tc.constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY', 'UNIQUE')`,
    );
    const pk = new Set(
      keys
        .filter((k) => k.constraint_type === 'PRIMARY KEY')
        .map((k) => `${k.table_name}.${k.column_name}`),
    );
    const fk = new Map(
      keys
        .filter((k) => k.constraint_type === 'FOREIGN KEY')
        .map((k) => [`${k.table_name}.${k.column_name}`, k.ref]),
    );
    expect(keys.filter((k) => k.constraint_type === 'UNIQUE')).toEqual([]);
    for (const [t, def] of Object.entries(BEXAR_SCHEMA.tables)) {
      for (const c of def.columns) {
        expect(pk.has(`${t}.${c.name}`), `${t}.${c.name} pk`).toBe(c.primary_key);
        expect(fk.get(`${t}.${c.name}`) ?? null, `${t}.${c.name} fk`).toBe(c.foreign_key);
      }
    }
    const mv = await sql<{ repository_id: string; version: number }>(
      db.url,
      'SELECT repository_id, version FROM migrate_version',
    );
    expect(mv).toEqual([{ repository_id: 'nova', version: 2 }]);
  });

  it('inspects a synced database as bexar, and a second init does nothing', async () => {
    const state = await inspectNovaTarget(db.url, '/tmp');
    expect(state.status).toBe('bexar');
    expect(state.columnDifferences).toEqual([]);
    expect(state.rowCounts.users).toBe(0);
    expect(state.writable).toBe(true);
    expect(state.imagesPath?.freeBytes).toBeGreaterThan(0);
    expect((await initNovaSchema(db.url)).created).toBe(false);
  });
});

describe('bad targets', async () => {
  const other = await createTestDatabase();
  const old = await createTestDatabase();
  const broken = await createTestDatabase();
  const ro = await createTestDatabase();

  it('refuses a database that is not Nova, naming what it found', async () => {
    await sql(other.url, 'CREATE TABLE accounts (id int)');
    await expect(initNovaSchema(other.url)).rejects.toThrow(/not a Nova database.*accounts/);
    expect(
      (await sql(other.url, "SELECT 1 FROM information_schema.tables WHERE table_name = 'users'"))
        .length,
    ).toBe(0);
  });

  it('refuses a Nova database at another version', async () => {
    await initNovaSchema(old.url);
    await sql(old.url, 'UPDATE migrate_version SET version = 14');
    const state = await inspectNovaTarget(old.url);
    expect(state.status).toBe('other-version');
    await expect(initNovaSchema(old.url)).rejects.toThrow(/schema version 14, not Bexar's 2/);
    const { writeAllRows, prepareWriteInput } = await import('../src/index.ts');
    const { demoInventory, demoMappings, DEMO_HOSTS } = await import('./fixtures/index.ts');
    const input = prepareWriteInput(demoInventory(), demoMappings(), DEMO_HOSTS);
    await expect(writeAllRows(old.url, input)).rejects.toThrow(/schema version 14/);
    await expect(writeAllRows(other.url, input)).rejects.toThrow(/not a Nova database/);
    expect(await sql(old.url, 'SELECT id FROM users')).toEqual([]);
  });

  it('names missing and different columns', async () => {
    await initNovaSchema(broken.url);
    await sql(
      broken.url,
      'ALTER TABLE instances DROP COLUMN locked; ALTER TABLE volumes ALTER COLUMN size TYPE text',
    );
    const state = await inspectNovaTarget(broken.url);
    expect(state.status).toBe('incomplete');
    await expect(initNovaSchema(broken.url)).rejects.toThrow(
      /missing column instances\.locked.*column volumes\.size is text, expected integer/,
    );
  });

  it('reports a read-only role as not writable and init-db fails cleanly', async () => {
    await initNovaSchema(ro.url);
    const role = `ro_${ro.name}`;
    await sql(testAdminUrl(), `CREATE ROLE ${role} LOGIN PASSWORD 'ro'`);
    await sql(ro.url, `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
    const u = new URL(ro.url);
    u.username = role;
    u.password = 'ro';
    const state = await inspectNovaTarget(u.toString());
    expect(state.status).toBe('bexar');
    expect(state.writable).toBe(false);
    const { writeUsers } = await import('../src/index.ts');
    const { demoInventory } = await import('./fixtures/index.ts');
    await expect(writeUsers(u.toString(), demoInventory())).rejects.toBeInstanceOf(NovaTargetError);
    expect(await sql(ro.url, 'SELECT * FROM users')).toEqual([]);
  });

  it('widens id columns, foreign keys and sequences to bigint only when applied', async () => {
    const plan = planIdWidening();
    expect(plan.columns).toEqual(
      expect.arrayContaining([
        'instances.id',
        'fixed_ips.instance_id',
        'volumes.instance_id',
        'volumes.id',
        'iscsi_targets.volume_id',
        'security_group_instance_association.instance_id',
      ]),
    );
    const before = await inspectNovaTarget(ro.url);
    expect(before.widenedColumns).toEqual([]);
    expect((await widenIdColumns(ro.url, plan, { confirmed: true })).applied).toBe(true);
    const after = await inspectNovaTarget(ro.url);
    expect(after.status).toBe('bexar');
    expect([...after.widenedColumns].sort()).toEqual([...plan.columns].sort());
    expect((await widenIdColumns(ro.url, plan, { confirmed: true })).applied).toBe(false);
  });
});
