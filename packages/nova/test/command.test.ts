import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '@euca2nova/state/testing';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, 'node_modules', '.bin', 'euca2nova'), args, { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

describe('euca2nova nova init-db', async () => {
  const empty = await createTestDatabase();
  const other = await createTestDatabase();

  it('creates the Bexar schema, then finds it already there', async () => {
    const first = await run(['nova', 'init-db', '--nova-db', empty.url]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Created the Nova Bexar schema');
    const again = await run(['nova', 'init-db', '--nova-db', empty.url]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already has the Nova Bexar schema');
  });

  it('exits 2 with the reason on stderr for a database that is not Nova', async () => {
    const c = new pg.Client({ connectionString: other.url });
    await c.connect();
    await c.query('CREATE TABLE invoices (id int)');
    await c.end();
    const r = await run(['nova', 'init-db', '--nova-db', other.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a Nova database.*invoices/);
  });

  it('exits 2 when it cannot connect, without printing the password', async () => {
    const r = await run([
      'nova',
      'init-db',
      '--nova-db',
      'postgres://nova:s3cret@127.0.0.1:1/nova',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Cannot connect');
    expect(r.stderr).not.toContain('s3cret');
  });

  it('exits 2 without --nova-db', async () => {
    const r = await run(['nova', 'init-db']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--nova-db');
  });
});
