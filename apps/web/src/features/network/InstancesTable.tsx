import { Group, Select, Stack, Text, Title } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import type { NetworkView } from '@euca2nova/model';
import { planNetworkInstancesQuery, type NetworkInstance } from '../../api/plans/plans.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PagedTable } from '../../components/PagedTable.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatCount, plural } from '../../format.ts';
import { INSTANCE_STATUS, type InstanceStatus } from './constants.ts';

const columns: ColumnDef<NetworkInstance>[] = [
  {
    id: 'instanceId',
    header: 'Instance',
    cell: ({ row }) => (
      <Text ff="monospace" size="sm">
        {row.original.instanceId}
      </Text>
    ),
  },
  { id: 'projectId', header: 'Project', cell: ({ row }) => row.original.projectId ?? '—' },
  {
    id: 'sourceIp',
    header: 'Eucalyptus IP',
    cell: ({ row }) => (
      <Text ff="monospace" size="sm">
        {row.original.sourceIp ?? '—'}
      </Text>
    ),
  },
  {
    id: 'novaIp',
    header: 'Nova IP',
    cell: ({ row }) => (
      <Text ff="monospace" size="sm">
        {row.original.novaIp ?? '—'}
      </Text>
    ),
  },
  {
    id: 'status',
    header: 'Fixed IP',
    cell: ({ row }) => {
      const s = INSTANCE_STATUS[row.original.status];
      return (
        <StatusBadge tone={s.tone} size="sm">
          {s.label}
        </StatusBadge>
      );
    },
  },
  {
    id: 'reason',
    header: 'Why',
    cell: ({ row }) => (
      <Text size="sm" lineClamp={2} title={row.original.reason}>
        {row.original.reason}
      </Text>
    ),
  },
];

/** Per instance: whether its fixed IP is kept or changes, and why; changed ones first. */
export function InstancesTable({
  planId,
  counts,
}: {
  planId: string;
  counts: Pick<NetworkView['instances'], 'total' | 'kept' | 'changed' | 'other'>;
}) {
  const [status, setStatus] = useState<InstanceStatus | undefined>(undefined);
  const query = useInfiniteQuery(
    planNetworkInstancesQuery(planId, status === undefined ? {} : { status }),
  );
  const options = useMemo(
    () => [
      { value: 'all', label: `Every instance (${formatCount(counts.total)})` },
      {
        value: 'changed',
        label: `${INSTANCE_STATUS.changed.filter} (${formatCount(counts.changed)})`,
      },
      { value: 'kept', label: `${INSTANCE_STATUS.kept.filter} (${formatCount(counts.kept)})` },
      { value: 'external', label: INSTANCE_STATUS.external.filter },
      { value: 'none', label: INSTANCE_STATUS.none.filter },
    ],
    [counts],
  );
  return (
    <Stack gap="xs" component="section" aria-labelledby="instances-title">
      <div>
        <Title order={3} size="h4" id="instances-title">
          Fixed IPs of the instances
        </Title>
        <Group gap="xs" mt={4} data-testid="fixed-ip-counts">
          <StatusBadge tone="ok">{formatCount(counts.kept)} kept</StatusBadge>
          <StatusBadge tone="warn">{formatCount(counts.changed)} change</StatusBadge>
          {counts.other > 0 && (
            <StatusBadge tone="info">{formatCount(counts.other)} other</StatusBadge>
          )}
          <Text size="sm" c="dimmed">
            of {plural(counts.total, 'instance')}. An instance whose address changes needs its guest
            (or its DHCP reservation) set up again after the run.
          </Text>
        </Group>
      </div>
      <Select
        label="Show"
        data={options}
        value={status ?? 'all'}
        onChange={(v) => {
          setStatus(v === null || v === 'all' ? undefined : (v as InstanceStatus));
        }}
        allowDeselect={false}
        w={320}
      />
      {query.isError ? (
        <ErrorAlert
          error={query.error}
          title="The instances could not be read"
          onRetry={() => {
            void query.refetch();
          }}
        />
      ) : (
        <PagedTable
          label="Fixed IPs of the instances"
          query={query}
          columns={columns}
          rowId={(r) => r.instanceId}
          height={360}
          empty={
            counts.total === 0 ? 'The plan moves no instance.' : 'No instance has this status.'
          }
        />
      )}
    </Stack>
  );
}
