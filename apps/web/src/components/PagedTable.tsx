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
import type { InfiniteData, UseInfiniteQueryResult } from '@tanstack/react-query';
import { flexRender, getCoreRowModel, useReactTable, type ColumnDef } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, type ReactNode } from 'react';
import { formatCount } from '../format.ts';

export interface Page<Row> {
  total: number;
  offset: number;
  limit: number;
  rows: Row[];
}

/** Sorting done by the server: the column ids that sort, and the current sort. */
export interface ServerSort<Key extends string> {
  sortable: readonly Key[];
  sort: Key | undefined;
  order: 'asc' | 'desc';
  onSort: (key: Key, order: 'asc' | 'desc') => void;
}

export interface RowSelection<Row> {
  isSelected: (row: Row) => boolean;
  onToggle: (row: Row, selected: boolean) => void;
  /** Rows whose selection comes from elsewhere (e.g. a filter) and cannot be toggled here. */
  isDisabled?: (row: Row) => boolean;
}

const ROW_HEIGHT = 36;

/**
 * A table over server-side pages: only the rows in view are in the DOM (TanStack Virtual) and the
 * next page is fetched as the end comes near, so 50,000 rows scroll like 50. Filtering and sorting
 * happen on the server; selection is the caller's (it spans pages).
 */
export function PagedTable<Row, Key extends string = string>({
  label,
  query,
  columns,
  rowId,
  sort,
  selection,
  height = 420,
  empty = 'Nothing matches.',
  onRowClick,
}: {
  /** The table's accessible name. */
  label: string;
  query: UseInfiniteQueryResult<InfiniteData<Page<Row>>>;
  columns: ColumnDef<Row>[];
  rowId: (row: Row) => string;
  sort?: ServerSort<Key>;
  selection?: RowSelection<Row>;
  height?: number;
  empty?: ReactNode;
  onRowClick?: (row: Row) => void;
}) {
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.rows) ?? [], [query.data]);
  const total = query.data?.pages[0]?.total ?? 0;
  const scroller = useRef<HTMLDivElement>(null);
  // TanStack Virtual and Table hand back functions that are not memoisable; this app does not run
  // the React Compiler, so its warning does not apply.
  // eslint-disable-next-line react-hooks/incompatible-library -- see above
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const firstIndex = items[0]?.index ?? 0;
  const lastIndex = items.at(-1)?.index ?? 0;
  // The table gets only the rows in view: its row model costs per row given, and rebuilding it
  // over every loaded row at each new page made scrolling through 50,000 rows stutter.
  const visible = useMemo(
    () => rows.slice(firstIndex, lastIndex + 1),
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
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastIndex >= rows.length - 40) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, lastIndex, rows.length]);

  const paddingTop = items[0]?.start ?? 0;
  const paddingBottom = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);
  const columnCount = columns.length + (selection ? 1 : 0);
  const tableRows = table.getRowModel().rows;

  return (
    <Box>
      <Box
        ref={scroller}
        h={height}
        style={{ overflow: 'auto', border: '1px solid var(--mantine-color-gray-3)' }}
        tabIndex={0}
        aria-label={`${label}, scrollable`}
        role="region"
      >
        <Table stickyHeader striped highlightOnHover aria-label={label} aria-rowcount={total}>
          <Table.Thead>
            {table.getHeaderGroups().map((group) => (
              <Table.Tr key={group.id}>
                {selection && (
                  <Table.Th w={40}>
                    <VisuallyHidden>Selected</VisuallyHidden>
                  </Table.Th>
                )}
                {group.headers.map((header) => {
                  const key = header.column.id as Key;
                  const sortable = sort?.sortable.includes(key) === true;
                  const active = sort?.sort === key;
                  const title = flexRender(header.column.columnDef.header, header.getContext());
                  return (
                    <Table.Th
                      key={header.id}
                      aria-sort={
                        active ? (sort.order === 'desc' ? 'descending' : 'ascending') : undefined
                      }
                    >
                      {sortable ? (
                        <UnstyledButton
                          fw={600}
                          fz="sm"
                          onClick={() => {
                            sort.onSort(key, active && sort.order === 'asc' ? 'desc' : 'asc');
                          }}
                        >
                          {title} {active ? (sort.order === 'asc' ? '▲' : '▼') : '↕'}
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
                  h={ROW_HEIGHT}
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
        {query.isPending && (
          <Center p="md">
            <Loader size="sm" aria-label="Loading rows" />
          </Center>
        )}
        {query.isSuccess && rows.length === 0 && (
          <Text p="md" c="dimmed">
            {empty}
          </Text>
        )}
      </Box>
      <Text size="xs" c="dimmed" mt={4} aria-live="polite">
        {query.isSuccess
          ? `${formatCount(total)} ${total === 1 ? 'row' : 'rows'}${rows.length < total ? `, ${formatCount(rows.length)} loaded` : ''}`
          : ''}
      </Text>
    </Box>
  );
}
