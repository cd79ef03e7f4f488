import type { ApiJob, JobProgress } from '@euca2nova/model';
import { Alert, Group, Loader, Progress, Stack, Table, Text } from '@mantine/core';
import { formatCount } from '../../format.ts';
import type { LiveJobProgress } from '../../progress/useJobProgress.ts';
import { DISCOVERY_RESOURCES, resourceLabel } from './constants.ts';

type Row = JobProgress['discovery'][number];

/** Resources in reading order; any the list does not know come after, as they arrive. */
function ordered(rows: readonly Row[]): Row[] {
  const rank = (r: Row): number => {
    const i = DISCOVERY_RESOURCES.findIndex((d) => d.resource === r.resource);
    return i === -1 ? DISCOVERY_RESOURCES.length : i;
  };
  return [...rows].sort((a, b) => rank(a) - rank(b));
}

/**
 * A discovery as it reads the cloud: one bar per kind of resource with "done of total" beside
 * it, live from the job's events (a reload starts from the server's snapshot, so it continues
 * where it was).
 */
export function DiscoveryProgress({
  job,
  live,
}: {
  job: ApiJob | undefined;
  live: LiveJobProgress;
}) {
  const rows = ordered(live.progress?.discovery ?? []);
  const status = live.progress?.status ?? job?.status;
  const running = status === undefined || status === 'queued' || status === 'running';
  return (
    <Stack gap="sm">
      <Group gap="xs" role="status" aria-live="polite">
        {running && <Loader size="xs" aria-hidden="true" />}
        <Text fw={600} data-testid="discovery-status">
          {status === 'queued'
            ? 'Waiting to start…'
            : running
              ? 'Reading the cloud…'
              : status === 'succeeded'
                ? 'The cloud has been read.'
                : status === 'failed'
                  ? 'The discovery failed.'
                  : status === 'cancelled'
                    ? 'The discovery was cancelled.'
                    : `The discovery is ${status}.`}
        </Text>
        {live.connection === 'connecting' && running && live.progress !== undefined && (
          <Text size="sm" c="dimmed">
            (reconnecting to the live progress…)
          </Text>
        )}
      </Group>
      {live.error !== null && (
        <Alert color="yellow" title="Live progress is not available">
          <Text size="sm">
            {live.error.message} The discovery goes on; this page shows when it ends.
          </Text>
        </Alert>
      )}
      {rows.length === 0 && running && (
        <Text size="sm" c="dimmed">
          Connecting and listing users first…
        </Text>
      )}
      {rows.length > 0 && (
        <Table aria-label="Discovery progress per resource" verticalSpacing={6}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={260}>Resource</Table.Th>
              <Table.Th>Progress</Table.Th>
              <Table.Th w={180}>Read</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => {
              const pct = r.total === 0 ? 100 : Math.min(100, (r.done / r.total) * 100);
              const label = resourceLabel(r.resource);
              return (
                <Table.Tr key={r.resource} data-testid={`discovery-${r.resource}`}>
                  <Table.Td>{label}</Table.Td>
                  <Table.Td>
                    <Progress
                      value={pct}
                      size="lg"
                      color={r.done >= r.total ? 'green.8' : 'blue.8'}
                      aria-label={`${label}: ${formatCount(r.done)} of ${formatCount(r.total)}`}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      {formatCount(r.done)} of {formatCount(r.total)}
                      {r.done >= r.total ? ' ✓' : ''}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
