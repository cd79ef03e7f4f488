import type { ReportSummary } from '@euca2nova/model';
import { Card, Group, ScrollArea, Stack, Table, Text, Title } from '@mantine/core';
import { StatusBadge, toneColorName } from '../../components/StatusBadge.tsx';
import { kindTitle } from '../../resource-kinds.ts';
import { formatCount, formatTime } from '../../format.ts';
import { VERIFICATION_LOOK } from './constants.ts';

type Verification = ReportSummary['verification'];

function Differences({ verification }: { verification: Verification }) {
  const rows = verification.users.flatMap((u) =>
    u.differences.map((d, i) => ({ user: u.user, key: `${u.user}:${String(i)}`, ...d })),
  );
  if (rows.length === 0) return null;
  return (
    <ScrollArea.Autosize mah={360} type="auto">
      <Table striped withTableBorder aria-label="Differences found by the verification">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>User</Table.Th>
            <Table.Th>Kind</Table.Th>
            <Table.Th>Id</Table.Th>
            <Table.Th>Field</Table.Th>
            <Table.Th>In Eucalyptus</Table.Th>
            <Table.Th>In Nova</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((d) => (
            <Table.Tr key={d.key}>
              <Table.Td>{d.user}</Table.Td>
              <Table.Td>{kindTitle(d.kind)}</Table.Td>
              <Table.Td ff="monospace">{d.sourceId}</Table.Td>
              <Table.Td ff="monospace">{d.field}</Table.Td>
              <Table.Td>{d.expected ?? <Text c="dimmed">(not shown)</Text>}</Table.Td>
              <Table.Td>{d.actual ?? <Text c="dimmed">(not shown)</Text>}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea.Autosize>
  );
}

/** First thing on the report: does Nova show what Eucalyptus showed, user by user. */
export function VerificationResult({ verification }: { verification: Verification }) {
  const look = VERIFICATION_LOOK[verification.result];
  const differing = verification.users.filter((u) => u.result === 'differing');
  const compared = verification.users.reduce((n, u) => n + u.itemsCompared, 0);
  return (
    <Card
      withBorder
      padding="md"
      component="section"
      aria-labelledby="verification-title"
      style={{ borderLeft: `6px solid var(--mantine-color-${toneColorName(look.tone)}-6)` }}
    >
      <Stack gap="xs">
        <Group gap="sm">
          <Title order={3} size="h4" id="verification-title">
            Verification
          </Title>
          <div data-testid="verification">
            <StatusBadge tone={look.tone} size="lg">
              {look.label}
            </StatusBadge>
          </div>
        </Group>
        <Text size="sm">{look.headline}</Text>
        {verification.result !== 'not-run' && (
          <Text size="sm" c="dimmed">
            {formatCount(verification.users.length)} users, {formatCount(compared)} resources
            compared through the EC2 API
            {verification.at !== undefined && ` on ${formatTime(verification.at)}`}.
            {differing.length > 0 &&
              ` Differing: ${differing.map((u) => `${u.user} (${String(u.differences.length)})`).join(', ')}.`}
          </Text>
        )}
        {verification.result === 'differing' && <Differences verification={verification} />}
      </Stack>
    </Card>
  );
}
