import {
  RESOURCE_KINDS,
  ReportSchema,
  type KindCounts,
  type Report,
  type ResourceKind,
} from '@euca2nova/model';

/*
 * Words and numbers shared by the HTML and PDF renderings, so both say the same thing the same way.
 */

export const GENERATOR = 'euca2nova';

/** Table headings for resource kinds, in run order. */
export const KIND_LABELS: Readonly<Record<ResourceKind, string>> = {
  user: 'Users',
  keyPair: 'Key pairs',
  securityGroup: 'Security groups',
  network: 'Networks',
  address: 'Addresses',
  image: 'Images',
  volume: 'Volumes',
  snapshot: 'Snapshots',
  instance: 'Instances',
};

/** Words, never colours alone: printed in black and white the result still reads. */
export const VERIFICATION_WORDS: Readonly<Record<Report['verification']['result'], string>> = {
  matching: 'Matching',
  differing: 'Differing',
  'not-run': 'Not run',
};

export const OUTCOME_WORDS: Readonly<Record<Report['outcome'], string>> = {
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const COUNT_COLUMNS: readonly { key: keyof KindCounts; label: string }[] = [
  { key: 'created', label: 'Created' },
  { key: 'skipped', label: 'Skipped (identical)' },
  { key: 'conflict', label: 'Conflict' },
  { key: 'failed', label: 'Failed' },
  { key: 'unsupported', label: 'Unsupported' },
];

export function kindTotal(counts: KindCounts): number {
  return counts.created + counts.skipped + counts.conflict + counts.failed + counts.unsupported;
}

export function countRows(report: Report): { kind: ResourceKind; counts: KindCounts }[] {
  return RESOURCE_KINDS.map((kind) => ({ kind, counts: report.counts[kind] }));
}

const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** `1.0 GiB (1,073,741,824 bytes)`: the exact number stays, the unit is for reading. */
export function formatBytes(bytes: number): string {
  const exact = `${bytes.toLocaleString('en-US')} bytes`;
  if (bytes < 1024) return exact;
  let value = bytes;
  let unit: string = 'B';
  for (const u of BYTE_UNITS) {
    if (value < 1024) break;
    value /= 1024;
    unit = u;
  }
  return `${value.toFixed(1)} ${unit} (${exact})`;
}

/** `1 h 02 min 03.4 s`, `850 ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${String(ms)} ms`;
  const totalSeconds = ms / 1000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const s = `${seconds.toFixed(1)} s`;
  if (hours > 0) {
    return `${String(hours)} h ${String(minutes).padStart(2, '0')} min ${s.padStart(6, '0')}`;
  }
  if (minutes > 0) return `${String(minutes)} min ${s.padStart(6, '0')}`;
  return s;
}

/** A list for people: `all` when the selection did not narrow it. */
export function selectionText(items: readonly string[] | undefined, all: string): string {
  return items === undefined ? all : items.join(', ');
}

/** The selection for people; picked items are listed up to ten (the JSON report has them all). */
function selectionRows(selection: Report['selection']): [string, string][] {
  const { kinds, users, items } = selection;
  if (items === undefined)
    return [
      ['Selected kinds', selectionText(kinds, 'all kinds')],
      ['Selected users', selectionText(users, 'all users')],
    ];
  const picked = `${String(items.length)}: ${items
    .slice(0, 10)
    .map((i) => `${i.kind} ${i.sourceId}`)
    .join(', ')}${items.length > 10 ? ', …' : ''}`;
  if (kinds === undefined && users === undefined) return [['Picked items', picked]];
  return [
    ['Selected kinds', selectionText(kinds, 'all kinds')],
    ['Selected users', selectionText(users, 'all users')],
    ['Also picked', picked],
  ];
}

export function targetDatabaseText(report: Report): string {
  const db = report.target.database;
  return `${db.host}:${String(db.port)}/${db.name}`;
}

/** The summary, as label/value pairs; optional fields are left out rather than shown empty. */
export function summaryRows(report: Report): [string, string][] {
  const s = report.source;
  const rows: [string, string | undefined][] = [
    ['Outcome', OUTCOME_WORDS[report.outcome]],
    ['Generated at', report.generatedAt],
    ['Job id', report.jobId],
    ['Plan id', report.planId],
    ['Inventory id', report.inventoryId],
    ['Plan fingerprint (SHA-256)', report.planFingerprint],
    ['Source EC2 endpoint', s.endpoint],
    ['Source version', `Eucalyptus ${s.version} (major ${String(s.majorVersion)})`],
    ['Source EC2 API version', s.apiVersion],
    ['Source Euare endpoint', s.euareEndpoint],
    ['Source storage endpoint', s.storageEndpoint],
    ['Target', `Nova ${report.target.novaRelease} (Bexar)`],
    ['Target database', targetDatabaseText(report)],
    ['Target images path', report.target.imagesPath],
    ['Target EC2 endpoint', report.target.ec2Endpoint],
    ...selectionRows(report.selection),
  ];
  return rows.filter((r): r is [string, string] => r[1] !== undefined);
}

/** Whether the id a user will see in Nova differs from the Eucalyptus one (case counts). */
export function idChanged(entry: { sourceId: string; targetId: string }): boolean {
  return entry.sourceId !== entry.targetId;
}

/**
 * Every rendering goes through the schema first: the objects are strict, so a report carrying a
 * secret (or anything else unknown) is refused here instead of being printed. Only paths and
 * messages are reported, never values.
 */
export function validReport(report: Report): Report {
  const parsed = ReportSchema.safeParse(report);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 10)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new ReportInvalidError(`the report does not match the report schema: ${issues}`);
  }
  return parsed.data;
}

export class ReportInvalidError extends Error {
  override readonly name = 'ReportInvalidError';
}
