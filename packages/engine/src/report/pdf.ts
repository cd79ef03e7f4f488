import PDFDocument from 'pdfkit';
import { renderNovaConf } from '@euca2nova/nova';
import type { Report } from '@euca2nova/model';
import {
  COUNT_COLUMNS,
  GENERATOR,
  KIND_LABELS,
  OUTCOME_WORDS,
  VERIFICATION_WORDS,
  countRows,
  formatBytes,
  formatDuration,
  idChanged,
  kindTotal,
  summaryRows,
  validReport,
} from './format.ts';

/*
 * The PDF is laid out by hand with the 14 standard fonts (no font files) and a small table writer
 * that starts a new page, with the header repeated, whenever a row would not fit: an id map of any
 * length paginates instead of running off the page.
 */

const MARGIN = 50;
const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const MONO = 'Courier';
const BODY_SIZE = 9;
const CELL_PAD = 3;
/** A row must fit on one page; longer values are cut here and stay whole in the JSON report. */
const MAX_CELL_CHARS = 600;
/** Affected ids listed per finding; the rest are counted. */
const MAX_AFFECTED_IDS = 200;

type Doc = PDFKit.PDFDocument;

interface Column {
  readonly header: string;
  /** Share of the content width. */
  readonly weight: number;
  readonly align?: 'left' | 'right';
  readonly mono?: boolean;
}

function clip(text: string): string {
  return text.length <= MAX_CELL_CHARS
    ? text
    : `${text.slice(0, MAX_CELL_CHARS)}... (${String(text.length - MAX_CELL_CHARS)} more characters in the JSON report)`;
}

function contentWidth(doc: Doc): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

/** Starts a new page when less than `height` points are left on this one. */
function ensureSpace(doc: Doc, height: number): void {
  if (doc.y + height > doc.page.maxY()) doc.addPage();
}

function heading(doc: Doc, text: string): void {
  ensureSpace(doc, 60);
  doc.x = doc.page.margins.left;
  doc.moveDown(0.8);
  doc
    .font(BOLD)
    .fontSize(14)
    .fillColor('#000')
    .text(text, { width: contentWidth(doc) });
  doc.moveDown(0.3);
}

function paragraph(doc: Doc, text: string, font = FONT, size = BODY_SIZE): void {
  doc.x = doc.page.margins.left;
  doc
    .font(font)
    .fontSize(size)
    .fillColor('#000')
    .text(text, { width: contentWidth(doc) });
}

function table(doc: Doc, columns: readonly Column[], rows: readonly (readonly string[])[]): void {
  const left = doc.page.margins.left;
  const total = columns.reduce((sum, c) => sum + c.weight, 0);
  const widths = columns.map((c) => (c.weight / total) * contentWidth(doc));

  const measure = (cells: readonly string[], header: boolean): number =>
    Math.max(
      ...cells.map((cell, i) => {
        const col = columns[i];
        doc.font(header ? BOLD : col?.mono === true ? MONO : FONT).fontSize(BODY_SIZE - 1);
        return doc.heightOfString(cell, { width: (widths[i] ?? 0) - 2 * CELL_PAD });
      }),
    ) +
    2 * CELL_PAD;

  const draw = (cells: readonly string[], header: boolean): void => {
    const height = measure(cells, header);
    const top = doc.y;
    let x = left;
    cells.forEach((cell, i) => {
      const col = columns[i];
      const width = widths[i] ?? 0;
      if (header) doc.rect(x, top, width, height).fill('#e8e8e8');
      doc.rect(x, top, width, height).lineWidth(0.5).stroke('#999');
      doc
        .fillColor('#000')
        .font(header ? BOLD : col?.mono === true ? MONO : FONT)
        .fontSize(BODY_SIZE - 1)
        .text(cell, x + CELL_PAD, top + CELL_PAD, {
          width: width - 2 * CELL_PAD,
          align: header ? 'left' : (col?.align ?? 'left'),
        });
      x += width;
    });
    doc.x = left;
    doc.y = top + height;
  };

  const headers = columns.map((c) => c.header);
  const headerHeight = measure(headers, true);
  ensureSpace(doc, headerHeight + 20);
  draw(headers, true);
  for (const row of rows) {
    const cells = row.map(clip);
    if (doc.y + measure(cells, false) > doc.page.maxY()) {
      doc.addPage();
      draw(headers, true);
    }
    draw(cells, false);
  }
  doc.x = left;
  doc.moveDown(0.5);
}

