import type { Report } from '@euca2nova/model';

export type ReportFormat = 'json' | 'html' | 'csv' | 'pdf';

/** For the server's downloads: text formats say their charset so browsers do not guess. */
export const REPORT_CONTENT_TYPES: Readonly<Record<ReportFormat, string>> = {
  json: 'application/json',
  html: 'text/html; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  pdf: 'application/pdf',
};

/**
 * `euca2nova-report-<first 8 of the job id>-<generatedAt in UTC as yyyymmddThhmmss>.<ext>`: only
 * characters that are safe in a file name and a Content-Disposition header on every platform.
 */
export function reportFileNames(
  report: Pick<Report, 'jobId' | 'generatedAt'>,
): Record<ReportFormat, string> {
  const jobId8 = report.jobId
    .replace(/[^0-9A-Za-z]/g, '')
    .slice(0, 8)
    .toLowerCase();
  const at = new Date(report.generatedAt);
  if (Number.isNaN(at.getTime())) {
    throw new RangeError('generatedAt is not a date');
  }
  const stamp = at
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/[-:]/g, '');
  const base = `euca2nova-report-${jobId8}-${stamp}`;
  return {
    json: `${base}.json`,
    html: `${base}.html`,
    csv: `${base}.csv`,
    pdf: `${base}.pdf`,
  };
}
