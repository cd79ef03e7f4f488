// The resume promise, tested the hard way: `euca2nova migrate` is killed with SIGKILL at several
// points of a scale:50 run and resumed each time; the end state of Nova's database and image
// store must be exactly that of the same job run once without interruption.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createMigrationJob, SourceConnectionInputSchema } from '@euca2nova/engine';
import { initNovaSchema } from '@euca2nova/nova';
import { dumpImageStore, dumpNova } from '@euca2nova/nova/testing';
import { PgJobStore, loadStateKey } from '@euca2nova/state';
import { createTestDatabase } from '@euca2nova/state/testing';
import { runCli, simulated, spawnCli } from './helpers.ts';

async function lastSeq(stateUrl: string, jobId: string): Promise<number> {
  const c = new pg.Client({ connectionString: stateUrl });
  await c.connect();
  try {
    const r = await c.query<{ s: string }>('SELECT last_seq::text AS s FROM jobs WHERE id = $1', [
      jobId,
    ]);
    return Number(r.rows[0]?.s ?? 0);
  } finally {
    await c.end();
  }
}

async function phaseOf(stateUrl: string, jobId: string): Promise<string> {
  const c = new pg.Client({ connectionString: stateUrl });
  await c.connect();
  try {
    const r = await c.query<{ p: string | null }>(
      'SELECT current_phase AS p FROM jobs WHERE id = $1',
      [jobId],
    );
    return r.rows[0]?.p ?? 'none';
  } finally {
    await c.end();
  }
}

/** A seeded sequence, so a failure can be replayed with the same kill points. */
function* increments(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2147483648;
    yield 15 + (x % 250);
  }
}

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('a migration killed with SIGKILL and resumed', () => {
  it('ends with the same Nova database and image store as an uninterrupted run of the job', async () => {
    const sim = await simulated('2.0', 'MANAGED', {
      scenario: 'scale:50',
      imageSize: 6 * 1024 * 1024,
      assemblyMs: 300,
    });
    cleanups.push(() => sim.close());
    const dir = await mkdtemp(join(tmpdir(), 'crash-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const state = await createTestDatabase();
    const crashed = await createTestDatabase();
    const clean = await createTestDatabase();
    await initNovaSchema(crashed.url);
    await initNovaSchema(clean.url);
    await mkdir(join(dir, 'images-crashed'));
    await mkdir(join(dir, 'images-clean'));
    const common = ['--state-db', state.url, '--data-dir', join(dir, 'data'), '--concurrency', '2'];
    const args = [
      'migrate',
      '--eucarc',
      sim.files.eucarc,
      '--euca-conf',
      sim.files.eucalyptusConf,
      '--nova-db',
      crashed.url,
      '--images-path',
      join(dir, 'images-crashed'),
      '--compute-host',
      'nova-1',
      '--volume-host',
      'nova-1',
      '--network-host',
      'nova-1',
      '--yes',
      ...common,
    ];

    // Kill points: after a random number of new events each time, so kills land in every phase.
    const steps = increments(Number(process.env.CRASH_SEED ?? 7));
    let jobId: string | undefined;
    let kills = 0;
    const killedIn: string[] = [];
    let finished = false;
    for (let attempt = 0; attempt < 40 && !finished; attempt++) {
      const run = spawnCli(jobId === undefined ? args : ['migrate', '--resume', jobId, ...common]);
      const target =
        jobId === undefined
          ? 0
          : (await lastSeq(state.url, jobId)) + (steps.next().value as number);
      const killer = (async () => {
        for (;;) {
          await new Promise((r) => setTimeout(r, 50));
          if (run.child.exitCode !== null) return;
          const id = jobId;
          if (id === undefined) continue;
          if (kills < 6 && (await lastSeq(state.url, id)) >= target) {
            run.child.kill('SIGKILL');
            kills++;
            killedIn.push(await phaseOf(state.url, id));
            return;
          }
        }
      })();
      // The first run prints its job id; learn it from the output as it arrives.
      run.child.stdout.on('data', (c: Buffer) => {
        const m = /^Job ([0-9a-f-]{36})$/m.exec(c.toString());
        if (m?.[1] !== undefined) jobId ??= m[1];
      });
      const result = await run.done;
      await killer;
      if (result.code === 0) finished = true;
      // Ending on its own without success is a failure; only the kill (code null) is expected.
      else if (result.code !== null)
        throw new Error(`migrate ended with ${String(result.code)}: ${result.stderr}`);
    }
    expect(finished).toBe(true);
    expect(kills).toBeGreaterThanOrEqual(5);
    // The kills must land in different phases, not all in one place.
    expect(new Set(killedIn).size, killedIn.join(', ')).toBeGreaterThanOrEqual(3);
    if (jobId === undefined) throw new Error('no job id');

    // The same job (same inventory, same plan), run once into a fresh database and image store.
    const key = await loadStateKey({ dataDir: join(dir, 'data') });
    const store = PgJobStore.connect(state.url, key);
    cleanups.push(() => store.close());
    const job = await store.getJob(jobId);
    const { plan } = await store.loadPlan(job.planId ?? '');
    const inventory = await store.loadInventory(job.inventoryId ?? '', { secrets: true });
    const source = SourceConnectionInputSchema.parse(
      await store.openConnection(job.sourceConnectionId ?? ''),
    );
    const twin = await createMigrationJob(store, {
      plan,
      confirmedFingerprint: plan.fingerprint,
      inventory,
      source,
      novaDb: clean.url,
      spec: {
        imagesPath: join(dir, 'images-clean'),
        hosts: { compute: 'nova-1', volume: 'nova-1', network: 'nova-1' },
        stallAfterSeconds: 30,
      },
    });
    const once = await runCli(['migrate', '--resume', twin.id, ...common]);
    expect(once.code, once.stderr).toBe(0);

    expect(await dumpNova(crashed.url)).toEqual(await dumpNova(clean.url));
    const images = await dumpImageStore(join(dir, 'images-crashed'));
    expect(images).toEqual(await dumpImageStore(join(dir, 'images-clean')));
    expect(images.some((l) => l.startsWith('.'))).toBe(false);

    // Each item announced exactly once across all the runs of the crashed job.
    const events = await store.listEvents(jobId, 0, 1_000_000);
    const done = events.flatMap((e) => (e.type === 'item-done' ? [`${e.kind}:${e.sourceId}`] : []));
    expect(new Set(done).size).toBe(done.length);
    expect(done.length).toBe(
      plan.items.filter((i) => i.action === 'create' || i.action === 'skip-identical').length,
    );
  }, 600_000);
});
