import {
  IdMapPageSchema,
  ReportSummarySchema,
  ReportUserDetailSchema,
  ReportUsersPageSchema,
} from '@euca2nova/model';
import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import type { z } from 'zod';
import { getJson, withQuery } from '../http.ts';

export type IdMapPage = z.infer<typeof IdMapPageSchema>;

export interface IdMapFilter {
  kind?: string;
  owner?: string;
  q?: string;
  changed?: 'true' | 'false';
}

export const reportKeys = {
  all: ['reports'] as const,
  summary: (jobId: string) => [...reportKeys.all, jobId, 'summary'] as const,
  idMap: (jobId: string, filter: IdMapFilter) =>
    [...reportKeys.all, jobId, 'id-map', filter] as const,
  users: (jobId: string, q: string) => [...reportKeys.all, jobId, 'users', q] as const,
  user: (jobId: string, user: string, ec2Url: string) =>
    [...reportKeys.all, jobId, 'user', user, ec2Url] as const,
};

export const REPORT_FORMATS = ['json', 'html', 'csv', 'pdf'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Where the browser downloads a rendering (an attachment with its file name). */
export function reportDownloadUrl(jobId: string, format: ReportFormat): string {
  return `/api/jobs/${jobId}/report.${format}`;
}

export const reportSummaryQuery = (jobId: string) =>
  queryOptions({
    queryKey: reportKeys.summary(jobId),
    queryFn: ({ signal }) => getJson(`/api/jobs/${jobId}/report`, ReportSummarySchema, signal),
  });

export const REPORT_PAGE_SIZE = 200;

export const idMapQuery = (jobId: string, filter: IdMapFilter) =>
  infiniteQueryOptions({
    queryKey: reportKeys.idMap(jobId, filter),
    queryFn: ({ signal, pageParam }) =>
      getJson(
        withQuery(`/api/jobs/${jobId}/report/id-map`, {
          ...filter,
          offset: pageParam,
          limit: REPORT_PAGE_SIZE,
        }),
        IdMapPageSchema,
        signal,
      ),
    initialPageParam: 0,
    getNextPageParam: (last) =>
      last.offset + last.rows.length < last.total ? last.offset + last.rows.length : undefined,
  });

export const reportUsersQuery = (jobId: string, q: string) =>
  infiniteQueryOptions({
    queryKey: reportKeys.users(jobId, q),
    queryFn: ({ signal, pageParam }) =>
      getJson(
        withQuery(`/api/jobs/${jobId}/report/users`, {
          q,
          offset: pageParam,
          limit: REPORT_PAGE_SIZE,
        }),
        ReportUsersPageSchema,
        signal,
      ),
    initialPageParam: 0,
    getNextPageParam: (last) =>
      last.offset + last.rows.length < last.total ? last.offset + last.rows.length : undefined,
  });

/** What changes for one user, with the notice to send them (Nova's EC2 URL written in). */
export const reportUserQuery = (jobId: string, user: string, ec2Url: string) =>
  queryOptions({
    queryKey: reportKeys.user(jobId, user, ec2Url),
    queryFn: ({ signal }) =>
      getJson(
        withQuery(`/api/jobs/${jobId}/report/user`, { user, ec2Url }),
        ReportUserDetailSchema,
        signal,
      ),
  });
