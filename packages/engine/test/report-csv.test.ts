import { parse } from 'csv-parse/sync';
import type { IdMapEntry } from '@euca2nova/model';
import { describe, expect, it } from 'vitest';
import { ReportInvalidError, renderIdMapCsv, type ID_MAP_CSV_COLUMNS } from '../src/index.ts';
import { PLANTED_SECRET, largeReport, sampleReport } from './fixtures/report.ts';

type Row = Record<(typeof ID_MAP_CSV_COLUMNS)[number], string>;

function readBack(csv: string): Row[] {
  return parse(csv, { columns: true, skip_empty_lines: false });
}

function expected(entry: IdMapEntry): Row {
  return {
    kind: entry.kind,
    source_id: entry.sourceId,
    target_id: entry.targetId,
    owner: entry.owner ?? '',
    changed: entry.sourceId === entry.targetId ? 'no' : 'yes',
  };
}

describe('renderIdMapCsv', () => {
  it('is RFC 4180: a header, CRLF line ends, one record per id map entry', () => {
    const report = sampleReport();
    const csv = renderIdMapCsv(report);
    expect(csv.startsWith('kind,source_id,target_id,owner,changed\r\n')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.replaceAll('\r\n', '')).not.toContain('\n');
    expect(csv.split('\r\n')).toHaveLength(report.idMap.length + 2);
  });

  it('reads back as the id map', () => {
    const report = largeReport(500);
    expect(readBack(renderIdMapCsv(report))).toEqual(report.idMap.map(expected));
  });

  it('marks only the entries whose id changed', () => {
    const rows = readBack(renderIdMapCsv(sampleReport()));
    expect(rows.find((r) => r.source_id === 'i-01234567')?.changed).toBe('no');
    expect(rows.find((r) => r.source_id === 'i-4917082C')?.changed).toBe('yes');
  });

  it('quotes delimiters and quotes so they read back unchanged', () => {
    const idMap: IdMapEntry[] = [
      { kind: 'keyPair', sourceId: 'alice/my "laptop", 2011', targetId: 'alice/my "laptop", 2011' },
    ];
    const csv = renderIdMapCsv(sampleReport({ idMap }));
    expect(csv).toContain('"alice/my ""laptop"", 2011"');
    expect(readBack(csv)).toEqual(idMap.map(expected));
  });

  it.each(['=HYPERLINK("http://evil.example/","x")', '+1+1', '-2+3', '@SUM(A1:A2)', '\uFF1D1+1'])(
    'puts an apostrophe before a cell that a spreadsheet would run as a formula: %s',
    (id) => {
      const rows = readBack(
        renderIdMapCsv(
          sampleReport({
            idMap: [{ kind: 'keyPair', sourceId: id, targetId: 'bob/ok', owner: id }],
          }),
        ),
      );
      expect(rows).toEqual([
        {
          kind: 'keyPair',
          source_id: `'${id}`,
          target_id: 'bob/ok',
          owner: `'${id}`,
          changed: 'yes',
        },
      ]);
    },
  );

  it('writes only the header for an empty id map', () => {
    expect(renderIdMapCsv(sampleReport({ idMap: [] }))).toBe(
      'kind,source_id,target_id,owner,changed\r\n',
    );
  });

  it('refuses a report carrying a secret', () => {
    const base = sampleReport();
    const planted = {
      ...base,
      idMap: base.idMap.map((e) => ({ ...e, secretKey: PLANTED_SECRET })),
    };
    expect(() => renderIdMapCsv(planted)).toThrow(ReportInvalidError);
  });
});
