import { Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useInfiniteQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { PLAN_ACTIONS, type PlanItem, type PlanSummary } from '@euca2nova/model';
import { planItemsQuery, type PlanItemsFilter } from '../../api/plans/plans.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PagedTable } from '../../components/PagedTable.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { KIND_ORDER, kindWords } from '../../resource-kinds.ts';
import { ACTION_INFO, RELATION_LABELS } from './constants.ts';

type SortKey = NonNullable<PlanItemsFilter['sort']>;
const SORTABLE: readonly SortKey[] = ['kind', 'sourceId', 'owner', 'action'];

const mono = (s: string | undefined) => (
  <Text ff="monospace" size="sm" truncate="end" title={s}>
    {s ?? '—'}
  </Text>
);

const columns: ColumnDef<PlanItem>[] = [
  { id: 'kind', header: 'Kind', cell: ({ row }) => kindWords(row.original.kind, 1) },
  { id: 'sourceId', header: 'Eucalyptus id', cell: ({ row }) => mono(row.original.sourceId) },
  { id: 'targetId', header: 'Nova id', cell: ({ row }) => mono(row.original.targetId) },
  { id: 'owner', header: 'Owner', cell: ({ row }) => row.original.owner ?? '—' },
  {
    id: 'action',
    header: 'Action',
    cell: ({ row }) => {
      const a = ACTION_INFO[row.original.action];
      return (
        <StatusBadge tone={a.tone} size="sm">
          {a.label}
        </StatusBadge>
      );
    },
  },
  {
    id: 'note',
    header: 'Why',
    cell: ({ row }) => {
      const { pulledInBy, reason } = row.original;
      const text = [
        pulledInBy === undefined
          ? undefined
          : `Pulled in: needed by ${kindWords(pulledInBy.kind, 1)} ${pulledInBy.sourceId} ${RELATION_LABELS[pulledInBy.relation] ?? `(${pulledInBy.relation})`}.`,
        reason,
      ]
        .filter((s) => s !== undefined)
        .join(' ');
      return (
        <Text size="sm" lineClamp={2} title={text}>
          {text === '' ? '—' : text}
        </Text>
      );
    },
  },
];

export interface ItemsFilterState {
  kind?: string;
  action?: string;
  pulledIn?: 'true' | 'false';
}

/** Every item of the plan, filtered and sorted on the server, a page at a time. */
export function PlanItemsTable({
  plan,
  filter,
  onFilter,
}: {
  plan: PlanSummary;
  filter: ItemsFilterState;
  onFilter: (f: ItemsFilterState) => void;
}) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const [sort, setSort] = useState<{ sort?: SortKey; order: 'asc' | 'desc' }>({ order: 'asc' });
  const query = useInfiniteQuery(
    planItemsQuery(plan.id, {
      ...filter,
      ...(q === '' ? {} : { q }),
      ...(sort.sort === undefined ? {} : { sort: sort.sort, order: sort.order }),
    }),
  );
  const kinds = useMemo(
    () => [
      { value: 'all', label: 'Every kind' },
      ...KIND_ORDER.filter((k) => plan.counts[k] !== undefined).map((k) => ({
        value: k,
        label: kindWords(k, 2),
      })),
    ],
    [plan.counts],
  );
  return (
    <Stack gap="xs" component="section" aria-labelledby="items-title">
      <Title order={3} size="h4" id="items-title">
        The items
      </Title>
      <Group align="flex-end" gap="sm">
        <Select
          label="Kind"
          data={kinds}
          value={filter.kind ?? 'all'}
          allowDeselect={false}
          w={180}
          onChange={(v) => {
            onFilter({ ...filter, kind: v === null || v === 'all' ? undefined : v });
          }}
        />
        <Select
          label="Action"
          data={[
            { value: 'all', label: 'Every action' },
            ...PLAN_ACTIONS.map((a) => ({ value: a, label: ACTION_INFO[a].label })),
          ]}
          value={filter.action ?? 'all'}
          allowDeselect={false}
          w={180}
          onChange={(v) => {
            onFilter({ ...filter, action: v === null || v === 'all' ? undefined : v });
          }}
        />
        <Select
          label="Chosen or pulled in"
          data={[
            { value: 'all', label: 'Both' },
            { value: 'false', label: 'Chosen' },
            { value: 'true', label: 'Pulled in' },
          ]}
          value={filter.pulledIn ?? 'all'}
          allowDeselect={false}
          w={180}
          onChange={(v) => {
            onFilter({
              ...filter,
              pulledIn: v === 'true' || v === 'false' ? v : undefined,
            });
          }}
        />
        <TextInput
          label="Search ids and owners"
          value={search}
          onChange={(e) => {
            setSearch(e.currentTarget.value);
          }}
          w={260}
        />
      </Group>
      {query.isError ? (
        <ErrorAlert
          error={query.error}
          title="The items could not be read"
          onRetry={() => {
            void query.refetch();
          }}
        />
      ) : (
        <PagedTable<PlanItem, SortKey>
          label="Plan items"
          query={query}
          columns={columns}
          rowId={(r) => `${r.kind}:${r.sourceId}`}
          height={380}
          sort={{
            sortable: SORTABLE,
            sort: sort.sort,
            order: sort.order,
            onSort: (key, order) => {
              setSort({ sort: key, order });
            },
          }}
        />
      )}
    </Stack>
  );
}
