import { Box, Checkbox, Table, Text, UnstyledButton, VisuallyHidden } from '@mantine/core';
import {
  flexRender,
  getCoreRowModel,
  useReactTable,
  type ColumnDef,
  type SortingState,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState, type ReactNode } from 'react';
import { formatCount } from '../format.ts';
import type { RowSelection } from './PagedTable.tsx';

const ROW_HEIGHT = 36;

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
  const scroller = useRef<HTMLDivElement>(null);
  // See PagedTable: TanStack's functions are not memoisable and no React Compiler runs here.
  // eslint-disable-next-line react-hooks/incompatible-library -- see above
  const virtualizer = useVirtualizer({
    count: sorted.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const firstIndex = items[0]?.index ?? 0;
  const lastIndex = items.at(-1)?.index ?? -1;
  // Sorted here, once per change; the table gets only the rows in view (its row model costs per
  // row given, which thousands of users would pay at every keystroke of a search).
  const visible = useMemo(
    () => sorted.slice(firstIndex, lastIndex + 1),
    [sorted, firstIndex, lastIndex],
  );
  const table = useReactTable({
    data: visible,
    columns,
    getRowId: rowId,
    state: { sorting },
    onSortingChange: setSorting,
    manualSorting: true,
    getCoreRowModel: getCoreRowModel(),
  });
  const tableRows = table.getRowModel().rows;
  const paddingTop = items[0]?.start ?? 0;
  const paddingBottom = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);
  const columnCount = columns.length + (selection ? 1 : 0);

  return (
    <Box>
      <Box
        ref={scroller}
        mah={height}
        style={{ overflow: 'auto', border: '1px solid var(--mantine-color-gray-3)' }}
        tabIndex={0}
        aria-label={`${label}, scrollable`}
        role="region"
      >
        <Table stickyHeader striped highlightOnHover aria-label={label} aria-rowcount={rows.length}>
          <Table.Thead>
            {table.getHeaderGroups().map((group) => (
              <Table.Tr key={group.id}>
                {selection && (
                  <Table.Th w={40}>
                    <VisuallyHidden>Selected</VisuallyHidden>
                  </Table.Th>
                )}
                {group.headers.map((header) => {
                  const sorted = header.column.getIsSorted();
                  const title = flexRender(header.column.columnDef.header, header.getContext());
                  return (
                    <Table.Th
                      key={header.id}
                      aria-sort={
                        sorted === 'asc'
                          ? 'ascending'
                          : sorted === 'desc'
                            ? 'descending'
                            : undefined
                      }
                    >
                      {header.column.getCanSort() ? (
                        <UnstyledButton
                          fw={600}
                          fz="sm"
                          onClick={header.column.getToggleSortingHandler()}
                        >
                          {title} {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : '↕'}
                        </UnstyledButton>
                      ) : (
                        title
                      )}
                    </Table.Th>
                  );
                })}
              </Table.Tr>
            ))}
          </Table.Thead>
          <Table.Tbody>
            {paddingTop > 0 && (
              <tr aria-hidden="true">
                <td colSpan={columnCount} style={{ height: paddingTop, padding: 0 }} />
              </tr>
            )}
            {items.map((v) => {
              const row = tableRows[v.index - firstIndex];
              if (row === undefined) return null;
              return (
                <Table.Tr key={row.id} h={ROW_HEIGHT} aria-rowindex={v.index + 2}>
                  {selection && (
                    <Table.Td>
                      <Checkbox
                        aria-label={`Select ${row.id}`}
                        checked={selection.isSelected(row.original)}
                        disabled={selection.isDisabled?.(row.original) === true}
                        onChange={(e) => {
                          selection.onToggle(row.original, e.currentTarget.checked);
                        }}
                      />
                    </Table.Td>
                  )}
                  {row.getVisibleCells().map((cell) => (
                    <Table.Td key={cell.id}>
                      {flexRender(cell.column.columnDef.cell, cell.getContext())}
                    </Table.Td>
                  ))}
                </Table.Tr>
              );
            })}
            {paddingBottom > 0 && (
              <tr aria-hidden="true">
                <td colSpan={columnCount} style={{ height: paddingBottom, padding: 0 }} />
              </tr>
            )}
          </Table.Tbody>
        </Table>
        {rows.length === 0 && (
          <Text p="md" c="dimmed">
            {empty}
          </Text>
        )}
      </Box>
      <Text size="xs" c="dimmed" mt={4} aria-live="polite">
        {`${formatCount(rows.length)} ${rows.length === 1 ? 'row' : 'rows'}`}
      </Text>
    </Box>
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
