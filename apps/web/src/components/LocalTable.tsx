import type { ColumnDef, SortingState } from '@tanstack/react-table';
import { useMemo, useState, type ReactNode } from 'react';
import { formatCount } from '../format.ts';
import { VirtualTable, type HeaderSort, type RowSelection } from './VirtualTable.tsx';

/**
 * A table over rows already in the page (e.g. an inventory's users, all sent at once), sorted in
 * the browser and virtualized, so thousands of rows cost the DOM only the ones in view. For rows
 * that live on the server, PagedTable.
 */
export function LocalTable<Row>({
  label,
  rows,
  columns,
  rowId,
  selection,
  height = 360,
  empty = 'Nothing matches.',
  initialSort = [],
}: {
  label: string;
  rows: readonly Row[];
  columns: ColumnDef<Row>[];
  rowId: (row: Row) => string;
  selection?: RowSelection<Row>;
  height?: number;
  empty?: ReactNode;
  initialSort?: SortingState;
}) {
  const [sorting, setSorting] = useState<SortingState>(initialSort);
  const sorted = useMemo(() => sortRows(rows, columns, sorting), [rows, columns, sorting]);
  const sort = useMemo<HeaderSort>(
    () => ({
      isSortable: (id) => {
        const c = columns.find((x) => x.id === id);
        return c !== undefined && 'accessorFn' in c && c.enableSorting !== false;
      },
      direction: (id) => {
        const s = sorting[0];
        return s?.id === id ? (s.desc ? 'desc' : 'asc') : false;
      },
      // Ascending, descending, then as the rows came.
      toggle: (id) => {
        const s = sorting[0];
        setSorting(s?.id !== id ? [{ id, desc: false }] : s.desc ? [] : [{ id, desc: true }]);
      },
    }),
    [columns, sorting],
  );
  return (
    <VirtualTable
      label={label}
      rows={sorted}
      columns={columns}
      rowId={rowId}
      {...(selection === undefined ? {} : { selection })}
      sort={sort}
      maxHeight={height}
      empty={empty}
      footer={`${formatCount(rows.length)} ${rows.length === 1 ? 'row' : 'rows'}`}
    />
  );
}

const collator = new Intl.Collator('en', { numeric: true });

const text = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';

/** Rows in the order of the first sorted column (its accessorFn's values), computed once each. */
function sortRows<Row>(
  rows: readonly Row[],
  columns: readonly ColumnDef<Row>[],
  sorting: SortingState,
): readonly Row[] {
  const by = sorting[0];
  if (by === undefined) return rows;
  const column = columns.find((c) => c.id === by.id);
  if (column === undefined || !('accessorFn' in column)) return rows;
  const value = column.accessorFn;
  const keyed = rows.map((row, i) => ({ row, key: value(row, i) }));
  const sign = by.desc ? -1 : 1;
  keyed.sort((a, b) => {
    const x = a.key;
    const y = b.key;
    if (typeof x === 'number' && typeof y === 'number') return sign * (x - y);
    return sign * collator.compare(text(x), text(y));
  });
  return keyed.map((k) => k.row);
}
