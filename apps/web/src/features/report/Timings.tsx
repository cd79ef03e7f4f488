import type { ReportSummary } from '@euca2nova/model';
import { Center, Loader, SimpleGrid, Table, Text, Title } from '@mantine/core';
import { lazy, Suspense } from 'react';
import { PHASE_LABELS } from '../../components/jobLabels.ts';
import { formatDuration } from '../../format.ts';

// recharts is large: it loads when a report with timings is on screen, not with the step.
const TimingsChart = lazy(async () => ({
  default: (await import('./TimingsChart.tsx')).TimingsChart,
}));

/** How long each phase took: a chart, and the same numbers as a table. */
export function Timings({ timings }: { timings: ReportSummary['timings'] }) {
  const total = timings.reduce((n, t) => n + t.durationMs, 0);
  return (
    <section aria-labelledby="timings-title">
      <Title order={3} size="h4" id="timings-title" mb="xs">
        Timings
      </Title>
      {timings.length === 0 ? (
        <Text size="sm" c="dimmed">
          No phase finished, so there are no timings.
        </Text>
      ) : (
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
          <Suspense
            fallback={
              <Center h={180}>
                <Loader size="sm" aria-label="Loading the chart" />
              </Center>
            }
          >
            <TimingsChart timings={timings} />
          </Suspense>
          <Table striped withTableBorder aria-labelledby="timings-title" data-testid="timings">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Phase</Table.Th>
                <Table.Th ta="right">Duration</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {timings.map((t) => (
                <Table.Tr key={t.phase}>
                  <Table.Td>{PHASE_LABELS[t.phase]}</Table.Td>
                  <Table.Td ta="right">{formatDuration(t.durationMs)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
            <Table.Tfoot>
              <Table.Tr>
                <Table.Th>Sum of the phases</Table.Th>
                <Table.Th ta="right">{formatDuration(total)}</Table.Th>
              </Table.Tr>
            </Table.Tfoot>
          </Table>
        </SimpleGrid>
      )}
    </section>
  );
}
