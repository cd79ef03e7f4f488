import type { JobProgress } from '@euca2nova/model';
import { Card, Group, RingProgress, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { formatBytes, formatCount } from '../../format.ts';
import { percent } from './utils.ts';

function Ring({
  title,
  value,
  color,
  main,
  detail,
  testId,
}: {
  title: string;
  value: number;
  color: string;
  main: string;
  detail?: string;
  testId: string;
}) {
  return (
    <Card withBorder padding="md">
      <Group wrap="nowrap" gap="md">
        {/* The numbers beside it say everything the ring shows. */}
        <div aria-hidden="true">
          <RingProgress
            size={96}
            thickness={10}
            roundCaps
            sections={[{ value, color }]}
            label={
              <Text ta="center" fw={700} size="sm">
                {Math.floor(value)}%
              </Text>
            }
          />
        </div>
        <Stack gap={2}>
          <Title order={3} size="h5">
            {title}
          </Title>
          <Text size="lg" fw={600} data-testid={testId}>
            {main}
          </Text>
          {detail !== undefined && (
            <Text size="sm" c="dimmed">
              {detail}
            </Text>
          )}
        </Stack>
      </Group>
    </Card>
  );
}

/** The whole run by items and by bytes. */
export function OverallProgress({ progress }: { progress: JobProgress }) {
  const t = progress.totals;
  const finished = t.itemsDone + t.itemsFailed + t.itemsSkipped;
  const itemsMain =
    t.itemsTotal === null
      ? `${formatCount(t.itemsDone)} items done (total not known yet)`
      : `${formatCount(t.itemsDone)} of ${formatCount(t.itemsTotal)} items`;
  const extra = [
    t.itemsSkipped > 0 ? `${formatCount(t.itemsSkipped)} left out by the plan` : undefined,
    t.itemsFailed > 0 ? `${formatCount(t.itemsFailed)} failed` : undefined,
  ].filter((s): s is string => s !== undefined);
  const bytesMain =
    t.bytesTotal === null
      ? `${formatBytes(t.bytesDone)} copied (total not known)`
      : `${formatBytes(t.bytesDone)} of ${formatBytes(t.bytesTotal)}`;
  return (
    <section aria-labelledby="overall-title">
      <Title order={3} size="h4" id="overall-title" mb="xs">
        Overall
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Ring
          title="Items"
          value={percent(finished, t.itemsTotal)}
          color={t.itemsFailed > 0 ? 'red' : 'blue'}
          main={itemsMain}
          {...(extra.length > 0 ? { detail: extra.join(', ') } : {})}
          testId="overall-items"
        />
        <Ring
          title="Image bytes"
          value={t.bytesTotal === 0 ? 100 : percent(t.bytesDone, t.bytesTotal)}
          color="teal"
          main={t.bytesTotal === 0 ? 'No image bytes to copy' : bytesMain}
          testId="overall-bytes"
        />
      </SimpleGrid>
    </section>
  );
}
