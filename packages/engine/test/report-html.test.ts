import { createHash } from 'node:crypto';
import { ReportSchema, type Report } from '@euca2nova/model';
import { describe, expect, it } from 'vitest';
import { ReportInvalidError, renderReportHtml } from '../src/index.ts';
import { PLANTED_SECRET, largeReport, sampleReport } from './fixtures/report.ts';
import { attr, byId, byTag, elements, parsePage, rowWords, text, words } from './html-dom.ts';

const HOSTILE_ID = '"><img src=x onerror=alert(1)>';
const HOSTILE_TEXT = '</td></tr></table><script>alert("x")</script><a href="http://evil.example/">';

function hostileReport(): Report {
  const base = sampleReport();
  const first = base.findings[0];
  if (first === undefined) throw new Error('fixture has findings');
  return sampleReport({
    idMap: [
      ...base.idMap,
      {
        kind: 'keyPair',
        sourceId: HOSTILE_ID,
        targetId: '<script>alert(1)</script>',
        owner: HOSTILE_TEXT,
      },
    ],
    findings: [
      {
        ...first,
        finding: { ...first.finding, message: HOSTILE_TEXT, affectedIds: [HOSTILE_ID] },
        note: '<style>body{display:none}</style>',
      },
    ],
    selection: { users: [HOSTILE_ID] },
    target: { ...base.target, imagesPath: `/var/lib/nova/${HOSTILE_TEXT}` },
  });
}

function sectionOrder(root: ReturnType<typeof parsePage>['root']): string[] {
  return byTag(root, 'section').map((s) => attr(s, 'id') ?? '');
}

