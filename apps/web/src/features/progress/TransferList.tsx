import type { TransferProgress } from '@euca2nova/model';
import { Group, Progress, Stack, Text, Title } from '@mantine/core';
import { useMemo } from 'react';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatBytes, formatDuration, formatRate } from '../../format.ts';
import { PAUSED_LOOK, STOPPED_LOOK, TRANSFER_STATE_LOOK, type Halt } from './constants.ts';
import { percent } from './utils.ts';
import type { ColumnDef } from '@tanstack/react-table';
import { VirtualTable } from '../../components/VirtualTable.tsx';

/** A copy as shown: one in flight when the job paused or stopped keeps its bytes and waits. */
type ShownTransfer = Omit<TransferProgress, 'status'> & {
  status: TransferProgress['status'] | Halt;
};

function statusCell(t: ShownTransfer) {
  if (t.status === 'paused')
    return <StatusBadge tone={PAUSED_LOOK.tone}>{PAUSED_LOOK.label}</StatusBadge>;
  if (t.status === 'stopped')
    return <StatusBadge tone={STOPPED_LOOK.tone}>{STOPPED_LOOK.label}</StatusBadge>;
  const look = TRANSFER_STATE_LOOK[t.status];
  if (t.status === 'stalled')
    return (
      <StatusBadge tone={look.tone}>
        {`Stalled for ${formatDuration((t.stalledForSeconds ?? 0) * 1000)}`}
      </StatusBadge>
    );
  return (
    <Stack gap={2}>
      <StatusBadge tone={look.tone}>{look.label}</StatusBadge>
      {t.error !== null && (t.status === 'retrying' || t.status === 'failed') && (
        <Text size="xs" c="dimmed" lineClamp={1} title={t.error}>
          {t.error}
        </Text>
      )}
    </Stack>
  );
}

const COLUMNS: ColumnDef<ShownTransfer>[] = [
  {
    id: 'Image',
    header: 'Image',
    meta: { width: 150 },
    cell: ({ row: { original: t } }) => (
      <Text size="sm" ff="monospace">
        {t.sourceId}
      </Text>
    ),
  },
  {
    id: 'Status',
    header: 'Status',
    meta: { width: 220 },
    cell: ({ row }) => statusCell(row.original),
  },
  {
    id: 'Copied',
    header: 'Copied',
    cell: ({ row: { original: t } }) => (
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
    id: 'Rate',
    header: 'Rate',
    meta: { width: 120 },
    cell: ({ row: { original: t } }) => (
      <Text size="sm">{t.status === 'running' ? formatRate(t.bytesPerSecond) : '—'}</Text>
    ),
  },
  {
    id: 'Time left',
    header: 'Time left',
    meta: { width: 120 },
    cell: ({ row: { original: t } }) => (
      <Text size="sm">
        {t.status === 'running' && t.etaSeconds !== null
          ? formatDuration(t.etaSeconds * 1000)
          : '—'}
      </Text>
    ),
  },
];

/** Each image copy with its rate and time left; stalled, retrying and paused copies say so. */
export function TransferList({
  transfers,
  halt,
}: {
  transfers: readonly TransferProgress[];
  /** The job is paused or stopped: copies in flight keep their bytes and wait. */
  halt: Halt | undefined;
}) {
  const shown = useMemo<readonly ShownTransfer[]>(
    () =>
      halt === undefined
        ? transfers
        : transfers.map((t) =>
            t.status === 'running' || t.status === 'stalled' || t.status === 'retrying'
              ? { ...t, status: halt }
              : t,
          ),
    [transfers, halt],
  );
  const summary = useMemo(() => {
    const c = { running: 0, stalled: 0, retrying: 0, done: 0, failed: 0, paused: 0, stopped: 0 };
    for (const t of shown) c[t.status] += 1;
    return [
      `${String(c.done)} done`,
      c.running > 0 ? `${String(c.running)} copying` : undefined,
      c.paused > 0 ? `${String(c.paused)} paused` : undefined,
      c.stopped > 0 ? `${String(c.stopped)} stopped` : undefined,
      c.stalled > 0 ? `${String(c.stalled)} stalled` : undefined,
      c.retrying > 0 ? `${String(c.retrying)} retrying` : undefined,
      c.failed > 0 ? `${String(c.failed)} failed` : undefined,
    ]
      .filter(Boolean)
      .join(' · ');
  }, [shown]);
  return (
    <section aria-labelledby="transfers-title">
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h4" id="transfers-title">
          Image copies
        </Title>
        <Text size="sm" c="dimmed" data-testid="transfer-counts">
          {shown.length === 0 ? 'None started yet' : summary}
        </Text>
      </Group>
      {shown.length > 0 && (
        <VirtualTable
          label="Image copies"
          rows={shown}
          rowId={(t) => `${t.kind}:${t.sourceId}`}
          columns={COLUMNS}
          rowHeight={52}
          testId="transfers"
        />
      )}
    </section>
  );
}
