import type { ReportUserRow } from '@euca2nova/model';
import { Button, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useInfiniteQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { reportUsersQuery } from '../../api/reports/reports.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PagedTable } from '../../components/PagedTable.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatCount } from '../../format.ts';
import { SEARCH_DEBOUNCE_MS, VERIFICATION_LOOK } from './constants.ts';
import { UserDetail } from './UserDetail.tsx';

type UserRow = ReportUserRow;

/** The users whose resources moved; choosing one shows what changes for them and their notice. */
export function UsersView({ jobId, total }: { jobId: string; total: number }) {
  const [q, setQ] = useState('');
  const [selected, setSelected] = useState<string | undefined>();
  const [ec2Url, setEc2Url] = useState('');
  const [debouncedQ] = useDebouncedValue(q.trim(), SEARCH_DEBOUNCE_MS);
  const query = useInfiniteQuery(reportUsersQuery(jobId, debouncedQ));
  const columns = useMemo<ColumnDef<UserRow>[]>(
    () => [
      { id: 'user', header: 'User', cell: ({ row }) => row.original.user },
      { id: 'items', header: 'Resources', cell: ({ row }) => formatCount(row.original.items) },
      {
        id: 'changedIds',
        header: 'Ids that change',
        cell: ({ row }) => formatCount(row.original.changedIds),
      },
      {
        id: 'verification',
        header: 'Verification',
        cell: ({ row }) => (
          <StatusBadge tone={VERIFICATION_LOOK[row.original.verification].tone} size="sm">
            {VERIFICATION_LOOK[row.original.verification].label}
          </StatusBadge>
        ),
      },
      {
        id: 'show',
        header: 'Details',
        cell: ({ row }) => (
          <Button
            size="compact-xs"
            variant={row.original.user === selected ? 'filled' : 'default'}
            aria-pressed={row.original.user === selected}
            aria-label={`Show what changes for ${row.original.user}`}
            onClick={() => {
              setSelected(row.original.user);
            }}
          >
            {row.original.user === selected ? 'Shown' : 'Show'}
          </Button>
        ),
      },
    ],
    [selected],
  );
  return (
    <section aria-labelledby="users-title">
      <Stack gap="sm">
        <div>
          <Title order={3} size="h4" id="users-title">
            Per user
          </Title>
          <Text size="sm" c="dimmed">
            {formatCount(total)} users. Choose one to see what changes for them and the notice to
            send them.
          </Text>
        </div>
        <TextInput
          label="Search users"
          value={q}
          onChange={(e) => {
            setQ(e.currentTarget.value);
          }}
          maw={320}
        />
        {query.isError ? (
          <ErrorAlert
            error={query.error}
            title="The users could not be read"
            onRetry={() => {
              void query.refetch();
            }}
          />
        ) : (
          <PagedTable
            label="Users"
            query={query}
            columns={columns}
            rowId={(r) => r.user}
            height={260}
            empty="No user matches."
          />
        )}
        {selected !== undefined && (
          <UserDetail
            key={selected}
            jobId={jobId}
            user={selected}
            ec2Url={ec2Url}
            onEc2UrlChange={setEc2Url}
          />
        )}
      </Stack>
    </section>
  );
}
