import type { ReportSummary } from '@euca2nova/model';
import type { StatusLook } from '../../components/jobLabels.ts';
import type { ReportFormat } from '../../api/reports/reports.ts';

type VerificationResult = ReportSummary['verification']['result'];

export const VERIFICATION_LOOK: Readonly<
  Record<VerificationResult, StatusLook & { headline: string }>
> = {
  matching: {
    label: 'Matching',
    tone: 'ok',
    headline: "Nova shows every migrated user's resources exactly as Eucalyptus did.",
  },
  differing: {
    label: 'Differing',
    tone: 'error',
    headline: 'Nova differs from Eucalyptus for some users: the differences are listed below.',
  },
  'not-run': {
    label: 'Not run',
    tone: 'neutral',
    headline: 'Verification did not run: the migration stopped before it.',
  },
};

export const OUTCOME_LOOK: Readonly<Record<ReportSummary['outcome'], StatusLook>> = {
  succeeded: { label: 'Succeeded', tone: 'ok' },
  failed: { label: 'Failed', tone: 'error' },
  cancelled: { label: 'Cancelled', tone: 'neutral' },
};

export const COUNT_COLUMNS = [
  { key: 'created', label: 'Created' },
  { key: 'skipped', label: 'Already there' },
  { key: 'conflict', label: 'Conflict' },
  { key: 'failed', label: 'Failed' },
  { key: 'unsupported', label: 'Unsupported' },
] as const;

export const FORMAT_LABELS: Readonly<Record<ReportFormat, { name: string; what: string }>> = {
  json: { name: 'JSON', what: 'the whole report, for tools' },
  html: { name: 'HTML', what: 'to read or print' },
  csv: { name: 'CSV', what: 'the id map, for spreadsheets' },
  pdf: { name: 'PDF', what: 'to file or send' },
};

export const RESOLUTION_LABELS: Readonly<
  Record<ReportSummary['findings'][number]['resolution'], string>
> = {
  fixed: 'Fixed',
  acknowledged: 'Acknowledged',
  mapped: 'Mapped',
  skipped: 'Left out',
  unresolved: 'Unresolved',
};

/** How long the operator stops typing before a search goes to the server. */
export const SEARCH_DEBOUNCE_MS = 300;
