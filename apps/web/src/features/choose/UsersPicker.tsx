import type { InventoryOverviewSchema } from '@euca2nova/model';
import { Button, Fieldset, Group, Text, TextInput } from '@mantine/core';
import type { ColumnDef } from '@tanstack/react-table';
import { useDeferredValue, useMemo, useState } from 'react';
import type { z } from 'zod';
import { LocalTable } from '../../components/LocalTable.tsx';
import { formatBytes, formatCount } from '../../format.ts';
import type { ChooseActions } from './useChooseState.ts';
import type { ChooseState } from './utils.ts';

type UserRow = z.infer<typeof InventoryOverviewSchema>['overview']['users'][number];

const COLUMNS: ColumnDef<UserRow>[] = [
  { id: 'user', header: 'User', accessorFn: (u) => u.user },
  { id: 'instance', header: 'Instances', accessorFn: (u) => u.counts.instance ?? 0 },
  { id: 'image', header: 'Images', accessorFn: (u) => u.counts.image ?? 0 },
  { id: 'volume', header: 'Volumes', accessorFn: (u) => u.counts.volume ?? 0 },
  { id: 'address', header: 'Elastic IPs', accessorFn: (u) => u.counts.address ?? 0 },
  {
    id: 'imageBytes',
    header: 'Image bytes',
    accessorFn: (u) => u.imageBytes,
    cell: (c) => formatBytes(c.getValue<number>()),
  },
];

/** Choose by user: every user of the cloud (virtualized), searchable, multi-select. */
export function UsersPicker({
  users,
  state,
  actions,
}: {
  users: UserRow[];
  state: ChooseState;
  actions: ChooseActions;
}) {
  const [search, setSearch] = useState('');
  const q = useDeferredValue(search.trim().toLowerCase());
  const rows = useMemo(
    () => (q === '' ? users : users.filter((u) => u.user.toLowerCase().includes(q))),
    [users, q],
  );
  const selection = useMemo(
    () => ({
      isSelected: (u: UserRow) => state.users.has(u.user),
      onToggle: (u: UserRow, on: boolean) => {
        actions.setUsers([u.user], on);
      },
    }),
    [state.users, actions],
  );
  const off = state.kinds.size === 0;
  return (
    <Fieldset legend="By user">
      <Text size="sm" mb="xs">
        {state.users.size === 0
          ? 'Every user. Select users to migrate only theirs.'
          : `${formatCount(state.users.size)} of ${formatCount(users.length)} users selected.`}
        {off && state.users.size > 0
          ? ' No kind is checked, so the users chosen here take nothing until a kind is.'
          : ''}
      </Text>
      <Group mb="xs" align="flex-end" gap="xs">
        <TextInput
          label="Search users"
          placeholder="user name"
          value={search}
          onChange={(e) => {
            setSearch(e.currentTarget.value);
          }}
          w={240}
        />
        <Button
          size="sm"
          variant="default"
          disabled={rows.length === 0}
          onClick={() => {
            actions.setUsers(
              rows.map((u) => u.user),
              true,
            );
          }}
        >
          Select the {formatCount(rows.length)} shown
        </Button>
        <Button
          size="sm"
          variant="default"
          disabled={state.users.size === 0}
          onClick={actions.clearUsers}
        >
          Every user
        </Button>
      </Group>
      <LocalTable
        label="Users"
        rows={rows}
        columns={COLUMNS}
        rowId={(u) => u.user}
        selection={selection}
        height={300}
        empty="No user matches."
      />
    </Fieldset>
  );
}
