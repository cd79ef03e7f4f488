import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { readStateMetrics, type StateMetrics } from '@euca2nova/state';
import { unauthenticated } from '../plugins/auth.ts';

export interface MetricsOptions {
  /** `EUCA2NOVA_METRICS_TOKEN`: a scraper may present it as a bearer token instead of a session. */
  token?: string | undefined;
}

/** Job durations run from seconds (a small discovery) to a day (terabytes of images). */
const DURATION_BUCKETS = [1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400];

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Prometheus metrics at /metrics, outside /api so scrapers find it where they expect it; the API's
 * guard does not cover it, so this route checks for itself: a signed-in session, or the bearer
 * token when one is configured. The job figures are read from the state database at each scrape
 * rather than counted in this process, so they are right after a restart and include the work of
 * every process sharing the database.
 */
export const metricsRoutes: FastifyPluginAsync<MetricsOptions> = async (app, options) => {
  // Its own registry per app, not prom-client's global one: tests build several apps per process.
  const registry = new Registry();
  // Unprefixed, under the names dashboards for Node.js processes expect (process_cpu_seconds_total).
  collectDefaultMetrics({ register: registry });
  const jobs = new Gauge({
    name: 'euca2nova_jobs',
    help: 'Jobs in the state database by type and status.',
    labelNames: ['type', 'status'] as const,
    registers: [registry],
  });
  const items = new Gauge({
    name: 'euca2nova_job_items',
    help: 'Journal items of all jobs by status (running, done, failed).',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const bytes = new Counter({
    name: 'euca2nova_bytes_transferred_total',
    help: 'Bytes reached by every image transfer of every job.',
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'euca2nova_job_duration_seconds',
    help: 'Time from start to end of finished jobs, by type and final status.',
    labelNames: ['type', 'status'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });

  // Synchronous, so a concurrent scrape reading the registry sees one reading or the other whole.
  const show = (m: StateMetrics): void => {
    jobs.reset();
    for (const j of m.jobs) jobs.set({ type: j.type, status: j.status }, j.count);
    items.reset();
    for (const i of m.items) items.set({ status: i.status }, i.count);
    bytes.reset();
    bytes.inc(m.bytesTransferred);
    durations.reset();
    for (const f of m.finishedJobs)
      durations.observe({ type: f.type, status: f.status }, f.seconds);
  };

  // Hashed first so the comparison is constant-time whatever length the caller sends.
  const tokenDigest = options.token === undefined ? undefined : sha256(options.token);
  const hasToken = (request: FastifyRequest): boolean => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    return (
      tokenDigest !== undefined &&
      match?.[1] !== undefined &&
      timingSafeEqual(sha256(match[1]), tokenDigest)
    );
  };

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics (text exposition format)',
        description:
          'Needs a signed-in session or "Authorization: Bearer <EUCA2NOVA_METRICS_TOKEN>".',
      },
    },
    async (request, reply) => {
      if (!hasToken(request) && !(await app.isAuthenticated(request.headers.cookie))) {
        if (tokenDigest !== undefined)
          void reply.header('www-authenticate', 'Bearer realm="euca2nova metrics"');
        return unauthenticated(reply);
      }
      show(await readStateMetrics(app.runtime.stateDb.pool));
      return reply
        .header('cache-control', 'no-store')
        .type(registry.contentType)
        .send(await registry.metrics());
    },
  );
};
