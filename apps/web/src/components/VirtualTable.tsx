import {
  Box,
  Center,
  Checkbox,
  Loader,
  Table,
  Text,
  UnstyledButton,
  VisuallyHidden,
} from '@mantine/core';
import {
  flexRender,
  getCoreRowModel,
  useReactTable,
  type ColumnDef,
  type RowData,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, type ReactNode } from 'react';

declare module '@tanstack/react-table' {
  // The column's width in the header (a number of pixels or a CSS length).
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the generics must match the library's declaration
  interface ColumnMeta<TData extends RowData, TValue> {
    width?: number | string;
  }
}

export interface RowSelection<Row> {
  isSelected: (row: Row) => boolean;
  /** A row the selection already covers otherwise (shown checked, locked). */
  isDisabled?: (row: Row) => boolean;
  onToggle: (row: Row, selected: boolean) => void;
}

/** How the header sorts, wherever the sorting happens (the server, or the page). */
export interface HeaderSort {
  isSortable: (columnId: string) => boolean;
  direction: (columnId: string) => 'asc' | 'desc' | false;
  toggle: (columnId: string) => void;
}

/**
 * A table of which only the rows in view are in the DOM (TanStack Virtual) and handed to TanStack
 * Table (its row model costs per row given): 50,000 rows scroll and re-render like 40. Where the
 * rows come from and how they are sorted is the caller's (PagedTable: server pages; LocalTable:
 * rows in the page).
 */
export function VirtualTable<Row>({
  label,
  rows,
  total = rows.length,
  columns,
  rowId,
  selection,
  sort,
  maxHeight = 420,
  rowHeight = 36,
  loading = false,
  empty = 'Nothing matches.',
  footer,
  testId,
  onRowClick,
  onLastVisible,
}: {
  /** The table's accessible name. */
  label: string;
  /** The rows known so far, in order. */
  rows: readonly Row[];
  /** All the rows there are (more than `rows` while pages are still to come). */
  total?: number;
  columns: ColumnDef<Row>[];
  rowId: (row: Row) => string;
  selection?: RowSelection<Row>;
  sort?: HeaderSort;
  maxHeight?: number;
  rowHeight?: number;
  loading?: boolean;
  empty?: ReactNode;
  /** Under the table, read out when it changes (counts). */
  footer?: ReactNode;
  testId?: string;
  onRowClick?: (row: Row) => void;
  /** Told the index of the last row in view whenever it changes (to fetch the next page). */
  onLastVisible?: (index: number) => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  // TanStack Table and Virtual hand back functions that are not memoisable; this app does not run
  // the React Compiler, so its warning does not apply.
  // eslint-disable-next-line react-hooks/incompatible-library -- see above
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const firstIndex = items[0]?.index ?? 0;
  const lastIndex = items.at(-1)?.index ?? -1;
  useEffect(() => {
    onLastVisible?.(lastIndex);
  }, [onLastVisible, lastIndex]);
  const visible = useMemo(
    (): Row[] => rows.slice(firstIndex, lastIndex + 1),
    [rows, firstIndex, lastIndex],
  );
  const table = useReactTable({
    data: visible,
    columns,
    getRowId: rowId,
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    manualFiltering: true,
  });
  const tableRows = table.getRowModel().rows;
  const paddingTop = items[0]?.start ?? 0;
  const paddingBottom = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);
  const columnCount = columns.length + (selection ? 1 : 0);

  return (
    <Box>
      <Box
        ref={scroller}
        mah={maxHeight}
        style={{ overflow: 'auto', border: '1px solid var(--mantine-color-gray-3)' }}
        tabIndex={0}
        aria-label={`${label}, scrollable`}
        role="region"
      >
        <Table
          stickyHeader
          striped
          highlightOnHover
          aria-label={label}
          // The header row counts too.
          aria-rowcount={total + 1}
          data-testid={testId}
        >
          <Table.Thead>
            {table.getHeaderGroups().map((group) => (
              <Table.Tr key={group.id}>
                {selection && (
                  <Table.Th w={40}>
                    <VisuallyHidden>Selected</VisuallyHidden>
                  </Table.Th>
                )}
                {group.headers.map((header) => {
                  const id = header.column.id;
                  const direction = sort?.direction(id) ?? false;
                  const title = flexRender(header.column.columnDef.header, header.getContext());
                  return (
                    <Table.Th
                      key={header.id}
                      w={header.column.columnDef.meta?.width}
                      aria-sort={
                        direction === 'asc'
                          ? 'ascending'
                          : direction === 'desc'
                            ? 'descending'
                            : undefined
                      }
                    >
                      {sort?.isSortable(id) === true ? (
                        <UnstyledButton
                          fw={600}
                          fz="sm"
                          onClick={() => {
                            sort.toggle(id);
                          }}
                        >
                          {title} {direction === 'asc' ? '▲' : direction === 'desc' ? '▼' : '↕'}
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
                <Table.Tr
                  key={row.id}
                  h={rowHeight}
                  aria-rowindex={v.index + 2}
                  onClick={
                    onRowClick
                      ? () => {
                          onRowClick(row.original);
                        }
                      : undefined
                  }
                  style={onRowClick ? { cursor: 'pointer' } : undefined}
                >
                  {selection && (
                    <Table.Td>
                      <Checkbox
                        aria-label={`Select ${row.id}`}
                        checked={selection.isSelected(row.original)}
                        disabled={selection.isDisabled?.(row.original) === true}
                        onClick={(e) => {
                          e.stopPropagation();
                        }}
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
        {loading && (
          <Center p="md">
            <Loader size="sm" aria-label="Loading rows" />
          </Center>
        )}
        {!loading && rows.length === 0 && (
          <Text p="md" c="dimmed">
            {empty}
          </Text>
        )}
      </Box>
      {footer !== undefined && (
        <Text size="xs" c="dimmed" mt={4} aria-live="polite">
          {footer}
        </Text>
      )}
    </Box>
  );
}
