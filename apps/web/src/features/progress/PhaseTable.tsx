import type { PhaseProgress } from '@euca2nova/model';
import { Progress, Stack, Table, Text, Title } from '@mantine/core';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatBytes, formatCount, formatDuration } from '../../format.ts';
import { PHASE_LABELS } from '../../components/jobLabels.ts';
import { NOT_RUN_LOOK, PAUSED_LOOK, PHASE_STATE_LOOK, type Halt } from './constants.ts';
import { percent } from './utils.ts';

function duration(p: PhaseProgress, now: number, halted: boolean): string {
  if (p.durationMs !== null) return formatDuration(p.durationMs);
  if (p.status === 'running' && p.startedAt !== null && !halted)
    return `${formatDuration(Math.max(0, now - Date.parse(p.startedAt)))} so far`;
  return '—';
}

function items(p: PhaseProgress): string {
  if (p.itemsTotal === null || p.itemsTotal === 0)
    return p.itemsDone > 0 ? formatCount(p.itemsDone) : '—';
  return `${formatCount(p.itemsDone)} of ${formatCount(p.itemsTotal)}`;
}

/** One row per phase, in run order. */
export function PhaseTable({
  phases,
  now,
  halt,
}: {
  phases: readonly PhaseProgress[];
  now: number;
  /** Paused: the running phase waits. Stopped: the phases not reached will not run. */
  halt: Halt | undefined;
}) {
  return (
    <section aria-labelledby="phases-title">
      <Title order={3} size="h4" id="phases-title" mb="xs">
        Phases
      </Title>
      <Table.ScrollContainer minWidth={640}>
        <Table striped aria-labelledby="phases-title" data-testid="phases">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Phase</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Items</Table.Th>
              <Table.Th>Failed</Table.Th>
              <Table.Th>Duration</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {phases.map((p) => {
              const look =
                halt === 'paused' && p.status === 'running'
                  ? PAUSED_LOOK
                  : halt === 'stopped' && p.status === 'pending'
                    ? NOT_RUN_LOOK
                    : PHASE_STATE_LOOK[p.status];
              const label = PHASE_LABELS[p.phase];
              return (
                <Table.Tr key={p.phase} data-phase={p.phase}>
                  <Table.Td>
                    <Text fw={500} size="sm">
                      {label}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge tone={look.tone} size="sm">
                      {look.label}
                    </StatusBadge>
                  </Table.Td>
                  <Table.Td miw={180}>
                    <Stack gap={4}>
                      <Text size="sm">
                        {items(p)}
                        {p.bytesTotal !== null && p.bytesTotal > 0 && (
                          <>
                            {' · '}
                            {formatBytes(p.bytesDone)} of {formatBytes(p.bytesTotal)}
                          </>
                        )}
                      </Text>
                      {p.itemsTotal !== null && p.itemsTotal > 0 && (
                        <Progress
                          size="sm"
                          value={Math.round(percent(p.itemsDone + p.itemsFailed, p.itemsTotal))}
                          color={p.itemsFailed > 0 ? 'red' : 'blue'}
                          aria-label={`${label}: items`}
                        />
                      )}
                    </Stack>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" fw={p.itemsFailed > 0 ? 700 : 400}>
                      {p.itemsFailed > 0 ? `${formatCount(p.itemsFailed)} failed` : '0'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{duration(p, now, halt !== undefined)}</Text>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </section>
  );
}
