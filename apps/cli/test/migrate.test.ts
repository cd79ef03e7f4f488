// `euca2nova plan` and `migrate` as an operator runs them: a child process against a simulated
// Eucalyptus over HTTP, a fresh Bexar database and image store, and a state database.
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PlanSchema, ReportSchema } from '@euca2nova/model';
import { initNovaSchema, readImageStore } from '@euca2nova/nova';
import { createTestDatabase } from '@euca2nova/state/testing';
import { runCli, secretsOf, simulated, type NetworkMode } from './helpers.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function setup(version: '2.0' | '3.4', mode: NetworkMode) {
  const sim = await simulated(version, mode);
  cleanups.push(() => sim.close());
  const nova = await createTestDatabase();
  await initNovaSchema(nova.url);
  const state = await createTestDatabase();
  const dir = await mkdtemp(join(tmpdir(), 'cli-migrate-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const source = [
    '--eucarc',
    sim.files.eucarc,
    '--euca-conf',
    sim.files.eucalyptusConf,
    ...(sim.controllerDb ? ['--clc-db', sim.controllerDb.url] : []),
  ];
  const target = [
    '--nova-db',
    nova.url,
    '--images-path',
    join(dir, 'images'),
    '--state-db',
    state.url,
    '--data-dir',
    join(dir, 'data'),
  ];
  return { sim, nova, dir, source, target };
}

const CASES = [
  ['3.4', 'MANAGED'],
  ['3.4', 'STATIC'],
  ['2.0', 'MANAGED'],
  ['2.0', 'MANAGED-NOVLAN'],
  ['2.0', 'STATIC'],
  ['2.0', 'SYSTEM'],
] as const;

describe('euca2nova migrate', () => {
  for (const [version, mode] of CASES) {
    // 3.4 STATIC also takes the other image path: bundles decrypted here with cloud-pk.pem.
    const bundle = version === '3.4' && mode === 'STATIC';
    it(`moves the whole ${version} ${mode} demo cloud${bundle ? ' (bundles decrypted here)' : ''} and verifies zero differences`, async () => {
      const { sim, dir, source: base, target } = await setup(version, mode);
      const source = bundle
        ? [...base, '--cloud-pk', sim.files.cloudPk, '--image-read-path', 'bundle']
        : base;
      await mkdir(join(dir, 'images'));
      const report = join(dir, 'report.json');
      const r = await runCli(['migrate', ...source, ...target, '--yes', '--report', report]);
      for (const secret of secretsOf(sim)) expect(r.stderr + r.stdout).not.toContain(secret);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Job [0-9a-f-]{36}$/m);
      expect(r.stdout).toContain('Verification: every migrated item matches');
      const parsed = ReportSchema.parse(JSON.parse(await readFile(report, 'utf8')));
      expect(parsed.verification.result).toBe('matching');
      expect(parsed.images.length).toBe((await readImageStore(join(dir, 'images'))).length);
      const files = await readdir(join(dir, 'data', 'reports'));
      expect(files.filter((f) => /\.(html|csv|pdf)$/.test(f))).toHaveLength(3);
    }, 180_000);
  }

  it('plan exits 3 when a finding blocks the run, and writes nothing', async () => {
    const { nova, dir, source, target } = await setup('2.0', 'MANAGED');
    await mkdir(join(dir, 'images'));
    // A Nova database that is not Bexar: the schema rule blocks.
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: nova.url });
    await c.connect();
    await c.query('DROP TABLE instances CASCADE');
    await c.end();
    const r = await runCli(['plan', ...source, ...target]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toContain('Blocking');
    const json = await runCli(['plan', ...source, ...target, '--json']);
    expect(json.code).toBe(3);
    const plan = PlanSchema.parse(JSON.parse(json.stdout));
    expect(
      plan.findings.some((f) => f.severity === 'error' && f.ruleId === 'target.schema-mismatch'),
    ).toBe(true);
    const m = await runCli(['migrate', ...source, ...target, '--yes']);
    expect(m.code).toBe(3);
    expect(m.stdout).not.toMatch(/^Job /m);
  }, 180_000);

  it('refuses bad input with exit 2 and a clear message', async () => {
    const { source, target } = await setup('2.0', 'SYSTEM');
    const noNova = await runCli(['plan', ...source]);
    expect(noNova.code).toBe(2);
    expect(noNova.stderr).toContain('--nova-db');
    const badKeys = await runCli([
      'plan',
      ...target,
      '--ec2-url',
      source[1] ?? '',
      '--access-key',
      'AKIAWRONG',
      '--secret-key',
      'wrong-secret',
    ]);
    expect(badKeys.code).toBe(2);
    expect(badKeys.stderr).not.toContain('wrong-secret');
    // An unreachable Nova database: named (without its password), nothing else touched.
    const novaAt = target.indexOf('--nova-db') + 1;
    const unreachable = [...target];
    unreachable[novaAt] = 'postgresql://nova:hunter2@127.0.0.1:9/nova';
    const down = await runCli(['plan', ...source, ...unreachable]);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/Cannot connect to the Nova database/);
    expect(down.stderr).not.toContain('hunter2');
    const resumeNothing = await runCli([
      'migrate',
      '--resume',
      '00000000-0000-4000-8000-000000000000',
      ...target.slice(-4),
    ]);
    expect(resumeNothing.code).toBe(2);
    expect(resumeNothing.stderr).toContain('No job');
  }, 180_000);
});
