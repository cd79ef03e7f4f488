import { describe, expect, it } from 'vitest';
import { ReportSchema, type Report } from '../src/index.ts';
import { realisticReport, without } from './fixtures.ts';

/** Puts `value` under `key` in the object found at `path` of a copy of the report. */
function withKeyAt(path: readonly (string | number)[], key: string, value: unknown): unknown {
  const copy = structuredClone(realisticReport()) as unknown as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const p of path) node = node[p] as Record<string | number, unknown>;
  node[key] = value;
  return copy;
}

describe('Report', () => {
  it('parses a realistic report unchanged', () => {
    const r: Report = realisticReport();
    expect(ReportSchema.parse(r)).toEqual(r);
  });

  // Decision: a secret anywhere makes the report invalid (rejected, not stripped).
  it.each([
    [[] as const, 'secretKey'],
    [['source'] as const, 'secretKey'],
    [['target'] as const, 'password'],
    [['target', 'database'] as const, 'password'],
    [['idMap', 0] as const, 'secretKey'],
    [['findings', 0, 'finding'] as const, 'secretKey'],
    [['verification', 'users', 0] as const, 'secretKey'],
    [['verification', 'users', 0, 'differences', 0] as const, 'secretKey'],
    [['counts', 'user'] as const, 'secretKey'],
    [['novaConf'] as const, 'secret_key'],
    [['images', 0] as const, 'secretKey'],
    [['timings', 0] as const, 'password'],
    [['selection'] as const, 'secretKey'],
  ])('rejects a report with a secret at %j.%s', (path, key) => {
    const r = ReportSchema.safeParse(withKeyAt(path, key, 'hunter2'));
    expect(r.success).toBe(false);
    expect(r.error?.issues.some((i) => i.code === 'unrecognized_keys')).toBe(true);
  });

  it('reports a difference in a secret field without values', () => {
    const diff = {
      kind: 'user',
      sourceId: 'mgreenway',
      field: 'secretKey',
      expected: 'abc',
      actual: 'def',
    };
    expect(
      ReportSchema.safeParse(withKeyAt(['verification', 'users', 0, 'differences'], '0', diff))
        .success,
    ).toBe(false);
    const noValues = without(without(diff, 'expected'), 'actual');
    expect(
      ReportSchema.safeParse(withKeyAt(['verification', 'users', 0, 'differences'], '0', noValues))
        .success,
    ).toBe(true);
  });

  it('rejects endpoints that carry credentials', () => {
    expect(
      ReportSchema.safeParse(
        withKeyAt(['source'], 'endpoint', 'http://admin:secret@clc:8773/services/Eucalyptus'),
      ).success,
    ).toBe(false);
  });

  it('needs counts for every kind and consistent verification results', () => {
    const r = realisticReport();
    const counts = without(r.counts, 'snapshot');
    expect(ReportSchema.safeParse({ ...r, counts }).error?.issues[0]?.path).toEqual([
      'counts',
      'snapshot',
    ]);
    expect(
      ReportSchema.safeParse({ ...r, verification: { ...r.verification, result: 'matching' } })
        .success,
    ).toBe(false);
    expect(
      ReportSchema.safeParse({ ...r, verification: { result: 'not-run', users: [] } }).success,
    ).toBe(true);
    expect(ReportSchema.safeParse(withKeyAt(['images', 0], 'sha256', 'xyz')).success).toBe(false);
  });
});
