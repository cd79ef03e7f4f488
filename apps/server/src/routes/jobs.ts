import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { JobProgressCache, createJobFromPlan } from '@euca2nova/engine';
import {
  ApiErrorSchema,
  ApiJobSchema,
  IdParamsSchema,
  JobEventsPageSchema,
  JobProgressSchema,
  StartJobRequestSchema,
  type ApiJob,
} from '@euca2nova/model';
import type { JobRecord } from '@euca2nova/state';
import type { JobHost } from '../jobs/host.ts';

/** A job as the API shows it: no spec (it is the plan's settings), and where it runs. */
export function apiJob({ spec: _spec, ...job }: JobRecord, host: JobHost): ApiJob {
  return { ...job, runsHere: host.isLocal(job.id) };
}

export const jobRoutes: FastifyPluginAsyncZod = async (app) => {
  const { store } = app.runtime.state;
  const { jobs } = app.runtime;
  const progress = new JobProgressCache(store);

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
    '/api/jobs/:id/progress',
    {
      schema: {
        summary:
          "The job's progress as one document, up to its newest event (asOfSeq): follow the events after it",
        params: IdParamsSchema,
        response: { 200: JobProgressSchema },
      },
    },
    async (request) => progress.snapshot(request.params.id),
  );
};
