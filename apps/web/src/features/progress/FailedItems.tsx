import type { JobProgress } from '@euca2nova/model';
import { Text, Title } from '@mantine/core';
import { kindTitle } from '../../resource-kinds.ts';
import { formatCount } from '../../format.ts';
import { VirtualTable, type VirtualColumn } from './VirtualTable.tsx';

type FailedItem = JobProgress['failedItems'][number];

const COLUMNS: readonly VirtualColumn<FailedItem>[] = [
  { header: 'Kind', width: 140, cell: (f) => <Text size="sm">{kindTitle(f.kind)}</Text> },
  {
    header: 'Eucalyptus id',
    width: 200,
    cell: (f) => (
      <Text size="sm" ff="monospace">
        {f.sourceId}
      </Text>
    ),
  },
  {
    header: 'Error',
    cell: (f) => (
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
        rowKey={(f) => `${f.kind}:${f.sourceId}`}
        columns={COLUMNS}
        testId="failed-items"
      />
    </section>
  );
}
