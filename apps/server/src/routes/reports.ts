import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  REPORT_CONTENT_TYPES,
  ReportViews,
  renderIdMapCsv,
  renderReportHtml,
  renderReportPdf,
  reportFileNames,
} from '@euca2nova/engine';
import {
  ApiErrorSchema,
  IdMapPageSchema,
  IdMapQuerySchema,
  IdParamsSchema,
  ReportSchema,
  ReportSummarySchema,
  ReportUserDetailSchema,
  ReportUserQuerySchema,
  ReportUsersPageSchema,
  ReportUsersQuerySchema,
} from '@euca2nova/model';

const REPORT_FORMATS = ['json', 'html', 'csv', 'pdf'] as const;

/** The Report step: the downloads, and views of the stored report a page at a time. */
export const reportRoutes: FastifyPluginAsyncZod = async (app) => {
  // Parsed once per job and kept while the job is unchanged (a retry writes a new report).
  const reports = new ReportViews(app.runtime.state.store);
  const notFound = { 404: ApiErrorSchema };

  app.get(
    '/api/jobs/:id/report.:format',
    {
      schema: {
        summary: 'The migration report: JSON (canonical), HTML (printable), CSV (id map) or PDF',
        params: IdParamsSchema.extend({ format: z.enum(REPORT_FORMATS) }),
      },
    },
    async (request, reply) => {
      const { report } = await reports.get(request.params.id);
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

  app.get(
    '/api/jobs/:id/report',
    {
      schema: {
        summary: 'The report without its id map and images, with their totals',
        params: IdParamsSchema,
        response: { 200: ReportSummarySchema, ...notFound },
      },
    },
    async (request) => (await reports.get(request.params.id)).summary(),
  );

  app.get(
    '/api/jobs/:id/report/id-map',
    {
      schema: {
        summary: "A page of the report's id map, by kind, owner, text and whether the id changes",
        params: IdParamsSchema,
        querystring: IdMapQuerySchema,
        response: { 200: IdMapPageSchema, ...notFound },
      },
    },
    async (request) => {
      const { kind, owner, q, changed, offset, limit } = request.query;
      return (await reports.get(request.params.id)).idMapPage({
        offset,
        limit,
        ...(kind === undefined ? {} : { kind }),
        ...(owner === undefined ? {} : { owner }),
        ...(q === undefined ? {} : { q }),
        ...(changed === undefined ? {} : { changed: changed === 'true' }),
      });
    },
  );

  app.get(
    '/api/jobs/:id/report/users',
    {
      schema: {
        summary: 'One row per migrated user: items, ids they see change, verification',
        params: IdParamsSchema,
        querystring: ReportUsersQuerySchema,
        response: { 200: ReportUsersPageSchema, ...notFound },
      },
    },
    async (request) => {
      const { q, offset, limit } = request.query;
      return (await reports.get(request.params.id)).usersPage({
        offset,
        limit,
        ...(q === undefined ? {} : { q }),
      });
    },
  );

  app.get(
    '/api/jobs/:id/report/user',
    {
      schema: {
        summary: "One user's changes and the notice to send them (no secret key, ever)",
        params: IdParamsSchema,
        querystring: ReportUserQuerySchema,
        response: { 200: ReportUserDetailSchema, ...notFound },
      },
    },
    async (request) => {
      const { user, ec2Url } = request.query;
      return (await reports.get(request.params.id)).user(
        user,
        ec2Url === undefined ? {} : { ec2Url },
      );
    },
  );
};
