import { createHash } from 'node:crypto';
import { renderNovaConf } from '@euca2nova/nova';
import type { Report, ResolvedFinding, UserVerification } from '@euca2nova/model';
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
import { html, trustedHtml, type SafeHtml } from './html-template.ts';

// Constant, so its hash can stand in the Content-Security-Policy instead of 'unsafe-inline'.
const STYLE = `
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
body { margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #111; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: 0.25rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #999; padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #bbb; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
thead th { background: #eee; }
th[scope="row"] { background: #f6f6f6; width: 16rem; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.id, .hash, code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
.hash, .id { word-break: break-all; }
.value { overflow-wrap: anywhere; }
pre { background: #f6f6f6; border: 1px solid #bbb; padding: 0.75rem; white-space: pre-wrap; }
.result { display: inline-block; font-size: 1.3rem; font-weight: 700; padding: 0.2rem 0.75rem; border: 3px solid; }
.result-matching { color: #0a5d1a; }
.result-differing { color: #9b1c1c; }
.result-not-run { color: #555; border-style: dashed; }
.muted { color: #555; }
.chart text { font-size: 12px; fill: #111; }
.chart rect { fill: #4a6fa5; }
@media print {
  @page { size: A4; margin: 15mm; }
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  thead { display: table-header-group; }
  tr, pre, svg { break-inside: avoid; page-break-inside: avoid; }
  #id-map { break-before: page; page-break-before: always; }
  .result { color: #000; }
}
`;

const STYLE_HASH = createHash('sha256').update(STYLE, 'utf8').digest('base64');
// Built whole here: inside the page template a formatter could add whitespace and break the hash.
const STYLE_ELEMENT = trustedHtml(`<style>${STYLE}</style>`);

// Nothing may load or run: the page is read offline and printed, and its text is untrusted.
const CSP = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "script-src 'none'",
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function cellOrNone(value: string | undefined): SafeHtml {
  return value === undefined ? html`<span class="muted">(none)</span>` : html`${value}`;
}

function verificationSection(report: Report): SafeHtml {
  const v = report.verification;
  const differing = v.users.filter((u) => u.result === 'differing');
  const userRows = v.users.map(
    (u) =>
      html`<tr>
        <th scope="row" class="id">${u.user}</th>
        <td>${VERIFICATION_WORDS[u.result]}</td>
        <td class="num">${u.itemsCompared}</td>
        <td class="num">${u.differences.length}</td>
      </tr>`,
  );
  return html`<section id="verification" aria-labelledby="verification-h">
    <h2 id="verification-h">Verification</h2>
    <p>
      <span class="result result-${v.result}">${VERIFICATION_WORDS[v.result]}</span>
      ${v.at === undefined ? '' : html` <span class="muted">checked at ${v.at}</span>`}
    </p>
    ${
      v.result === 'not-run'
        ? html`<p>The target was not read back and compared with the source.</p>`
        : html`<table>
            <caption>
              Per user: what each user sees through Nova's EC2 API compared with Eucalyptus
            </caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Result</th>
                <th scope="col" class="num">Items compared</th>
                <th scope="col" class="num">Differences</th>
              </tr>
            </thead>
            <tbody>
              ${userRows}
            </tbody>
          </table>`
    }
    ${differing.map(differencesTable)}
  </section>`;
}

