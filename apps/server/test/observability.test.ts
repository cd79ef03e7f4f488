// The OpenAPI document at /api/docs and the Prometheus metrics at /metrics, on a real state
// database: who may read them, and that what they say matches the routes and the jobs.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@euca2nova/state/testing';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { startRuntime, type Runtime } from '../src/runtime.ts';
import { signIn } from './session-helpers.ts';

const METRICS_TOKEN = 'a-scraper-token-of-some-length';

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<
    string,
    Record<
      string,
      {
        security?: unknown[];
        requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
        responses: Record<
          string,
          { content?: Record<string, { schema: Record<string, unknown> }> }
        >;
      }
    >
  >;
}

let app: FastifyInstance;
let runtime: Runtime;
let cookie: string;

beforeAll(async () => {
  const db = await createTestDatabase();
  runtime = await startRuntime(
    loadConfig({
      DATABASE_URL: db.url,
      EUCA2NOVA_DEMO: 'off',
      EUCA2NOVA_SECRET_KEY: Buffer.alloc(32, 3).toString('base64'),
    }),
    () => undefined,
  );
  app = await buildApp({
    config: { logLevel: 'silent', metricsToken: METRICS_TOKEN },
    runtime,
  });
  ({ cookie } = await signIn(app));
});

afterAll(async () => {
  await app.close();
  await runtime.stop();
});

describe('the OpenAPI document', () => {
  it('is refused without a session', async () => {
    for (const url of ['/api/docs', '/api/docs/openapi.json']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(401);
      expect(res.body).not.toContain('openapi');
    }
  });

  it('is generated from the routes and their zod schemas', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/docs', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const doc = res.json<OpenApiDocument>();
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info.title).toBe('euca2nova');

    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/healthz',
        '/metrics',
        '/api/session',
        '/api/session/setup',
        '/api/session/login',
        '/api/session/logout',
        '/api/status',
        // The wizard's views, each with its schemas.
        '/api/inventories/{id}/selection',
        '/api/jobs/{id}/progress',
        '/api/jobs/{id}/report',
        '/api/jobs/{id}/report/id-map',
        '/api/jobs/{id}/report/users',
        '/api/jobs/{id}/report/user',
      ]),
    );
    const progress =
      doc.paths['/api/jobs/{id}/progress']?.get?.responses['200']?.content?.['application/json'];
    expect(progress?.schema.required).toEqual(
      expect.arrayContaining(['asOfSeq', 'phases', 'totals', 'transfers']),
    );
    // The document does not list itself.
    expect(doc.paths['/api/docs']).toBeUndefined();

    // The status answer's schema, as zod describes it (StatusSchema in @euca2nova/model).
    const status = doc.paths['/api/status']?.get?.responses['200']?.content?.['application/json'];
    expect(status?.schema).toMatchObject({
      type: 'object',
      properties: { version: { type: 'string' }, stateDatabase: { type: 'object' } },
    });
    expect(status?.schema.required).toEqual(expect.arrayContaining(['version', 'stateDatabase']));

    // A request body with its limits.
    const setup = doc.paths['/api/session/setup']?.post;
    expect(setup?.requestBody?.content['application/json']?.schema).toMatchObject({
      type: 'object',
      properties: { password: { type: 'string', minLength: 12, maxLength: 1024 } },
      required: ['password'],
    });

    // Public routes say they need no session; the others inherit the document's rule.
    expect(setup?.security).toEqual([]);
    expect(doc.paths['/healthz']?.get?.security).toEqual([]);
    expect(doc.paths['/api/status']?.get?.security).toBeUndefined();
  });

  it('is the same document at /api/docs/openapi.json', async () => {
    const [a, b] = await Promise.all(
      ['/api/docs', '/api/docs/openapi.json'].map((url) =>
        app.inject({ method: 'GET', url, headers: { cookie } }),
      ),
    );
    expect(b?.statusCode).toBe(200);
    expect(b?.json()).toEqual(a?.json());
  });
});

