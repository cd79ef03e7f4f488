export { renderReportHtml } from './html.ts';
export { renderIdMapCsv, ID_MAP_CSV_COLUMNS } from './csv.ts';
export { renderReportPdf } from './pdf.ts';
export { reportFileNames, REPORT_CONTENT_TYPES } from './files.ts';
export type { ReportFormat } from './files.ts';
export { ReportInvalidError } from './format.ts';
export {
  EC2_URL_PLACEHOLDER,
  NOTICE_LIST_LIMIT,
  renderUserNotice,
  userCounts,
  userSeesIdChange,
} from './notice.ts';
export type { NoticeCredentials, UserNoticeInput } from './notice.ts';