function verification(doc: Doc, r: Report): void {
  const v = r.verification;
  heading(doc, 'Verification');
  paragraph(doc, `Result: ${VERIFICATION_WORDS[v.result]}`, BOLD, 16);
  if (v.at !== undefined) paragraph(doc, `Checked at ${v.at}`);
  doc.moveDown(0.3);
  if (v.result === 'not-run') {
    paragraph(doc, 'The target was not read back and compared with the source.');
    return;
  }
  table(
    doc,
    [
      { header: 'User', weight: 3, mono: true },
      { header: 'Result', weight: 1.5 },
      { header: 'Items compared', weight: 1.5, align: 'right' },
      { header: 'Differences', weight: 1.5, align: 'right' },
    ],
    v.users.map((u) => [
      u.user,
      VERIFICATION_WORDS[u.result],
      String(u.itemsCompared),
      String(u.differences.length),
    ]),
  );
  for (const u of v.users.filter((x) => x.result === 'differing')) {
    paragraph(doc, `Differences for ${u.user}`, BOLD, 10);
    doc.moveDown(0.2);
    table(
      doc,
      [
        { header: 'Kind', weight: 1.2 },
        { header: 'Source id', weight: 1.6, mono: true },
        { header: 'Field', weight: 1.6, mono: true },
        { header: 'Expected (Eucalyptus)', weight: 2 },
        { header: 'Actual (Nova)', weight: 2 },
      ],
      u.differences.map((d) => [
        KIND_LABELS[d.kind],
        d.sourceId,
        d.field,
        d.expected ?? '(none)',
        d.actual ?? '(none)',
      ]),
    );
  }
}

function summary(doc: Doc, r: Report): void {
  heading(doc, 'Summary');
  table(
    doc,
    [
      { header: 'Item', weight: 1.3 },
      { header: 'Value', weight: 3 },
    ],
    summaryRows(r),
  );
}

function counts(doc: Doc, r: Report): void {
  heading(doc, 'Counts per kind');
  const rows = countRows(r);
  table(
    doc,
    [
      { header: 'Kind', weight: 1.6 },
      ...COUNT_COLUMNS.map((c) => ({ header: c.label, weight: 1, align: 'right' as const })),
      { header: 'Total', weight: 0.8, align: 'right' },
    ],
    [
      ...rows.map((x) => [
        KIND_LABELS[x.kind],
        ...COUNT_COLUMNS.map((c) => String(x.counts[c.key])),
        String(kindTotal(x.counts)),
      ]),
      [
        'All kinds',
        ...COUNT_COLUMNS.map((c) => String(rows.reduce((sum, x) => sum + x.counts[c.key], 0))),
        String(rows.reduce((sum, x) => sum + kindTotal(x.counts), 0)),
      ],
    ],
  );
}

function timings(doc: Doc, r: Report): void {
  heading(doc, 'Timings per phase');
  if (r.timings.length === 0) {
    paragraph(doc, 'No phase timings were recorded.');
    return;
  }
  const max = Math.max(1, ...r.timings.map((t) => t.durationMs));
  const left = doc.page.margins.left;
  const labelWidth = 90;
  const barMax = contentWidth(doc) - labelWidth - 90;
  for (const t of r.timings) {
    ensureSpace(doc, 16);
    const y = doc.y;
    const w = Math.max(1, (t.durationMs / max) * barMax);
    doc
      .font(FONT)
      .fontSize(BODY_SIZE - 1)
      .fillColor('#000');
    doc.text(t.phase, left, y + 2, { width: labelWidth, lineBreak: false });
    doc.rect(left + labelWidth, y + 1, w, 10).fill('#4a6fa5');
    doc.fillColor('#000').text(formatDuration(t.durationMs), left + labelWidth + w + 4, y + 2, {
      lineBreak: false,
    });
    doc.x = left;
    doc.y = y + 14;
  }
  doc.moveDown(0.5);
  table(
    doc,
    [
      { header: 'Phase', weight: 1.2 },
      { header: 'Started', weight: 2 },
      { header: 'Finished', weight: 2 },
      { header: 'Duration', weight: 1.3, align: 'right' },
    ],
    [
      ...r.timings.map((t) => [t.phase, t.startedAt, t.finishedAt, formatDuration(t.durationMs)]),
      ['All phases', '', '', formatDuration(r.timings.reduce((sum, t) => sum + t.durationMs, 0))],
    ],
  );
}

