import type { ReportSummary } from '@euca2nova/model';
import {
  Box,
  Button,
  Code,
  CopyButton,
  Group,
  List,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import type { ReactNode } from 'react';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { kindLabel } from '../../resource-kinds.ts';
import { formatCount } from '../../format.ts';
import { RESOLUTION_LABELS } from './constants.ts';

const SEVERITY_LOOK = {
  error: { label: 'Error', tone: 'error' },
  warning: { label: 'Warning', tone: 'paused' },
  info: { label: 'Info', tone: 'busy' },
} as const;

function Fact({ name, children }: { name: string; children: ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th scope="row" w={200} fw={500}>
        {name}
      </Table.Th>
      <Table.Td>{children}</Table.Td>
    </Table.Tr>
  );
}

function selectionText(s: ReportSummary['selection']): string {
  const parts = [
    s.kinds === undefined ? undefined : `kinds: ${s.kinds.map((k) => kindLabel(k)).join(', ')}`,
    s.users === undefined ? undefined : `users: ${s.users.join(', ')}`,
    s.items === undefined ? undefined : `${formatCount(s.items.length)} items picked one by one`,
  ].filter((p): p is string => p !== undefined);
  return parts.length === 0 ? 'The whole cloud' : parts.join('; ');
}

/** The resolution and its note, without saying "Acknowledged: Acknowledged by …" twice. */
function resolutionText(f: ReportSummary['findings'][number]): string {
  const label = RESOLUTION_LABELS[f.resolution];
  if (f.note === undefined) return label;
  return f.note.toLowerCase().startsWith(label.toLowerCase()) ? f.note : `${label}: ${f.note}`;
}

/** Where from, where to, what was chosen, the nova.conf flags and the findings' resolutions. */
export function ReportFacts({ report }: { report: ReportSummary }) {
  // The same lines as the HTML and PDF renderings: flagfile syntax, sorted by name.
  const novaConf = Object.entries(report.novaConf)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `--${k}=${String(v)}`)
    .join('\n');
  const t = report.target;
  return (
    <Stack gap="lg">
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <section aria-labelledby="facts-title">
          <Title order={3} size="h4" id="facts-title" mb="xs">
            Source and target
          </Title>
          <Table withTableBorder aria-labelledby="facts-title">
            <Table.Tbody>
              <Fact name="Eucalyptus">
                version {report.source.version}, at <Code>{report.source.endpoint}</Code>
              </Fact>
              <Fact name="Nova database">
                <Code>
                  {t.database.host}:{t.database.port}/{t.database.name}
                </Code>{' '}
                (Nova {t.novaRelease})
              </Fact>
              {t.imagesPath !== undefined && (
                <Fact name="Images path">
                  <Code>{t.imagesPath}</Code>
                </Fact>
              )}
              <Fact name="What moved">{selectionText(report.selection)}</Fact>
              <Fact name="Images">{formatCount(report.imagesTotal)} images</Fact>
              <Fact name="Plan">
                <Code>{report.planId}</Code>
              </Fact>
            </Table.Tbody>
          </Table>
        </section>
        <section aria-labelledby="novaconf-title">
          <Title order={3} size="h4" id="novaconf-title" mb="xs">
            nova.conf network flags
          </Title>
          <Text size="sm" c="dimmed" mb="xs">
            Put these in nova.conf before starting Nova.
          </Text>
          <Code block data-testid="nova-conf">
            {novaConf === '' ? '(none)' : novaConf}
          </Code>
          <CopyButton value={novaConf}>
            {({ copied, copy }) => (
              <Button mt="xs" size="xs" variant="default" onClick={copy}>
                {copied ? 'Copied' : 'Copy the flags'}
              </Button>
            )}
          </CopyButton>
        </section>
      </SimpleGrid>
      <section aria-labelledby="findings-title">
        <Title order={3} size="h4" id="findings-title" mb="xs">
          Findings and what was done
        </Title>
        {report.findings.length === 0 ? (
          <Text size="sm">The plan had no findings.</Text>
        ) : (
          <List spacing="sm" listStyleType="none" data-testid="findings">
            {report.findings.map((f, i) => (
              <List.Item key={`${f.finding.ruleId}:${String(i)}`}>
                <Group gap="xs" align="flex-start" wrap="nowrap">
                  <Box style={{ flexShrink: 0 }}>
                    <StatusBadge tone={SEVERITY_LOOK[f.finding.severity].tone} size="sm">
                      {SEVERITY_LOOK[f.finding.severity].label}
                    </StatusBadge>
                  </Box>
                  <Stack gap={2}>
                    <Text size="sm">{f.finding.message}</Text>
                    <Text size="sm" c="dimmed">
                      {resolutionText(f)}
                      {f.finding.affectedIds.length > 0 &&
                        ` · ${formatCount(f.finding.affectedIds.length)} affected`}
                    </Text>
                  </Stack>
                </Group>
              </List.Item>
            ))}
          </List>
        )}
      </section>
    </Stack>
  );
}
