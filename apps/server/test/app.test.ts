import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { OpenState } from '@euca2nova/state';
import { createTestDatabase } from '@euca2nova/state/testing';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { JobHost } from '../src/jobs/host.ts';
import { startRuntime, type Runtime } from '../src/runtime.ts';
import { signIn } from './session-helpers.ts';

const quiet = () => undefined;

describe('the server on an external state database', async () => {
  const db = await createTestDatabase();
  const runtime = await startRuntime(
    loadConfig({ DATABASE_URL: db.url, EUCA2NOVA_DEMO: 'off', LOG_LEVEL: 'silent' }),
    quiet,
  );
  const webRoot = await mkdtemp(join(tmpdir(), 'euca2nova-web-'));
  await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>wizard</title>');
  const app = await buildApp({ config: { logLevel: 'silent' }, runtime, webRoot });
  app.get('/api/explode', () => {
    throw new Error('password=hunter2 leaked from a driver');
  });
  const { cookie } = await signIn(app);
  afterAll(async () => {
    await app.close();
    await runtime.stop();
    await rm(webRoot, { recursive: true, force: true });
  });

  it('migrated the state database at start', async () => {
    expect(runtime.stateDb.kind).toBe('external');
    expect(runtime.stateDb.appliedMigrations).toEqual([
      '0001_jobs',
      '0002_migrations',
      '0003_operator',
      '0004_api',
    ]);
    expect(runtime.stateDb.displayUrl).not.toContain(new URL(db.url).password);
  });

  it('reports healthy while the state database answers', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('describes the running stack on /api/status', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/status', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      stateDatabase: {
        kind: 'external',
        migrations: ['0001_jobs', '0002_migrations', '0003_operator', '0004_api'],
      },
      eucalyptus: null,
      demo: { nova: null, eucalyptus: null },
    });
  });

  it('serves the wizard, with client-side routes falling back to index.html', async () => {
    for (const url of ['/', '/some/wizard/step']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('<title>wizard</title>');
    }
  });

  it('answers unknown API routes with a JSON 404', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/nothing-here', headers: { cookie } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'No route for GET /api/nothing-here', statusCode: 404 });
  });

  it('never returns the message of a server fault', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/explode', headers: { cookie } });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('hunter2');
    expect(res.json()).toEqual({ error: 'Internal Server Error', statusCode: 500 });
  });
});

describe('the server when its state database is gone', () => {
  it('reports unavailable on /healthz instead of crashing', async () => {
    const pool = new pg.Pool({ connectionString: 'postgres://x:y@127.0.0.1:1/none' });
    const runtime: Runtime = {
      // Never reached: /healthz asks the pool, and this app serves no progress.
      state: {} as OpenState,
      stateDb: { kind: 'external', displayUrl: '', pool, appliedMigrations: [] },
      cookieSecret: 'a test secret long enough to sign cookies',
      // Never reached either: no job route is called.
      jobs: undefined as unknown as JobHost,
      eucalyptus: undefined,
      demoNova: undefined,
      demoEucalyptus: undefined,
      stop: () => pool.end(),
    };
    const app = await buildApp({ config: { logLevel: 'silent' }, runtime });
    try {
      const res = await app.inject({ method: 'GET', url: '/healthz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'unavailable', reason: 'state database unreachable' });
    } finally {
      await app.close();
      await runtime.stop();
    }
  });
});

describe('the server pointed at a Eucalyptus through EUCARC', () => {
  it('keeps the demo Eucalyptus off and reports the configured one, without its keys', async () => {
    const db = await createTestDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'euca2nova-eucarc-'));
    await writeFile(
      join(dir, 'eucarc'),
      "export EC2_URL=http://clc.example:8773/services/Eucalyptus\nexport EC2_ACCESS_KEY='AKID'\nexport EC2_SECRET_KEY='not-for-your-eyes'\n",
    );
    const runtime = await startRuntime(
      loadConfig({ DATABASE_URL: db.url, EUCARC: join(dir, 'eucarc'), NOVA_DB_URL: db.url }),
      quiet,
    );
    const app = await buildApp({ config: { logLevel: 'silent' }, runtime });
    try {
      expect(runtime.demoEucalyptus).toBeUndefined();
      const { cookie } = await signIn(app);
      const res = await app.inject({ method: 'GET', url: '/api/status', headers: { cookie } });
      expect(res.json()).toMatchObject({
        eucalyptus: {
          ec2Url: 'http://clc.example:8773/services/Eucalyptus',
          configuredBy: 'EUCARC',
        },
        demo: { nova: null, eucalyptus: null },
      });
      expect(res.body).not.toContain('not-for-your-eyes');
    } finally {
      await app.close();
      await runtime.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the server on embedded defaults', () => {
  it('starts its own PostgreSQL, migrates it and creates the empty demo Nova database', async () => {
    // mkdtemp makes a 0700 folder; a data folder made by hand (or by us) is 0755.
    const dataDir = await mkdtemp(join(tmpdir(), 'euca2nova-defaults-'));
    await chmod(dataDir, 0o755);
    const runtime = await startRuntime(loadConfig({ EUCA2NOVA_DATA_DIR: dataDir }), quiet);
    const app = await buildApp({ config: { logLevel: 'silent' }, runtime });
    try {
      expect(runtime.stateDb.kind).toBe('embedded');
      const { cookie } = await signIn(app);
      const res = await app.inject({ method: 'GET', url: '/api/status', headers: { cookie } });
      expect(res.json()).toMatchObject({
        stateDatabase: {
          kind: 'embedded',
          migrations: ['0001_jobs', '0002_migrations', '0003_operator', '0004_api'],
        },
        demo: {
          nova: { database: 'nova_demo', tables: 0 },
          eucalyptus: { version: '3.4', users: 6 },
        },
      });
      // The demo Eucalyptus answers EC2 over HTTP, with its controller database on our server.
      const sim = runtime.demoEucalyptus;
      expect(sim?.urls.ec2).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/services\/Eucalyptus$/);
      const ec2 = await fetch(`${sim?.urls.ec2 ?? ''}?Action=DescribeRegions&Version=2013-08-15`);
      expect(await ec2.text()).toContain('<Code>');
      expect(sim?.controllerDb?.authUrl).toMatch(/\/demo_eucalyptus_auth$/);
      expect(JSON.stringify(res.json())).not.toContain(sim?.admin.secretKey ?? 'no-key');
    } finally {
      await app.close();
      await runtime.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