function differencesTable(u: UserVerification): SafeHtml {
  return html`<h3>Differences for <span class="id">${u.user}</span></h3>
    <table>
      <thead>
        <tr>
          <th scope="col">Kind</th>
          <th scope="col">Source id</th>
          <th scope="col">Field</th>
          <th scope="col">Expected (Eucalyptus)</th>
          <th scope="col">Actual (Nova)</th>
        </tr>
      </thead>
      <tbody>
        ${u.differences.map(
          (d) =>
            html`<tr>
              <td>${KIND_LABELS[d.kind]}</td>
              <td class="id">${d.sourceId}</td>
              <td><code>${d.field}</code></td>
              <td class="id">${cellOrNone(d.expected)}</td>
              <td class="id">${cellOrNone(d.actual)}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

function summarySection(report: Report): SafeHtml {
  return html`<section id="summary" aria-labelledby="summary-h">
    <h2 id="summary-h">Summary</h2>
    <table>
      <tbody>
        ${summaryRows(report).map(
          ([label, value]) =>
            html`<tr>
              <th scope="row">${label}</th>
              <td class="value">${value}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

function countsSection(report: Report): SafeHtml {
  const rows = countRows(report);
  const column = (key: (typeof COUNT_COLUMNS)[number]['key']): number =>
    rows.reduce((sum, r) => sum + r.counts[key], 0);
  return html`<section id="counts" aria-labelledby="counts-h">
    <h2 id="counts-h">Counts per kind</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Kind</th>
          ${COUNT_COLUMNS.map((c) => html`<th scope="col" class="num">${c.label}</th>`)}
          <th scope="col" class="num">Total</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (r) =>
            html`<tr>
              <th scope="row">${KIND_LABELS[r.kind]}</th>
              ${COUNT_COLUMNS.map((c) => html`<td class="num">${r.counts[c.key]}</td>`)}
              <td class="num">${kindTotal(r.counts)}</td>
            </tr>`,
        )}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">All kinds</th>
          ${COUNT_COLUMNS.map((c) => html`<td class="num">${column(c.key)}</td>`)}
          <td class="num">${rows.reduce((sum, r) => sum + kindTotal(r.counts), 0)}</td>
        </tr>
      </tfoot>
    </table>
  </section>`;
}

function timingChart(report: Report): SafeHtml {
  const timings = report.timings;
  if (timings.length === 0) return html``;
  const max = Math.max(1, ...timings.map((t) => t.durationMs));
  const labelWidth = 130;
  const barWidth = 480;
  const rowHeight = 22;
  const height = timings.length * rowHeight + 4;
  const bars = timings.map((t, i) => {
    const y = i * rowHeight + 2;
    const w = Math.max(1, Math.round((t.durationMs / max) * barWidth));
    return html`<text x="0" y="${y + 15}">${t.phase}</text
      ><rect x="${labelWidth}" y="${y + 3}" width="${w}" height="16"></rect
      ><text x="${labelWidth + w + 6}" y="${y + 15}">${formatDuration(t.durationMs)}</text>`;
  });
  return html`<svg
    class="chart"
    role="img"
    aria-labelledby="timings-chart-title"
    width="100%"
    viewBox="0 0 ${labelWidth + barWidth + 120} ${height}"
  >
    <title id="timings-chart-title">Duration of each phase, longest ${formatDuration(max)}</title>
    ${bars}
  </svg>`;
}

function timingsSection(report: Report): SafeHtml {
  const total = report.timings.reduce((sum, t) => sum + t.durationMs, 0);
  return html`<section id="timings" aria-labelledby="timings-h">
    <h2 id="timings-h">Timings per phase</h2>
    ${
      report.timings.length === 0
        ? html`<p>No phase timings were recorded.</p>`
        : html`${timingChart(report)}
            <table>
              <thead>
                <tr>
                  <th scope="col">Phase</th>
                  <th scope="col">Started</th>
                  <th scope="col">Finished</th>
                  <th scope="col" class="num">Duration</th>
                </tr>
              </thead>
              <tbody>
                ${report.timings.map(
                  (t) =>
                    html`<tr>
                      <th scope="row">${t.phase}</th>
                      <td>${t.startedAt}</td>
                      <td>${t.finishedAt}</td>
                      <td class="num">${formatDuration(t.durationMs)}</td>
                    </tr>`,
                )}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">All phases</th>
                  <td></td>
                  <td></td>
                  <td class="num">${formatDuration(total)}</td>
                </tr>
              </tfoot>
            </table>`
    }
  </section>`;
}

function findingRow(f: ResolvedFinding): SafeHtml {
  const ids = f.finding.affectedIds;
  return html`<tr>
    <td>${f.finding.severity}</td>
    <td><code>${f.finding.ruleId}</code></td>
    <td>
      ${f.finding.message}${
        ids.length === 0
          ? ''
          : html`<br /><span class="muted">Affected (${ids.length}):</span>
              <span class="id">${ids.join(', ')}</span>`
      }
    </td>
    <td>${f.finding.remedy}</td>
    <td><strong>${f.resolution}</strong>${f.note === undefined ? '' : html`<br />${f.note}`}</td>
  </tr>`;
}

function findingsSection(report: Report): SafeHtml {
  return html`<section id="findings" aria-labelledby="findings-h">
    <h2 id="findings-h">Findings and their resolution</h2>
    ${
      report.findings.length === 0
        ? html`<p>No findings.</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">Severity</th>
                <th scope="col">Rule</th>
                <th scope="col">Finding</th>
                <th scope="col">Remedy</th>
                <th scope="col">Resolution</th>
              </tr>
            </thead>
            <tbody>
              ${report.findings.map(findingRow)}
            </tbody>
          </table>`
    }
  </section>`;
}

function imagesSection(report: Report): SafeHtml {
  const total = report.images.reduce((sum, i) => sum + i.bytes, 0);
  return html`<section id="images" aria-labelledby="images-h">
    <h2 id="images-h">Images</h2>
    ${
      report.images.length === 0
        ? html`<p>No image files were written.</p>`
        : html`<table>
            <caption>
              Bytes and SHA-256 of each decrypted image file as written to the image store
            </caption>
            <thead>
              <tr>
                <th scope="col">Source image</th>
                <th scope="col">Target image</th>
                <th scope="col" class="num">Size</th>
                <th scope="col">SHA-256</th>
              </tr>
            </thead>
            <tbody>
              ${report.images.map(
                (i) =>
                  html`<tr>
                    <th scope="row" class="id">${i.sourceImageId}</th>
                    <td class="id">${i.targetImageId}</td>
                    <td class="num">${formatBytes(i.bytes)}</td>
                    <td class="hash">${i.sha256}</td>
                  </tr>`,
              )}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">${report.images.length} images</th>
                <td></td>
                <td class="num">${formatBytes(total)}</td>
                <td></td>
              </tr>
            </tfoot>
          </table>`
    }
  </section>`;
}

function novaConfSection(report: Report): SafeHtml {
  return html`<section id="nova-conf" aria-labelledby="nova-conf-h">
    <h2 id="nova-conf-h">nova.conf network flags</h2>
    <pre>${renderNovaConf(report.novaConf)}</pre>
  </section>`;
}

function idMapSection(report: Report): SafeHtml {
  const changed = report.idMap.filter(idChanged).length;
  return html`<section id="id-map" aria-labelledby="id-map-h">
    <h2 id="id-map-h">Id map (Eucalyptus id to Nova id)</h2>
    <p>${report.idMap.length} entries, ${changed} with an id that changed.</p>
    <table>
      <thead>
        <tr>
          <th scope="col">Kind</th>
          <th scope="col">Eucalyptus id</th>
          <th scope="col">Nova id</th>
          <th scope="col">Owner</th>
          <th scope="col">Changed</th>
        </tr>
      </thead>
      <tbody>
        ${report.idMap.map(
          (e) =>
            html`<tr>
              <td>${KIND_LABELS[e.kind]}</td>
              <th scope="row" class="id">${e.sourceId}</th>
              <td class="id">${e.targetId}</td>
              <td class="id">${e.owner ?? ''}</td>
              <td>${idChanged(e) ? 'Yes' : 'No'}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

/**
 * The report as one self-contained, printable HTML page: inline style only, nothing loaded, no
 * script allowed. The verification result comes first because it is what the reader came for.
 */
export function renderReportHtml(report: Report): string {
  const r = validReport(report);
  const title = `euca2nova migration report: job ${r.jobId}`;
  const page = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="Content-Security-Policy" content="${CSP}" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="generator" content="${GENERATOR} (report version ${r.reportVersion})" />
        <meta name="referrer" content="no-referrer" />
        <title>${title}</title>
        ${STYLE_ELEMENT}
      </head>
      <body>
        <header>
          <h1>euca2nova migration report</h1>
          <p class="muted">
            Job <span class="id">${r.jobId}</span>, generated ${r.generatedAt}. Outcome:
            <strong>${OUTCOME_WORDS[r.outcome]}</strong>.
          </p>
        </header>
        <main>
          ${verificationSection(r)} ${summarySection(r)} ${countsSection(r)} ${timingsSection(r)}
          ${findingsSection(r)} ${imagesSection(r)} ${novaConfSection(r)} ${idMapSection(r)}
        </main>
      </body>
    </html> `;
  return page.toString();
}
