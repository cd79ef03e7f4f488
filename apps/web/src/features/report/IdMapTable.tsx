import { RESOURCE_KINDS, type IdMapEntry } from '@euca2nova/model';
import { Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useInfiniteQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { idMapQuery, type IdMapFilter } from '../../api/reports/reports.ts';
import { kindLabel, kindTitle } from '../../resource-kinds.ts';
import { PagedTable } from '../../components/PagedTable.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { formatCount } from '../../format.ts';
import { SEARCH_DEBOUNCE_MS } from './constants.ts';

const KIND_OPTIONS = RESOURCE_KINDS.map((k) => ({ value: k, label: kindLabel(k) }));
const CHANGED_OPTIONS = [
  { value: 'true', label: 'Only ids that change' },
  { value: 'false', label: 'Only ids kept' },
];

const COLUMNS: ColumnDef<IdMapEntry>[] = [
  {
    id: 'kind',
    header: 'Kind',
    cell: ({ row }) => kindTitle(row.original.kind),
  },
  {
    id: 'sourceId',
    header: 'Eucalyptus id',
    cell: ({ row }) => (
      <Text ff="monospace" size="sm">
        {row.original.sourceId}
      </Text>
    ),
  },
  {
    id: 'targetId',
    header: 'Nova id',
    cell: ({ row }) => (
      <Text ff="monospace" size="sm">
        {row.original.targetId}
      </Text>
    ),
  },
  { id: 'owner', header: 'Owner', cell: ({ row }) => row.original.owner ?? '—' },
  {
    id: 'changed',
    header: 'Id',
    cell: ({ row }) =>
      row.original.sourceId === row.original.targetId ? (
        'kept'
      ) : (
        <Text size="sm" fw={700}>
          changes
        </Text>
      ),
  },
];

/** Every Eucalyptus id with its Nova id, searched and filtered on the server. */
export function IdMapTable({
  jobId,
  total,
  changed,
}: {
  jobId: string;
  total: number;
  changed: number;
}) {
  const [q, setQ] = useState('');
  const [owner, setOwner] = useState('');
  const [kind, setKind] = useState<string | null>(null);
  const [onlyChanged, setOnlyChanged] = useState<string | null>(null);
  const [debouncedQ] = useDebouncedValue(q.trim(), SEARCH_DEBOUNCE_MS);
  const [debouncedOwner] = useDebouncedValue(owner.trim(), SEARCH_DEBOUNCE_MS);
  const filter = useMemo<IdMapFilter>(
    () => ({
      ...(debouncedQ === '' ? {} : { q: debouncedQ }),
      ...(debouncedOwner === '' ? {} : { owner: debouncedOwner }),
      ...(kind === null ? {} : { kind }),
      ...(onlyChanged === 'true' || onlyChanged === 'false' ? { changed: onlyChanged } : {}),
    }),
    [debouncedQ, debouncedOwner, kind, onlyChanged],
  );
  const query = useInfiniteQuery(idMapQuery(jobId, filter));
  return (
    <section aria-labelledby="idmap-title">
      <Stack gap="xs">
        <div>
          <Title order={3} size="h4" id="idmap-title">
            Id map
          </Title>
          <Text size="sm" c="dimmed">
            {formatCount(total)} ids;{' '}
            {changed === 0 ? 'none changes' : `${formatCount(changed)} change`} in Nova.
          </Text>
        </div>
        <Group align="flex-end" gap="sm">
          <TextInput
            label="Search ids"
            placeholder="i-1234abcd, emi-…"
            value={q}
            onChange={(e) => {
              setQ(e.currentTarget.value);
            }}
            w={240}
          />
          <Select
            label="Kind"
            placeholder="All kinds"
            data={KIND_OPTIONS}
            value={kind}
            onChange={setKind}
            clearable
            w={200}
          />
          <TextInput
            label="Owner"
            placeholder="Any user"
            value={owner}
            onChange={(e) => {
              setOwner(e.currentTarget.value);
            }}
            w={200}
          />
          <Select
            label="Ids"
            placeholder="Kept and changed"
            data={CHANGED_OPTIONS}
            value={onlyChanged}
            onChange={setOnlyChanged}
            clearable
            w={220}
          />
        </Group>
        {query.isError ? (
          <ErrorAlert
            error={query.error}
            title="The id map could not be read"
            onRetry={() => {
              void query.refetch();
            }}
          />
        ) : (
          <PagedTable
            label="Id map"
            query={query}
            columns={COLUMNS}
            rowId={(r) => `${r.kind}:${r.sourceId}`}
            height={360}
            empty="No id matches these filters."
          />
        )}
      </Stack>
    </section>
  );
}
