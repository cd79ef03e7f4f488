import { Anchor, Card, Group, Loader, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { formatTime } from '../../format.ts';
import { jobLinks } from './jobLinks.ts';
import { JOB_TYPE_LABEL, JobLinks, JobStatusBadge } from './JobParts.tsx';
import { usePastJobs } from './usePastJobs.ts';

const SHOWN = 5;

/** The last few jobs on the home page, each reopenable, and the way to all of them. */
export function RecentJobs() {
  const { jobs, sorted, targets } = usePastJobs(SHOWN);
  return (
    <Card withBorder component="section" aria-labelledby="recent-jobs-title">
      <Group justify="space-between">
        <Title order={2} size="h3" id="recent-jobs-title">
          Recent jobs
        </Title>
        <Anchor component={Link} to="/jobs" size="sm">
          All past jobs
        </Anchor>
      </Group>
      {jobs.isPending && <Loader size="sm" aria-label="Loading recent jobs" mt="sm" />}
      {jobs.isError && (
        <Text size="sm" mt="sm" role="alert">
          The jobs could not be read: {jobs.error.message}
        </Text>
      )}
      {jobs.isSuccess && sorted.length === 0 && (
        <Text size="sm" mt="sm">
          No job yet.
        </Text>
      )}
      {sorted.length > 0 && (
        <Table mt="sm" aria-label="Recent jobs" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Job</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Created</Table.Th>
              <Table.Th>Open</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {sorted.slice(0, SHOWN).map((job) => (
              <Table.Tr key={job.id}>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {JOB_TYPE_LABEL[job.type]}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <JobStatusBadge status={job.status} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatTime(job.createdAt)}</Text>
                </Table.Td>
                <Table.Td>
                  <JobLinks links={jobLinks(job, targets)} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}
