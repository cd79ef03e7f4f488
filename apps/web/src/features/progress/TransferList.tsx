import type { TransferProgress } from '@euca2nova/model';
import { Group, Progress, Stack, Text, Title } from '@mantine/core';
import { useMemo } from 'react';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatBytes, formatDuration, formatRate } from '../../format.ts';
import { TRANSFER_STATE_LOOK } from './constants.ts';
import { percent } from './utils.ts';
import { VirtualTable, type VirtualColumn } from './VirtualTable.tsx';

function statusCell(t: TransferProgress) {
  const look = TRANSFER_STATE_LOOK[t.status];
  if (t.status === 'stalled')
    return (
      <StatusBadge
        {...look}
        label={`Stalled for ${formatDuration((t.stalledForSeconds ?? 0) * 1000)}`}
      />
    );
  return (
    <Stack gap={2}>
      <StatusBadge {...look} />
      {t.error !== null && (t.status === 'retrying' || t.status === 'failed') && (
        <Text size="xs" c="dimmed" lineClamp={1} title={t.error}>
          {t.error}
        </Text>
      )}
    </Stack>
  );
}

const COLUMNS: readonly VirtualColumn<TransferProgress>[] = [
  {
    header: 'Image',
    width: 150,
    cell: (t) => (
      <Text size="sm" ff="monospace">
        {t.sourceId}
      </Text>
    ),
  },
  { header: 'Status', width: 220, cell: statusCell },
  {
    header: 'Copied',
    cell: (t) => (
      <Stack gap={4}>
        <Text size="sm">
          {formatBytes(t.bytesDone)}
          {t.bytesTotal !== null && ` of ${formatBytes(t.bytesTotal)}`}
        </Text>
        <Progress
          size="sm"
          value={Math.round(t.status === 'done' ? 100 : percent(t.bytesDone, t.bytesTotal))}
          color={t.status === 'failed' ? 'red' : t.status === 'stalled' ? 'orange' : 'teal'}
          aria-label={`${t.sourceId}: bytes copied`}
        />
      </Stack>
    ),
  },
  {
    header: 'Rate',
    width: 120,
    cell: (t) => (
      <Text size="sm">{t.status === 'running' ? formatRate(t.bytesPerSecond) : '—'}</Text>
    ),
  },
  {
    header: 'Time left',
    width: 120,
    cell: (t) => (
      <Text size="sm">
        {t.status === 'running' && t.etaSeconds !== null
          ? formatDuration(t.etaSeconds * 1000)
          : '—'}
      </Text>
    ),
  },
];

/** Each image copy with its rate and time left; stalled and retrying copies say so. */
export function TransferList({ transfers }: { transfers: readonly TransferProgress[] }) {
  const counts = useMemo(() => {
    const c = { running: 0, stalled: 0, retrying: 0, done: 0, failed: 0 };
    for (const t of transfers) c[t.status] += 1;
    return c;
  }, [transfers]);
  return (
    <section aria-labelledby="transfers-title">
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h4" id="transfers-title">
          Image copies
        </Title>
        <Text size="sm" c="dimmed" data-testid="transfer-counts">
          {transfers.length === 0
            ? 'None started yet'
            : [
                `${String(counts.done)} done`,
                `${String(counts.running)} copying`,
                counts.stalled > 0 ? `${String(counts.stalled)} stalled` : undefined,
                counts.retrying > 0 ? `${String(counts.retrying)} retrying` : undefined,
                counts.failed > 0 ? `${String(counts.failed)} failed` : undefined,
              ]
                .filter(Boolean)
                .join(' · ')}
        </Text>
      </Group>
      {transfers.length > 0 && (
        <VirtualTable
          label="Image copies"
          rows={transfers}
          rowKey={(t) => `${t.kind}:${t.sourceId}`}
          columns={COLUMNS}
          testId="transfers"
        />
      )}
    </section>
  );
}
