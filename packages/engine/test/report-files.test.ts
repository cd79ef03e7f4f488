import { describe, expect, it } from 'vitest';
import { REPORT_CONTENT_TYPES, reportFileNames } from '../src/index.ts';
import { sampleReport } from './fixtures/report.ts';

describe('reportFileNames', () => {
  it('names each rendering by job and UTC time', () => {
    expect(reportFileNames(sampleReport())).toEqual({
      json: 'euca2nova-report-3f2c9a1e-20250314T150926.json',
      html: 'euca2nova-report-3f2c9a1e-20250314T150926.html',
      csv: 'euca2nova-report-3f2c9a1e-20250314T150926.csv',
      pdf: 'euca2nova-report-3f2c9a1e-20250314T150926.pdf',
    });
  });

  it('uses UTC whatever offset generatedAt was written with', () => {
    const names = reportFileNames(sampleReport({ generatedAt: '2025-03-14T23:30:00+02:00' }));
    expect(names.json).toBe('euca2nova-report-3f2c9a1e-20250314T213000.json');
  });

  it('has a content type for every rendering', () => {
    expect(Object.keys(REPORT_CONTENT_TYPES).sort()).toEqual(
      Object.keys(reportFileNames(sampleReport())).sort(),
    );
    expect(REPORT_CONTENT_TYPES.html).toBe('text/html; charset=utf-8');
    expect(REPORT_CONTENT_TYPES.pdf).toBe('application/pdf');
  });
});
