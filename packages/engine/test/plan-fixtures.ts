import type { TargetSnapshot } from '../src/index.ts';

/** A writable, empty Bexar target as readTargetSnapshot would describe it, with overrides. */
export function bexarTarget(over: Partial<TargetSnapshot> = {}): TargetSnapshot {
  return {
    readAt: '2011-02-11T00:00:00.000Z',
    schema: {
      status: 'bexar',
      schemaVersion: 2,
      missingTables: [],
      columnDifferences: [],
      widenedColumns: [],
      writable: true,
      canAlterIdColumns: true,
      problem: null,
    },
    classified: true,
    items: [],
    otherConflicts: [],
    imageStore: { path: '/var/lib/nova/images', exists: true, freeBytes: 1e12, images: [] },
    ...over,
  };
}