function findings(doc: Doc, r: Report): void {
  heading(doc, 'Findings and their resolution');
  if (r.findings.length === 0) {
    paragraph(doc, 'No findings.');
    return;
  }
  // Paragraphs rather than a table: a message or an id list can be longer than a page.
  for (const f of r.findings) {
    ensureSpace(doc, 50);
    paragraph(
      doc,
      `[${f.finding.severity}] ${f.finding.ruleId}: resolution ${f.resolution}`,
      BOLD,
      BODY_SIZE,
    );
    paragraph(doc, f.finding.message);
    const ids = f.finding.affectedIds;
    if (ids.length > 0) {
      const shown = ids.slice(0, MAX_AFFECTED_IDS).join(', ');
      const more =
        ids.length > MAX_AFFECTED_IDS
          ? ` and ${String(ids.length - MAX_AFFECTED_IDS)} more (listed in the JSON report)`
          : '';
      paragraph(doc, `Affected (${String(ids.length)}): ${shown}${more}`);
    }
    paragraph(doc, `Remedy: ${f.finding.remedy}`);
    if (f.note !== undefined) paragraph(doc, `Note: ${f.note}`);
    doc.moveDown(0.6);
  }
}

function images(doc: Doc, r: Report): void {
  heading(doc, 'Images');
  if (r.images.length === 0) {
    paragraph(doc, 'No image files were written.');
    return;
  }
  table(
    doc,
    [
      { header: 'Source image', weight: 1.2, mono: true },
      { header: 'Target image', weight: 1.2, mono: true },
      { header: 'Size', weight: 1.6, align: 'right' },
      { header: 'SHA-256', weight: 3.2, mono: true },
    ],
    r.images.map((i) => [i.sourceImageId, i.targetImageId, formatBytes(i.bytes), i.sha256]),
  );
}

function novaConf(doc: Doc, r: Report): void {
  heading(doc, 'nova.conf network flags');
  paragraph(doc, renderNovaConf(r.novaConf), MONO, BODY_SIZE - 1);
}

function idMap(doc: Doc, r: Report): void {
  doc.addPage();
  heading(doc, 'Id map (Eucalyptus id to Nova id)');
  paragraph(
    doc,
    `${String(r.idMap.length)} entries, ${String(r.idMap.filter(idChanged).length)} with an id that changed.`,
  );
  doc.moveDown(0.3);
  table(
    doc,
    [
      { header: 'Kind', weight: 1.2 },
      { header: 'Eucalyptus id', weight: 2.2, mono: true },
      { header: 'Nova id', weight: 2.2, mono: true },
      { header: 'Owner', weight: 1.6, mono: true },
      { header: 'Changed', weight: 0.8 },
    ],
    r.idMap.map((e) => [
      KIND_LABELS[e.kind],
      e.sourceId,
      e.targetId,
      e.owner ?? '',
      idChanged(e) ? 'Yes' : 'No',
    ]),
  );
}

function footers(doc: Doc, r: Report): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing inside the bottom margin would otherwise make pdfkit start yet another page.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font(FONT)
      .fontSize(BODY_SIZE - 2)
      .fillColor('#555')
      .text(
        `euca2nova migration report, job ${r.jobId} - page ${String(i + 1)} of ${String(range.count)}`,
        doc.page.margins.left,
        doc.page.height - MARGIN / 2 - 4,
        { width: contentWidth(doc), align: 'center', lineBreak: false },
      );
    doc.page.margins.bottom = bottom;
  }
}

/**
 * The report as a PDF (A4, standard Helvetica/Courier). Same order as the HTML page: verification
 * first, the id map last on pages of its own. Dated by `generatedAt`, not by the clock, so the same
 * report renders to the same bytes.
 */
export async function renderReportPdf(report: Report): Promise<Buffer> {
  const r = validReport(report);
  const at = new Date(r.generatedAt);
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    lang: 'en',
    displayTitle: true,
    info: {
      Title: `euca2nova migration report: job ${r.jobId}`,
      Author: GENERATOR,
      Subject: `Migration of Eucalyptus ${r.source.version} into Nova ${r.target.novaRelease}`,
      Creator: GENERATOR,
      Producer: `${GENERATOR} (PDFKit)`,
      CreationDate: at,
      ModDate: at,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    doc.on('error', reject);
  });

  doc
    .font(BOLD)
    .fontSize(20)
    .text('euca2nova migration report', { width: contentWidth(doc) });
  paragraph(
    doc,
    `Job ${r.jobId}, generated ${r.generatedAt}. Outcome: ${OUTCOME_WORDS[r.outcome]}.`,
    FONT,
    10,
  );
  verification(doc, r);
  summary(doc, r);
  counts(doc, r);
  timings(doc, r);
  findings(doc, r);
  images(doc, r);
  novaConf(doc, r);
  idMap(doc, r);
  footers(doc, r);
  doc.end();
  return done;
}