/** `name{labels} value` lines of a text exposition, as a map. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe('the Prometheus metrics', () => {
  const scrape = (headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url: '/metrics', headers });

  it('refuse an anonymous caller, a forged cookie and a wrong token', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { cookie: 'euca2nova_session=forged.value' },
      { authorization: 'Bearer not-the-token-at-all' },
      { authorization: `Bearer ${METRICS_TOKEN}x` },
      { authorization: `Basic ${METRICS_TOKEN}` },
    ];
    for (const headers of attempts) {
      const res = await scrape(headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(res.body).not.toContain('euca2nova_jobs');
    }
    expect((await scrape()).headers['www-authenticate']).toMatch(/^Bearer /);
  });

  it('count jobs, items, bytes and durations from the state database', async () => {
    const store = runtime.state.store;
    const empty = samples((await scrape({ cookie })).body);
    expect(empty.get('euca2nova_jobs{type="migrate",status="running"}')).toBe(0);
    expect(empty.get('euca2nova_bytes_transferred_total')).toBe(0);

    const queued = await store.createJob({ type: 'discover', spec: {} });
    const running = await store.createJob({ type: 'migrate', spec: {} });
    const done = await store.createJob({ type: 'migrate', spec: {} });
    const failed = await store.createJob({ type: 'migrate', spec: {} });
    for (const job of [running, done, failed]) {
      expect(await store.transition(job.id, ['queued'], 'running')).toBe(true);
    }
    await store.recordSteps(running.id, [
      { phase: 'images', item: 'emi-1', status: 'running' },
      { phase: 'images', item: 'emi-2', status: 'running' },
      { phase: 'users', item: 'alice', status: 'done' },
      { phase: 'users', item: 'bob', status: 'failed' },
      // A finished phase: a marker row, not an item.
      { phase: 'users', item: '', status: 'done' },
    ]);
    await store.saveProgress(running.id, 'images', 'emi-1', 1_000_000);
    await store.saveProgress(running.id, 'images', 'emi-2', 234);
    expect(await store.transition(done.id, ['running'], 'succeeded')).toBe(true);
    expect(
      await store.transition(failed.id, ['running'], 'failed', {
        error: { code: 'boom', message: 'It went wrong.' },
      }),
    ).toBe(true);
    // Known durations: 90 s and 4000 s.
    await runtime.stateDb.pool.query(
      `UPDATE jobs SET started_at = finished_at - make_interval(secs => $2) WHERE id = $1`,
      [done.id, 90],
    );
    await runtime.stateDb.pool.query(
      `UPDATE jobs SET started_at = finished_at - make_interval(secs => $2) WHERE id = $1`,
      [failed.id, 4000],
    );
    expect(queued.status).toBe('queued');

    const res = await scrape({ cookie });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = samples(res.body);
    expect(m.get('euca2nova_jobs{type="discover",status="queued"}')).toBe(1);
    expect(m.get('euca2nova_jobs{type="migrate",status="running"}')).toBe(1);
    expect(m.get('euca2nova_jobs{type="migrate",status="succeeded"}')).toBe(1);
    expect(m.get('euca2nova_jobs{type="migrate",status="failed"}')).toBe(1);
    expect(m.get('euca2nova_jobs{type="migrate",status="queued"}')).toBe(0);
    expect(m.get('euca2nova_job_items{status="running"}')).toBe(2);
    expect(m.get('euca2nova_job_items{status="done"}')).toBe(1);
    expect(m.get('euca2nova_job_items{status="failed"}')).toBe(1);
    expect(m.get('euca2nova_bytes_transferred_total')).toBe(1_000_234);

    const ok = 'type="migrate",status="succeeded"';
    expect(m.get(`euca2nova_job_duration_seconds_count{${ok}}`)).toBe(1);
    expect(m.get(`euca2nova_job_duration_seconds_sum{${ok}}`)).toBeCloseTo(90, 3);
    expect(m.get(`euca2nova_job_duration_seconds_bucket{le="60",${ok}}`)).toBe(0);
    expect(m.get(`euca2nova_job_duration_seconds_bucket{le="300",${ok}}`)).toBe(1);
    const bad = 'type="migrate",status="failed"';
    expect(m.get(`euca2nova_job_duration_seconds_sum{${bad}}`)).toBeCloseTo(4000, 3);
    expect(m.get(`euca2nova_job_duration_seconds_bucket{le="3600",${bad}}`)).toBe(0);
    expect(m.get(`euca2nova_job_duration_seconds_bucket{le="7200",${bad}}`)).toBe(1);
    // The running job has not finished: no duration yet.
    expect(m.get('euca2nova_job_duration_seconds_count{type="migrate",status="running"}')).toBe(
      undefined,
    );

    // The default process metrics come along.
    expect(m.get('process_resident_memory_bytes')).toBeGreaterThan(0);

    // A second scrape says the same, not twice as much.
    const again = samples((await scrape({ cookie })).body);
    expect(again.get('euca2nova_bytes_transferred_total')).toBe(1_000_234);
    expect(again.get(`euca2nova_job_duration_seconds_count{${ok}}`)).toBe(1);
  });

  it('answer a scraper that presents the configured bearer token', async () => {
    const res = await scrape({ authorization: `Bearer ${METRICS_TOKEN}` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('# TYPE euca2nova_jobs gauge');
    expect(res.body).toContain('# TYPE euca2nova_job_duration_seconds histogram');
  });

  it('leave /healthz public', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
  });
});
