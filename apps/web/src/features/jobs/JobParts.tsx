import { Anchor, Group, Text } from '@mantine/core';
import { Link } from 'react-router';
import type { ApiJob, JobStatus } from '@euca2nova/model';
import { StatusBadge, type Tone } from '../../components/StatusBadge.tsx';
import type { JobLink } from './jobLinks.ts';

const STATUS: Readonly<Record<JobStatus, { label: string; tone: Tone }>> = {
  queued: { label: 'Queued', tone: 'neutral' },
  running: { label: 'Running', tone: 'busy' },
  paused: { label: 'Paused', tone: 'paused' },
  cancelling: { label: 'Cancelling', tone: 'busy' },
  cancelled: { label: 'Cancelled', tone: 'neutral' },
  failed: { label: 'Failed', tone: 'error' },
  succeeded: { label: 'Succeeded', tone: 'ok' },
};

export const JOB_TYPE_LABEL: Readonly<Record<ApiJob['type'], string>> = {
  discover: 'Discovery',
  migrate: 'Migration',
};

/** A job's status in words, with its colour and icon. */
export function JobStatusBadge({ status }: { status: JobStatus }) {
  const s = STATUS[status];
  return (
    <StatusBadge tone={s.tone} size="sm">
      {s.label}
    </StatusBadge>
  );
}

/** Where a job reopens, as links named for the job they belong to. */
export function JobLinks({ links }: { links: JobLink[] }) {
  if (links.length === 0)
    return (
      <Text size="sm" c="dimmed">
        —
      </Text>
    );
  return (
    <Group gap="sm" wrap="nowrap">
      {links.map((l) => (
        <Anchor key={l.to} component={Link} to={l.to} aria-label={l.name} size="sm">
          {l.label}
        </Anchor>
      ))}
    </Group>
  );
}
