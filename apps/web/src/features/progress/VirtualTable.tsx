import { Box, Table } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef, type ReactNode } from 'react';

export interface VirtualColumn<Row> {
  header: string;
  cell: (row: Row) => ReactNode;
  width?: number | string;
}

/**
 * A table of rows already in memory (image copies, failed items), with only the rows in view in
 * the DOM: a run of 20,000 images scrolls like one of 20. Short lists take only their height.
 */
export function VirtualTable<Row>({
  label,
  rows,
  rowKey,
  columns,
  rowHeight = 52,
  maxHeight = 420,
  testId,
}: {
  label: string;
  rows: readonly Row[];
  rowKey: (row: Row) => string;
  columns: readonly VirtualColumn<Row>[];
  rowHeight?: number;
  maxHeight?: number;
  testId?: string;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  // TanStack Virtual hands back functions that are not memoisable; this app does not run the React
  // Compiler, so its warning does not apply.
  // eslint-disable-next-line react-hooks/incompatible-library -- see above
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 8,
  });
  const items = virtualizer.getVirtualItems();
  const paddingTop = items[0]?.start ?? 0;
  const paddingBottom = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);
  const height = Math.min(maxHeight, (rows.length + 1) * rowHeight + 8);
  return (
    <Box
      ref={scroller}
      h={height}
      style={{ overflow: 'auto', border: '1px solid var(--mantine-color-gray-3)' }}
      tabIndex={0}
      role="region"
      aria-label={`${label}, scrollable`}
    >
      <Table
        stickyHeader
        striped
        aria-label={label}
        aria-rowcount={rows.length + 1}
        data-testid={testId}
      >
        <Table.Thead>
          <Table.Tr>
            {columns.map((c) => (
              <Table.Th key={c.header} w={c.width}>
                {c.header}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {paddingTop > 0 && (
            <tr aria-hidden="true">
              <td colSpan={columns.length} style={{ height: paddingTop, padding: 0 }} />
            </tr>
          )}
          {items.map((v) => {
            const row = rows[v.index];
            if (row === undefined) return null;
            return (
              <Table.Tr key={rowKey(row)} h={rowHeight} aria-rowindex={v.index + 2}>
                {columns.map((c) => (
                  <Table.Td key={c.header}>{c.cell(row)}</Table.Td>
                ))}
              </Table.Tr>
            );
          })}
          {paddingBottom > 0 && (
            <tr aria-hidden="true">
              <td colSpan={columns.length} style={{ height: paddingBottom, padding: 0 }} />
            </tr>
          )}
        </Table.Tbody>
      </Table>
    </Box>
  );
}