describe('renderReportHtml', () => {
  it('is one well-formed HTML page with a language, a title, a generator and a CSP', () => {
    const { root, errors } = parsePage(renderReportHtml(sampleReport()));
    expect(errors).toEqual([]);
    expect(attr(root, 'lang')).toBe('en');
    expect(words(byTag(root, 'title')[0] ?? root)).toContain(sampleReport().jobId);
    const metas = byTag(root, 'meta');
    expect(metas.some((m) => attr(m, 'name') === 'generator')).toBe(true);
    const csp = metas.find((m) => attr(m, 'http-equiv') === 'Content-Security-Policy');
    expect(attr(csp ?? root, 'content')).toMatch(/script-src 'none'/);
    expect(attr(csp ?? root, 'content')).toMatch(/default-src 'none'/);
  });

  it('allows its own style sheet by hash, and nothing inline besides', () => {
    const { root } = parsePage(renderReportHtml(sampleReport()));
    const styles = byTag(root, 'style');
    expect(styles).toHaveLength(1);
    const hash = createHash('sha256')
      .update(text(styles[0] ?? root))
      .digest('base64');
    const csp = byTag(root, 'meta').find(
      (m) => attr(m, 'http-equiv') === 'Content-Security-Policy',
    );
    expect(attr(csp ?? root, 'content')).toContain(`style-src 'sha256-${hash}'`);
    expect(styles[0] === undefined ? '' : text(styles[0])).toMatch(/@media print/);
    expect(elements(root).filter((e) => attr(e, 'style') !== undefined)).toEqual([]);
  });

  it('loads nothing: no scripts, links, images, frames, and no src or href at all', () => {
    const { root } = parsePage(renderReportHtml(hostileReport()));
    for (const tag of ['script', 'link', 'img', 'iframe', 'object', 'embed', 'base', 'a']) {
      expect(byTag(root, tag), tag).toEqual([]);
    }
    for (const e of elements(root)) {
      for (const a of e.attrs) {
        expect(
          ['src', 'href', 'xlink:href', 'srcset', 'action'],
          `${e.tagName} ${a.name}`,
        ).not.toContain(a.name);
        expect(a.name.startsWith('on'), `${e.tagName} ${a.name}`).toBe(false);
      }
    }
  });

  it('puts the verification result first, before the summary and the id map', () => {
    const { root } = parsePage(renderReportHtml(sampleReport()));
    const order = sectionOrder(root);
    expect(order[0]).toBe('verification');
    expect(order.at(-1)).toBe('id-map');
    expect(order).toEqual([
      'verification',
      'summary',
      'counts',
      'timings',
      'findings',
      'images',
      'nova-conf',
      'id-map',
    ]);
    const verification = byId(root, 'verification');
    expect(words(verification)).toContain('Differing');
    // Per-user differences with field, expected and actual.
    const rows = byTag(verification, 'tr').map(rowWords);
    expect(rows).toContain('Instances i-4917082C instanceId i-4917082C i-4917082c');
    expect(rows).toContain('research/bob Matching 7 0');
  });

  it.each([
    ['matching', 'Matching'],
    ['not-run', 'Not run'],
  ] as const)('says "%s" in words', (result, word) => {
    const verification: Report['verification'] =
      result === 'not-run'
        ? { result, users: [] }
        : {
            result,
            at: '2025-03-14T15:09:20.000Z',
            users: [
              { user: 'research/bob', result: 'matching', itemsCompared: 7, differences: [] },
            ],
          };
    const { root } = parsePage(renderReportHtml(sampleReport({ verification })));
    expect(words(byTag(byId(root, 'verification'), 'p')[0] ?? root)).toMatch(
      new RegExp(`^${word}`),
    );
  });

  it('shows a difference in a secret field without values', () => {
    const { root } = parsePage(renderReportHtml(sampleReport()));
    const row = byTag(byId(root, 'verification'), 'tr')
      .map(rowWords)
      .find((w) => w.includes('secretKey'));
    expect(row).toBe('Users engineering/alice secretKey (none) (none)');
  });

  it('lists every id map entry as a row, with whether the id changed', () => {
    const report = largeReport(250);
    const { root } = parsePage(renderReportHtml(report));
    const body = byTag(byId(root, 'id-map'), 'tbody')[0] ?? root;
    const rows = byTag(body, 'tr').map((tr) =>
      elements(tr)
        .filter((e) => e.tagName === 'td' || e.tagName === 'th')
        .map((c) => words(c)),
    );
    expect(rows).toHaveLength(report.idMap.length);
    rows.forEach((cells, i) => {
      const e = report.idMap[i];
      expect(cells.slice(1)).toEqual([
        e?.sourceId,
        e?.targetId,
        e?.owner ?? '',
        e?.sourceId === e?.targetId ? 'No' : 'Yes',
      ]);
    });
  });

  it('shows every image with its bytes and sha256', () => {
    const report = sampleReport();
    const { root } = parsePage(renderReportHtml(report));
    const images = words(byId(root, 'images'));
    for (const image of report.images) {
      expect(images).toContain(image.sha256);
      expect(images).toContain(`${image.bytes.toLocaleString('en-US')} bytes`);
    }
  });

  it('shows the counts, the timings and the nova.conf flags', () => {
    const { root } = parsePage(renderReportHtml(sampleReport()));
    const counts = byTag(byId(root, 'counts'), 'tr').map(rowWords);
    expect(counts).toContain('Security groups 2 1 0 0 0 3');
    expect(counts).toContain('All kinds 15 1 0 0 1 17');
    const timings = byId(root, 'timings');
    expect(byTag(timings, 'svg')).toHaveLength(1);
    expect(byTag(timings, 'tr').map(rowWords)).toContain(
      'images 2025-03-14T14:05:10.000Z 2025-03-14T14:52:30.000Z 47 min 20.0 s',
    );
    const pre = byTag(byId(root, 'nova-conf'), 'pre')[0] ?? root;
    expect(text(pre)).toContain('--network_manager=nova.network.manager.VlanManager\n');
    expect(text(pre)).toContain('--vlan_start=10\n');
  });

  it('gives every table header a scope', () => {
    const { root } = parsePage(renderReportHtml(sampleReport()));
    const headers = byTag(root, 'th');
    expect(headers.length).toBeGreaterThan(20);
    for (const th of headers) expect(['col', 'row']).toContain(attr(th, 'scope'));
  });

  it('escapes hostile text from the source cloud: it reads back as text, never as markup', () => {
    const source = renderReportHtml(hostileReport());
    const { root, errors } = parsePage(source);
    expect(errors).toEqual([]);
    expect(byTag(root, 'script')).toEqual([]);
    expect(byTag(root, 'img')).toEqual([]);
    expect(byTag(root, 'style')).toHaveLength(1);
    expect(source).not.toContain('<script>');
    expect(source).not.toContain('"><img');
    const idRows = byTag(byId(root, 'id-map'), 'tr').map(rowWords);
    expect(idRows).toContain(
      `Key pairs ${HOSTILE_ID} <script>alert(1)</script> ${HOSTILE_TEXT} Yes`.replace(/\s+/g, ' '),
    );
    expect(words(byId(root, 'findings'))).toContain(HOSTILE_TEXT.replace(/\s+/g, ' '));
    expect(words(byId(root, 'summary'))).toContain(HOSTILE_ID);
  });

  it('may show access key ids but never a secret key: a report carrying one is refused', () => {
    const clean = renderReportHtml(sampleReport());
    expect(clean).toContain('AKIAALICE0000EXAMPLE');
    expect(clean).not.toContain(PLANTED_SECRET);

    const base = sampleReport();
    const planted: unknown[] = [
      { ...base, secretKey: PLANTED_SECRET },
      { ...base, source: { ...base.source, secretKey: PLANTED_SECRET } },
      { ...base, idMap: [{ ...base.idMap[0], secretKey: PLANTED_SECRET }] },
      {
        ...base,
        target: { ...base.target, database: { ...base.target.database, password: PLANTED_SECRET } },
      },
    ];
    for (const report of planted) {
      const parsed = ReportSchema.safeParse(report);
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues.some((i) => i.code === 'unrecognized_keys')).toBe(true);
      let thrown: unknown;
      try {
        renderReportHtml(report as Report);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(ReportInvalidError);
      expect(String(thrown)).not.toContain(PLANTED_SECRET);
    }
  });
});
