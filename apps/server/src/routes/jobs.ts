import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  REPORT_CONTENT_TYPES,
  createJobFromPlan,
  renderIdMapCsv,
  renderReportHtml,
  renderReportPdf,
  reportFileNames,
} from '@euca2nova/engine';
import {
  ApiErrorSchema,
  ApiJobSchema,
  IdParamsSchema,
  JobEventsPageSchema,
  ReportSchema,
  StartJobRequestSchema,
  type ApiJob,
} from '@euca2nova/model';
import type { JobRecord } from '@euca2nova/state';
import type { JobHost } from '../jobs/host.ts';

/** A job as the API shows it: no spec (it is the plan's settings), and where it runs. */
export function apiJob({ spec: _spec, ...job }: JobRecord, host: JobHost): ApiJob {
  return { ...job, runsHere: host.isLocal(job.id) };
}

const REPORT_FORMATS = ['json', 'html', 'csv', 'pdf'] as const;

export const jobRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store } = app.runtime.state;
  const { jobs } = app.runtime;

  app.post(
    '/api/jobs',
    {
      schema: {
        summary: 'Start a migration from a confirmed plan (the confirmation names its fingerprint)',
        body: StartJobRequestSchema,
        response: { 202: ApiJobSchema },
      },
    },
    async (request, reply) => {
      const job = await createJobFromPlan(store, request.body);
      await jobs.run(job.id);
      return reply.code(202).send(apiJob(await store.getJob(job.id), jobs));
    },
  );

  app.get(
    '/api/jobs',
    {
      schema: {
        summary: 'Jobs, newest first',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
        response: { 200: z.array(ApiJobSchema) },
      },
    },
    async (request) => (await store.listJobs(request.query.limit)).map((j) => apiJob(j, jobs)),
  );

  app.get(
    '/api/jobs/:id',
    { schema: { params: IdParamsSchema, response: { 200: ApiJobSchema } } },
    async (request) => apiJob(await store.getJob(request.params.id), jobs),
  );

  const actions = {
    pause: 'Pause a running migration here: copies stop and keep their bytes',
    resume: 'Continue a paused migration, or one whose process stopped',
    cancel: 'Cancel a job (final; what was written stays, a new job of the plan continues it)',
    retry: 'Retry the failed items of a failed migration alone',
  } as const;
  for (const [action, summary] of Object.entries(actions) as [keyof typeof actions, string][]) {
    app.post(
      `/api/jobs/:id/${action}`,
      {
        schema: {
          summary,
          params: IdParamsSchema,
          response: { 200: ApiJobSchema, 409: ApiErrorSchema },
        },
      },
      async (request) => apiJob(await jobs[action](request.params.id), jobs),
    );
  }

  app.get(
    '/api/jobs/:id/events',
    {
      schema: {
        summary: 'Events after a given seq (the replay a client makes before streaming)',
        params: IdParamsSchema,
        querystring: z.object({
          afterSeq: z.coerce.number().int().min(0).default(0),
          limit: z.coerce.number().int().min(1).max(5000).default(1000),
        }),
        response: { 200: JobEventsPageSchema },
      },
    },
    async (request) => {
      const job = await store.getJob(request.params.id);
      const events = await store.listEvents(job.id, request.query.afterSeq, request.query.limit);
      return { events, lastSeq: job.lastSeq };
    },
  );

  app.get(
    '/api/jobs/:id/report.:format',
    {
      schema: {
        summary: 'The migration report: JSON (canonical), HTML (printable), CSV (id map) or PDF',
        params: IdParamsSchema.extend({ format: z.enum(REPORT_FORMATS) }),
      },
    },
    async (request, reply) => {
      const report = await store.loadReport(request.params.id);
      if (report === null)
        return reply.code(404).send({
          error: `Job ${request.params.id} has no report yet: a report is written when a migration finishes.`,
        });
      const { format } = request.params;
      const body =
        format === 'json'
          ? JSON.stringify(ReportSchema.parse(report), null, 2)
          : format === 'html'
            ? renderReportHtml(report)
            : format === 'csv'
              ? renderIdMapCsv(report)
              : await renderReportPdf(report);
      const headers: Record<string, string> = {
        'content-type': REPORT_CONTENT_TYPES[format],
        'content-disposition': `attachment; filename="${reportFileNames(report)[format]}"`,
      };
      if (format === 'html')
        // The report page is self-contained and runs no script; it may not load anything either.
        headers['content-security-policy'] =
          "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";
      return reply.headers(headers).send(body);
    },
  );
};
