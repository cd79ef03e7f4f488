import { Anchor, Group, Stack, Text, Title } from '@mantine/core';
import { REPORT_FORMATS, reportDownloadUrl } from '../../api/reports/reports.ts';
import { FORMAT_LABELS } from './constants.ts';

/** The report as files: plain links, so the browser saves them under the server's file name. */
export function Downloads({ jobId }: { jobId: string }) {
  return (
    <section aria-labelledby="downloads-title">
      <Title order={3} size="h4" id="downloads-title" mb="xs">
        Downloads
      </Title>
      <Group gap="xl" align="flex-start">
        {REPORT_FORMATS.map((f) => (
          <Stack key={f} gap={0}>
            <Anchor href={reportDownloadUrl(jobId, f)} download fw={600}>
              Download {FORMAT_LABELS[f].name}
            </Anchor>
            <Text size="xs" c="dimmed">
              {FORMAT_LABELS[f].what}
            </Text>
          </Stack>
        ))}
      </Group>
    </section>
  );
}
