import type { Report } from '@euca2nova/model';
import { extractText, extractTextItems, getMeta } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { ReportInvalidError, renderReportPdf } from '../src/index.ts';
import { PLANTED_SECRET, largeReport, sampleReport } from './fixtures/report.ts';

// A4 in points, as pdfkit sizes it.
const PAGE_WIDTH = 595.28;
const PAGE_HEIGHT = 841.89;

// pdf.js may take over the buffer it is given, so each reader gets its own copy.
function bytes(pdf: Buffer): Uint8Array {
  return new Uint8Array(pdf);
}

async function pagesText(pdf: Buffer): Promise<string[]> {
  return (await extractText(bytes(pdf), { mergePages: false })).text;
}

/** Text without white space: a long id or hash may wrap inside its table cell. */
function squeezed(text: string): string {
  return text.replace(/\s+/g, '');
}

describe('renderReportPdf', () => {
  it('is a PDF dated by the report, not by the clock, and the same report gives the same bytes', async () => {
    const report = sampleReport();
    const first = await renderReportPdf(report);
    expect(first.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(first.subarray(-6).toString('latin1')).toContain('%%EOF');
    const again = await renderReportPdf(report);
    expect(again.equals(first)).toBe(true);

    const { info } = await getMeta(bytes(first));
    expect(info).toMatchObject({
      Title: `euca2nova migration report: job ${report.jobId}`,
      CreationDate: 'D:20250314150926Z',
    });
  });

  it('puts the verification result first, then the summary, and the id map last', async () => {
    const pages = await pagesText(await renderReportPdf(sampleReport()));
    const first = pages[0] ?? '';
    expect(first).toMatch(/^euca2nova migration report/);
    expect(first).toContain('Result: Differing');
    const all = pages.join('\n');
    const order = [
      'Verification',
      'Summary',
      'Counts per kind',
      'Timings per phase',
      'Findings and their resolution',
      'Images',
      'nova.conf network flags',
      'Id map (Eucalyptus id to Nova id)',
    ].map((h) => all.indexOf(`\n${h}\n`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Per-user difference with field, expected and actual.
    expect(first).toContain('Instances i-4917082C instanceId i-4917082C i-4917082c');
  });

  it.each([
    ['matching', 'Result: Matching'],
    ['not-run', 'Result: Not run'],
  ] as const)('says "%s" in words', async (result, words) => {
    const verification: Report['verification'] =
      result === 'not-run'
        ? { result, users: [] }
        : {
            result,
            users: [
              { user: 'research/bob', result: 'matching', itemsCompared: 7, differences: [] },
            ],
          };
    const pages = await pagesText(await renderReportPdf(sampleReport({ verification })));
    expect(pages[0]).toContain(words);
  });

  it('holds every id map entry, image checksum and nova.conf flag', async () => {
    const report = sampleReport();
    const all = squeezed((await pagesText(await renderReportPdf(report))).join(''));
    for (const e of report.idMap) expect(all).toContain(squeezed(`${e.sourceId}${e.targetId}`));
    for (const i of report.images) expect(all).toContain(i.sha256);
    expect(all).toContain('--network_manager=nova.network.manager.VlanManager');
    expect(all).toContain('Snapshots00001');
  });

  it('paginates a long id map: more pages, header repeated, nothing outside the page', async () => {
    const small = await renderReportPdf(largeReport(10));
    const report = largeReport(1200);
    const large = await renderReportPdf(report);
    const smallPages = await pagesText(small);
    const largePages = await pagesText(large);
    expect(largePages.length).toBeGreaterThan(smallPages.length + 15);

    const idMapPages = largePages.filter((p) =>
      p.includes('Kind Eucalyptus id Nova id Owner Changed'),
    );
    expect(idMapPages.length).toBeGreaterThan(15);
    largePages.forEach((p, i) => {
      expect(p).toContain(`page ${String(i + 1)} of ${String(largePages.length)}`);
    });
    const all = squeezed(largePages.join(''));
    for (const e of [report.idMap[0], report.idMap[600], report.idMap.at(-1)]) {
      expect(all).toContain(squeezed(`${e?.sourceId ?? '?'}${e?.targetId ?? '?'}`));
    }

    const { items } = await extractTextItems(bytes(large));
    for (const item of items.flat()) {
      expect(item.x).toBeGreaterThanOrEqual(0);
      expect(item.x + item.width).toBeLessThanOrEqual(PAGE_WIDTH);
      expect(item.y).toBeGreaterThan(0);
      expect(item.y).toBeLessThan(PAGE_HEIGHT);
    }
  });

  it('cuts a value too long for one page and points to the JSON report', async () => {
    const long = 'x'.repeat(4000);
    const verification: Report['verification'] = {
      result: 'differing',
      users: [
        {
          user: 'research/bob',
          result: 'differing',
          itemsCompared: 1,
          differences: [
            {
              kind: 'securityGroup',
              sourceId: 'default',
              field: 'description',
              expected: long,
              actual: long,
            },
          ],
        },
      ],
    };
    const pages = await pagesText(await renderReportPdf(sampleReport({ verification })));
    // The note may wrap inside its cell.
    expect(squeezed(pages.join(''))).toContain(
      squeezed('(3400 more characters in the JSON report)'),
    );
  });

  it('renders text that the standard fonts cannot show instead of failing', async () => {
    const idMap = [
      { kind: 'keyPair' as const, sourceId: 'alice/ключ 日本 🔑', targetId: 'alice/key' },
    ];
    const pages = await pagesText(await renderReportPdf(sampleReport({ idMap })));
    expect(pages.join('\n')).toContain('alice/key');
  });

  it('refuses a report carrying a secret', async () => {
    const base = sampleReport();
    const planted = { ...base, source: { ...base.source, secretKey: PLANTED_SECRET } };
    await expect(renderReportPdf(planted)).rejects.toThrow(ReportInvalidError);
    await expect(renderReportPdf(planted)).rejects.not.toThrow(PLANTED_SECRET);
  });
});
