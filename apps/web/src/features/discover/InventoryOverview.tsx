import type { InventoryOverviewSchema } from '@euca2nova/model';
import {
  Badge,
  Card,
  Group,
  List,
  Loader,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useDeferredValue, useMemo, useState } from 'react';
import type { z } from 'zod';
import { inventoryQuery } from '../../api/inventories/inventories.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { LocalTable } from '../../components/LocalTable.tsx';
import { formatBytes, formatCount, formatTime } from '../../format.ts';
import { KIND_ORDER, kindLabel } from '../../resource-kinds.ts';
import { SEVERITY_STYLE } from './constants.ts';

type Overview = z.infer<typeof InventoryOverviewSchema>;
type UserRow = Overview['overview']['users'][number];

/** Kinds a user owns (their own user row is not counted in their line). */
const USER_KINDS = KIND_ORDER.filter((k) => k !== 'user' && k !== 'network');

/**
 * What discovery found: counts per kind, total image bytes, the network mode, findings (by
 * severity, in words and colour), and one line per user (virtualized and searchable: a cloud can
 * have thousands).
 */
export function InventoryOverview({ id }: { id: string }) {
  const inventory = useQuery(inventoryQuery(id));
  if (inventory.isPending)
    return (
      <Group role="status">
        <Loader size="sm" aria-hidden="true" />
        <Text>Loading what was found…</Text>
      </Group>
    );
  if (inventory.isError)
    return (
      <ErrorAlert
        error={inventory.error}
        title="The inventory could not be loaded"
        onRetry={() => void inventory.refetch()}
      />
    );
  const inv = inventory.data;
  const source = (inv.metadata as { source?: { version?: string; endpoint?: string } }).source;
  const network = inv.network as { mode?: string; source?: string };
  return (
    <Stack gap="md">
      <Card withBorder component="section" aria-labelledby="overview-title">
        <Stack gap="sm">
          <Title order={3} size="h4" id="overview-title">
            The cloud
          </Title>
          <Text size="sm">
            Eucalyptus{' '}
            {source?.version === undefined
              ? '?'
              : source.version.includes('.')
                ? source.version
                : `${source.version}.x`}{' '}
            at {source?.endpoint ?? '?'}, read {formatTime(inv.createdAt)}. Network mode{' '}
            <Text span fw={600} size="sm" data-testid="network-mode">
              {network.mode ?? inv.networkMode}
            </Text>
            {network.source === undefined ? '' : ` (from ${network.source})`}.
          </Text>
          <SimpleGrid cols={{ base: 2, sm: 3, md: 5 }} spacing="sm">
            {KIND_ORDER.filter((k) => inv.overview.counts[k] !== undefined).map((k) => (
              <Stat
                key={k}
                label={kindLabel(k)}
                value={formatCount(inv.overview.counts[k] ?? 0)}
                testId={`count-${k}`}
              />
            ))}
            <Stat
              label="Image bytes"
              value={formatBytes(inv.overview.imageBytes)}
              testId="image-bytes"
            />
          </SimpleGrid>
        </Stack>
      </Card>
      <Findings findings={inv.findings} />
      <UsersOverview users={inv.overview.users} />
    </Stack>
  );
}

function Stat({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="xl" fw={700} data-testid={testId}>
        {value}
      </Text>
    </Card>
  );
}

function Findings({ findings }: { findings: Overview['findings'] }) {
  return (
    <Card withBorder component="section" aria-labelledby="findings-title">
      <Title order={3} size="h4" id="findings-title" mb="xs">
        Findings of the discovery
      </Title>
      {findings.length === 0 ? (
        <Text size="sm">Nothing to report: every item was read cleanly.</Text>
      ) : (
        <List spacing="sm" listStyleType="none" aria-label="Findings">
          {findings.map((f, i) => {
            const style = SEVERITY_STYLE[f.severity];
            return (
              <List.Item key={`${f.ruleId}-${String(i)}`}>
                <Group gap="xs" align="flex-start" wrap="nowrap">
                  <Badge color={style.color} autoContrast w={90} style={{ flexShrink: 0 }}>
                    {style.label}
                  </Badge>
                  <div>
                    <Text size="sm">{f.message}</Text>
                    <Text size="sm" c="dimmed">
                      What to do: {f.remedy}
                    </Text>
                    {f.affectedIds.length > 0 && (
                      <Text size="xs" c="dimmed">
                        Affects {f.affectedIds.slice(0, 8).join(', ')}
                        {f.affectedIds.length > 8
                          ? ` and ${formatCount(f.affectedIds.length - 8)} more`
                          : ''}
                      </Text>
                    )}
                  </div>
                </Group>
              </List.Item>
            );
          })}
        </List>
      )}
    </Card>
  );
}

function UsersOverview({ users }: { users: UserRow[] }) {
  const [search, setSearch] = useState('');
  const q = useDeferredValue(search.trim().toLowerCase());
  const rows = useMemo(
    () => (q === '' ? users : users.filter((u) => u.user.toLowerCase().includes(q))),
    [users, q],
  );
  const columns = useMemo<ColumnDef<UserRow>[]>(
    () => [
      { id: 'user', header: 'User', accessorFn: (u) => u.user },
      ...USER_KINDS.map((k): ColumnDef<UserRow> => ({
        id: k,
        header: kindLabel(k),
        accessorFn: (u) => u.counts[k] ?? 0,
        cell: (c) => formatCount(c.getValue<number>()),
      })),
      {
        id: 'imageBytes',
        header: 'Image bytes',
        accessorFn: (u) => u.imageBytes,
        cell: (c) => formatBytes(c.getValue<number>()),
      },
    ],
    [],
  );
  return (
    <Card withBorder component="section" aria-labelledby="users-title">
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h4" id="users-title">
          Per user
        </Title>
        <TextInput
          label="Search users"
          placeholder="user name"
          value={search}
          onChange={(e) => {
            setSearch(e.currentTarget.value);
          }}
          w={260}
        />
      </Group>
      <LocalTable
        label="What each user owns"
        rows={rows}
        columns={columns}
        rowId={(u) => u.user}
        empty="No user matches."
      />
    </Card>
  );
}
