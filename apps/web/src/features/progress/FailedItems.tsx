import type { JobProgress } from '@euca2nova/model';
import { Text, Title } from '@mantine/core';
import { kindTitle } from '../../resource-kinds.ts';
import { formatCount } from '../../format.ts';
import type { ColumnDef } from '@tanstack/react-table';
import { VirtualTable } from '../../components/VirtualTable.tsx';

type FailedItem = JobProgress['failedItems'][number];

const COLUMNS: ColumnDef<FailedItem>[] = [
  {
    id: 'Kind',
    header: 'Kind',
    meta: { width: 140 },
    cell: ({ row: { original: f } }) => <Text size="sm">{kindTitle(f.kind)}</Text>,
  },
  {
    id: 'Eucalyptus id',
    header: 'Eucalyptus id',
    meta: { width: 200 },
    cell: ({ row: { original: f } }) => (
      <Text size="sm" ff="monospace">
        {f.sourceId}
      </Text>
    ),
  },
  {
    id: 'Error',
    header: 'Error',
    cell: ({ row: { original: f } }) => (
      <Text size="sm" lineClamp={2} title={f.error}>
        {f.error}
      </Text>
    ),
  },
];

/** Items given up after their retries, with why: what "Retry failed items" runs again. */
export function FailedItems({ items }: { items: JobProgress['failedItems'] }) {
  if (items.length === 0) return null;
  return (
    <section aria-labelledby="failed-title">
      <Title order={3} size="h4" id="failed-title" mb={4}>
        Failed items ({formatCount(items.length)})
      </Title>
      <Text size="sm" c="dimmed" mb="xs">
        Everything else stays done. Once the cause is fixed, &ldquo;Retry failed items&rdquo; runs
        these again.
      </Text>
      <VirtualTable
        label="Failed items"
        rows={items}
        rowId={(f) => `${f.kind}:${f.sourceId}`}
        columns={COLUMNS}
        rowHeight={52}
        testId="failed-items"
      />
    </section>
  );
}
