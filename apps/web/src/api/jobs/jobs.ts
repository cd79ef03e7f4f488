import { ApiJobSchema, JobProgressSchema, type ApiJob } from '@euca2nova/model';
import { queryOptions } from '@tanstack/react-query';
import { z } from 'zod';
import { getJson, postJson, withQuery } from '../http.ts';

export const jobKeys = {
  all: ['jobs'] as const,
  lists: () => [...jobKeys.all, 'list'] as const,
  detail: (id: string) => [...jobKeys.all, 'detail', id] as const,
  progress: (id: string) => [...jobKeys.detail(id), 'progress'] as const,
};

export const jobListQuery = (limit = 50) =>
  queryOptions({
    queryKey: [...jobKeys.lists(), limit] as const,
    queryFn: ({ signal }) =>
      getJson(withQuery('/api/jobs', { limit }), z.array(ApiJobSchema), signal),
  });

export const jobQuery = (id: string) =>
  queryOptions({
    queryKey: jobKeys.detail(id),
    queryFn: ({ signal }) => getJson(`/api/jobs/${id}`, ApiJobSchema, signal),
  });

/**
 * The job's progress reduced on the server up to `asOfSeq`; the live view applies the events
 * after it (see progress/useJobProgress.ts). Never refetched by itself: the socket keeps it live.
 */
export const jobProgressQuery = (id: string) =>
  queryOptions({
    queryKey: jobKeys.progress(id),
    queryFn: ({ signal }) => getJson(`/api/jobs/${id}/progress`, JobProgressSchema, signal),
    staleTime: Infinity,
  });

/** Starts a migration from a confirmed plan; a plan changed since its fingerprint is refused. */
export function startMigration(planId: string, fingerprint: string): Promise<ApiJob> {
  return postJson('/api/jobs', { planId, fingerprint }, ApiJobSchema);
}

export type JobAction = 'pause' | 'resume' | 'cancel' | 'retry';

export function jobAction(id: string, action: JobAction): Promise<ApiJob> {
  return postJson(`/api/jobs/${id}/${action}`, {}, ApiJobSchema);
}
