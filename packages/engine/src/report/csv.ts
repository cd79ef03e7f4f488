import { stringify } from 'csv-stringify/sync';
import type { Report } from '@euca2nova/model';
import { idChanged, validReport } from './format.ts';

export const ID_MAP_CSV_COLUMNS = ['kind', 'source_id', 'target_id', 'owner', 'changed'] as const;

/**
 * The id map as RFC 4180 CSV (CRLF, quotes doubled), one row per entry. Ids come from the source
 * cloud and are untrusted: `escape_formulas` puts an apostrophe before a cell that a spreadsheet
 * would otherwise run as a formula (= + - @ tab CR and their full-width forms).
 */
export function renderIdMapCsv(report: Report): string {
  const r = validReport(report);
  return stringify(
    r.idMap.map((e) => [
      e.kind,
      e.sourceId,
      e.targetId,
      e.owner ?? '',
      idChanged(e) ? 'yes' : 'no',
    ]),
    {
      header: true,
      columns: [...ID_MAP_CSV_COLUMNS],
      record_delimiter: 'windows',
      escape_formulas: true,
    },
  );
}
