import type { ResourceKind } from '@euca2nova/model';
import { Button, Group, Select, Tabs, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useInfiniteQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import {
  inventoryItemsQuery,
  type InventoryItemRow,
  type InventoryItemsFilter,
} from '../../api/inventories/inventories.ts';
import { PagedTable, type RowSelection } from '../../components/PagedTable.tsx';
import { formatBytes, formatCount } from '../../format.ts';
import { kindLabel } from '../../resource-kinds.ts';
import type { ChooseActions } from './useChooseState.ts';
import { coveredByFilter, isPicked, type ChooseState } from './utils.ts';

type SortKey = NonNullable<InventoryItemsFilter['sort']>;
const SORTABLE: readonly SortKey[] = ['sourceId', 'owner', 'name', 'state', 'sizeBytes'];

/** What the generic columns mean for each kind (the server's `name` differs per kind). */
const HEADERS: Partial<Record<ResourceKind, Partial<Record<SortKey, string>>>> = {
  user: { sourceId: 'User', name: 'Name', state: 'State' },
  keyPair: { sourceId: 'Key pair', name: 'Key name' },
  securityGroup: { sourceId: 'Group', name: 'Group name' },
  address: { sourceId: 'Public IP', name: 'Instance' },
  image: { sourceId: 'Image', name: 'Name or location', sizeBytes: 'Size' },
  volume: { sourceId: 'Volume', sizeBytes: 'Size' },
  snapshot: { sourceId: 'Snapshot', name: 'Description' },
  instance: { sourceId: 'Instance', name: 'Private IP' },
};

const DEFAULT_HEADERS: Record<SortKey, string> = {
  sourceId: 'Id',
  owner: 'Owner',
  name: 'Name',
  state: 'State',
  sizeBytes: 'Size',
};

/** Which columns say something for a kind (users have no owner, few kinds have a size). */
const COLUMNS_OF: Partial<Record<ResourceKind, readonly SortKey[]>> = {
  user: ['sourceId', 'name', 'state'],
  keyPair: ['sourceId', 'owner', 'name'],
  securityGroup: ['sourceId', 'owner', 'name'],
  image: ['sourceId', 'owner', 'name', 'state', 'sizeBytes'],
  volume: ['sourceId', 'owner', 'state', 'sizeBytes'],
};

function columnsFor(kind: ResourceKind): ColumnDef<InventoryItemRow>[] {
  const keys = COLUMNS_OF[kind] ?? ['sourceId', 'owner', 'name', 'state'];
  return keys.map((key): ColumnDef<InventoryItemRow> => ({
    id: key,
    header: HEADERS[kind]?.[key] ?? DEFAULT_HEADERS[key],
    accessorFn: (r) => r[key],
    cell: (c) => {
      const v = c.getValue<string | number | null>();
      if (v === null) return '—';
      return key === 'sizeBytes' && typeof v === 'number' ? formatBytes(v) : String(v);
    },
  }));
}

/**
 * The items themselves, one tab per kind: search (debounced), owner filter and sorting done by
 * the server a page of 200 at a time, and a checkbox per row to pick it by hand. Rows the
 * kind-and-user filter already takes show checked and locked.
 */
export function ItemTables({
  inventoryId,
  kinds,
  counts,
  users,
  state,
  actions,
}: {
  inventoryId: string;
  kinds: readonly ResourceKind[];
  counts: Readonly<Record<string, number>>;
  users: readonly string[];
  state: ChooseState;
  actions: ChooseActions;
}) {
  const [tab, setTab] = useState<ResourceKind | null>(kinds.find((k) => k !== 'user') ?? null);
  return (
    <Tabs
      value={tab}
      onChange={(v) => {
        setTab(v as ResourceKind | null);
      }}
      keepMounted={false}
    >
      <Tabs.List>
        {kinds.map((k) => {
          const picked = state.items.get(k)?.size ?? 0;
          return (
            <Tabs.Tab key={k} value={k}>
              {kindLabel(k)} ({formatCount(counts[k] ?? 0)})
              {picked > 0 ? `, ${formatCount(picked)} picked` : ''}
            </Tabs.Tab>
          );
        })}
      </Tabs.List>
      {kinds.map((k) => (
        <Tabs.Panel key={k} value={k} pt="sm">
          <KindTable
            inventoryId={inventoryId}
            kind={k}
            users={users}
            state={state}
            actions={actions}
          />
        </Tabs.Panel>
      ))}
    </Tabs>
  );
}

function KindTable({
  inventoryId,
  kind,
  users,
  state,
  actions,
}: {
  inventoryId: string;
  kind: ResourceKind;
  users: readonly string[];
  state: ChooseState;
  actions: ChooseActions;
}) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const [owner, setOwner] = useState<string | null>(null);
  const [sort, setSort] = useState<{ key: SortKey | undefined; order: 'asc' | 'desc' }>({
    key: undefined,
    order: 'asc',
  });
  const filter: InventoryItemsFilter = {
    kind,
    ...(q === '' ? {} : { q }),
    ...(owner === null ? {} : { owner }),
    ...(sort.key === undefined ? {} : { sort: sort.key, order: sort.order }),
  };
  const query = useInfiniteQuery(inventoryItemsQuery(inventoryId, filter));
  const columns = useMemo(() => columnsFor(kind), [kind]);
  const selection = useMemo<RowSelection<InventoryItemRow>>(
    () => ({
      isSelected: (r) => coveredByFilter(state, r) || isPicked(state, r),
      isDisabled: (r) => coveredByFilter(state, r),
      onToggle: (r, on) => {
        actions.setItems(kind, [r.sourceId], on);
      },
    }),
    [state, actions, kind],
  );
  const picked = state.items.get(kind)?.size ?? 0;
  const label = kindLabel(kind);
  const loaded = useMemo(() => query.data?.pages.flatMap((p) => p.rows) ?? [], [query.data]);
  return (
    <>
      <Group align="flex-end" gap="sm" mb="xs">
        <TextInput
          label={`Search ${label.toLowerCase()}`}
          placeholder="id, owner or name"
          value={search}
          onChange={(e) => {
            setSearch(e.currentTarget.value);
          }}
          w={260}
        />
        {kind !== 'user' && (
          <Select
            label="Owner"
            placeholder="Every owner"
            searchable
            clearable
            limit={100}
            data={users as string[]}
            value={owner}
            onChange={setOwner}
            nothingFoundMessage="No such user"
            w={240}
          />
        )}
        <Button
          variant="default"
          disabled={loaded.length === 0}
          onClick={() => {
            actions.setItems(
              kind,
              loaded.filter((r) => !coveredByFilter(state, r)).map((r) => r.sourceId),
              true,
            );
          }}
        >
          Pick the {formatCount(loaded.length)} loaded
        </Button>
        <Button
          variant="default"
          disabled={picked === 0}
          onClick={() => {
            actions.clearItems(kind);
          }}
        >
          Unpick all {label.toLowerCase()}
        </Button>
      </Group>
      {picked > 0 && (
        <Text size="sm" mb="xs">
          {formatCount(picked)} {label.toLowerCase()} picked by hand.
        </Text>
      )}
      <PagedTable<InventoryItemRow, SortKey>
        label={label}
        query={query}
        columns={columns}
        rowId={(r) => r.sourceId}
        sort={{
          sortable: SORTABLE,
          sort: sort.key,
          order: sort.order,
          onSort: (key, order) => {
            setSort({ key, order });
          },
        }}
        selection={selection}
        empty={q !== '' || owner !== null ? 'Nothing matches the search.' : 'None in this cloud.'}
      />
    </>
  );
}
