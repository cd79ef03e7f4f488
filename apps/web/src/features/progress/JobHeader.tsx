import { isFinalJobStatus, type ApiJob, type JobStatus } from '@euca2nova/model';
import { Alert, Card, Group, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import type { StatusLook } from '../../components/jobLabels.ts';
import { formatTime } from '../../format.ts';
import type { LiveJobProgress } from '../../progress/useJobProgress.ts';
import { JOB_STATUS_LOOK, PHASE_LABELS } from '../../components/jobLabels.ts';

function FeedState({
  connection,
  message,
  final,
}: {
  connection: LiveJobProgress['connection'];
  message: string | undefined;
  final: boolean;
}) {
  const look: StatusLook =
    connection === 'live'
      ? { label: final ? 'Up to date' : 'Live', tone: 'ok' }
      : connection === 'connecting'
        ? { label: 'Reconnecting…', tone: 'paused' }
        : { label: 'Not following', tone: 'error' };
  return (
    <Group gap="xs" data-testid="feed-state">
      <Text size="sm" c="dimmed">
        Progress feed:
      </Text>
      <StatusBadge tone={look.tone} size="sm">
        {look.label}
      </StatusBadge>
      {message !== undefined && (
        <Text size="sm" c="dimmed">
          {message}
        </Text>
      )}
      {connection === 'connecting' && message === undefined && (
        <Text size="sm" c="dimmed">
          The run goes on in the server; this page catches up when the connection is back.
        </Text>
      )}
    </Group>
  );
}

/** Where the job is, in words; the feed's state; the controls and the way on. */
export function JobHeader({
  job,
  status,
  live,
  children,
}: {
  job: ApiJob;
  status: JobStatus;
  live: LiveJobProgress;
  children: ReactNode;
}) {
  const look = JOB_STATUS_LOOK[status];
  const phase = live.progress?.currentPhase ?? job.currentPhase;
  return (
    <Card withBorder padding="md" component="section" aria-label="Job status">
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start">
          <Stack gap={4}>
            <Group gap="sm">
              <Text fw={600}>{job.type === 'migrate' ? 'Migration' : 'Discovery'}</Text>
              <div data-testid="job-status">
                <StatusBadge tone={look.tone} size="lg">
                  {look.label}
                </StatusBadge>
              </div>
              {status === 'running' && phase !== null && (
                <Text size="sm" c="dimmed">
                  now: {PHASE_LABELS[phase]}
                </Text>
              )}
            </Group>
            <Text size="sm">{look.explanation}</Text>
            <Text size="xs" c="dimmed">
              Job <span style={{ fontFamily: 'monospace' }}>{job.id}</span>
              {job.startedAt !== null && ` · started ${formatTime(job.startedAt)}`}
              {job.finishedAt !== null && ` · finished ${formatTime(job.finishedAt)}`}
            </Text>
          </Stack>
          <FeedState
            connection={live.connection}
            message={live.connectionMessage}
            final={isFinalJobStatus(status)}
          />
        </Group>
        {status === 'failed' && job.error !== null && (
          <Alert color="red" title="Why it stopped" role="alert">
            <Text size="sm">{job.error.message}</Text>
            <Text size="xs" c="dimmed" mt={4}>
              Error code: {job.error.code}
            </Text>
          </Alert>
        )}
        {children}
      </Stack>
    </Card>
  );
}
