// `euca2nova worker` shares a migration's image copies: a worker process and the migrate process
// take copies from the same pg-boss queue in the same state database.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { initNovaSchema } from '@euca2nova/nova';
import { createTestDatabase } from '@euca2nova/state/testing';
import { runCli, simulated, spawnCli } from './helpers.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('euca2nova worker', () => {
  it('copies images of a migration started by another process, and stops cleanly', async () => {
    const sim = await simulated('2.0', 'MANAGED', {
      scenario: 'scale:4',
      imageCount: 12,
      imageSize: 1024 * 1024,
    });
    cleanups.push(() => sim.close());
    // Slow bodies, so that copies overlap and both processes get some.
    sim.faults.set({ slowBodyBytesPerSec: 1024 * 1024 });
    const dir = await mkdtemp(join(tmpdir(), 'cli-worker-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const state = await createTestDatabase();
    const nova = await createTestDatabase();
    await initNovaSchema(nova.url);
    await mkdir(join(dir, 'images'));
    const shared = ['--state-db', state.url, '--data-dir', join(dir, 'data')];

    const worker = spawnCli(['worker', '--concurrency', '2', ...shared]);
    // Start the migration once the worker takes copies, so both really compete for them.
    await new Promise<void>((resolve, reject) => {
      let said = '';
      worker.child.stderr.on('data', (c: Buffer) => {
        said += c.toString();
        if (said.includes('taking image copies')) resolve();
      });
      worker.child.once('exit', (code) => {
        reject(new Error(`worker exited early with ${String(code)}: ${said}`));
      });
    });
    const migrate = await runCli([
      'migrate',
      '--eucarc',
      sim.files.eucarc,
      '--euca-conf',
      sim.files.eucalyptusConf,
      '--nova-db',
      nova.url,
      '--images-path',
      join(dir, 'images'),
      '--concurrency',
      '1',
      '--yes',
      ...shared,
    ]);
    expect(migrate.code, migrate.stderr).toBe(0);
    worker.child.kill('SIGTERM');
    const stopped = await worker.done;
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stderr).toContain('taking image copies');

    const c = new pg.Client({ connectionString: state.url });
    await c.connect();
    try {
      const r = await c.query<{ worker: string }>(
        `SELECT DISTINCT result->>'worker' AS worker FROM job_steps
          WHERE phase = 'images' AND item <> '' AND status = 'done'`,
      );
      const pids = r.rows.map((x) => x.worker.split(':').pop());
      expect(pids).toContain(String(worker.child.pid));
      expect(pids.length).toBe(2);
    } finally {
      await c.end();
    }
  }, 180_000);
});
