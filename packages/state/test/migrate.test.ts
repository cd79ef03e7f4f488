import pg from 'pg';
import { JOB_STATUSES, JOB_TYPES } from '@euca2nova/model';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_TABLE, migrateStateDatabase } from '../src/migrate.ts';
import { createTestDatabase } from '../src/testing.ts';

async function tables(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'public' ORDER BY table_name`,
    );
    return rows.map((r) => r.table_name);
  } finally {
    await client.end();
  }
}

describe('state database migrations', () => {
  it('applies every numbered migration to an empty database, then nothing on a second run', async () => {
    const db = await createTestDatabase();
    expect(await tables(db.url)).toEqual([]);

    const applied = await migrateStateDatabase(db.url);
    expect(applied.map((m) => m.name)).toEqual([
      '0001_jobs',
      '0002_migrations',
      '0003_operator',
      '0004_api',
    ]);
    expect(await tables(db.url)).toEqual([
      'connections',
      'cookie_secret',
      'inventories',
      'job_events',
      'job_steps',
      'jobs',
      'operator',
      'plans',
      MIGRATIONS_TABLE,
      'sessions',
    ]);

    expect(await migrateStateDatabase(db.url)).toEqual([]);
  });

  it('lets two processes migrate the same database at once', async () => {
    const db = await createTestDatabase();
    const results = await Promise.all([migrateStateDatabase(db.url), migrateStateDatabase(db.url)]);
    expect(results.flat().map((m) => m.name)).toEqual([
      '0001_jobs',
      '0002_migrations',
      '0003_operator',
      '0004_api',
    ]);
  });

  it('gives the schema the constraints the job model relies on', async () => {
    const db = await createTestDatabase({ migrated: true });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string; status: string }>(
        `INSERT INTO jobs (type) VALUES ('migrate') RETURNING id, status`,
      );
      expect(rows[0]?.status).toBe('queued');
      await expect(client.query(`INSERT INTO jobs (type) VALUES ('teleport')`)).rejects.toThrow(
        /jobs_type_check/,
      );
      const jobId = rows[0]?.id;
      await client.query(
        `INSERT INTO job_events (job_id, seq, type, body) VALUES ($1, 1, 'log', '{}')`,
        [jobId],
      );
      await expect(
        client.query(
          `INSERT INTO job_events (job_id, seq, type, body) VALUES ($1, 1, 'log', '{}')`,
          [jobId],
        ),
      ).rejects.toThrow(/duplicate key/);
    } finally {
      await client.end();
    }
  });

  it('accepts exactly the job types and statuses of the model', async () => {
    const db = await createTestDatabase({ migrated: true });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      for (const type of JOB_TYPES) {
        for (const status of JOB_STATUSES) {
          await client.query('INSERT INTO jobs (type, status) VALUES ($1, $2)', [type, status]);
        }
      }
      await expect(
        client.query(`INSERT INTO jobs (type, status) VALUES ('migrate', 'exploded')`),
      ).rejects.toThrow(/jobs_status_check/);
    } finally {
      await client.end();
    }
  });

  it('names the failure when the server cannot be reached', async () => {
    await expect(migrateStateDatabase('postgres://nobody:x@127.0.0.1:1/none')).rejects.toThrow(
      /state database could not be migrated: .*ECONNREFUSED/,
    );
  });
});
