import type { InfiniteData, UseInfiniteQueryResult } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { formatCount } from '../format.ts';
import { VirtualTable, type HeaderSort, type RowSelection } from './VirtualTable.tsx';

export type { RowSelection } from './VirtualTable.tsx';

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

/** Rows from the end of those loaded at which the next page is fetched. */
const PREFETCH_ROWS = 40;

/**
 * A table over server-side pages: filtering and sorting happen on the server, and the next page is
 * fetched as the end of the loaded rows comes into view, so 50,000 rows cost one page at a time.
 * Selection is the caller's (it spans pages).
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
  const [lastVisible, setLastVisible] = useState(-1);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastVisible >= rows.length - PREFETCH_ROWS)
      void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, lastVisible, rows.length]);
  const headerSort = useMemo<HeaderSort | undefined>(
    () =>
      sort && {
        isSortable: (id) => (sort.sortable as readonly string[]).includes(id),
        direction: (id) => (sort.sort === id ? sort.order : false),
        toggle: (id) => {
          sort.onSort(id as Key, sort.sort === id && sort.order === 'asc' ? 'desc' : 'asc');
        },
      },
    [sort],
  );
  const onLastVisible = useCallback((i: number) => {
    setLastVisible(i);
  }, []);
  return (
    <VirtualTable
      label={label}
      rows={rows}
      total={total}
      columns={columns}
      rowId={rowId}
      {...(selection === undefined ? {} : { selection })}
      {...(headerSort === undefined ? {} : { sort: headerSort })}
      {...(onRowClick === undefined ? {} : { onRowClick })}
      maxHeight={height}
      loading={query.isPending}
      empty={empty}
      onLastVisible={onLastVisible}
      footer={
        query.isSuccess
          ? `${formatCount(total)} ${total === 1 ? 'row' : 'rows'}${rows.length < total ? `, ${formatCount(rows.length)} loaded` : ''}`
          : ''
      }
    />
  );
}
