import { RESOURCE_KINDS, type ReportSummary } from '@euca2nova/model';
import { Table, Title } from '@mantine/core';
import { kindLabel } from '../../resource-kinds.ts';
import { formatCount } from '../../format.ts';
import { COUNT_COLUMNS } from './constants.ts';

/** What happened to each kind: created, already there, conflict, failed, unsupported. */
export function CountsTable({ counts }: { counts: ReportSummary['counts'] }) {
  const kinds = RESOURCE_KINDS.filter((k) => COUNT_COLUMNS.some((c) => counts[k][c.key] > 0));
  const totals = Object.fromEntries(
    COUNT_COLUMNS.map((c) => [c.key, kinds.reduce((n, k) => n + counts[k][c.key], 0)]),
  ) as Record<(typeof COUNT_COLUMNS)[number]['key'], number>;
  return (
    <section aria-labelledby="counts-title">
      <Title order={3} size="h4" id="counts-title" mb="xs">
        Counts
      </Title>
      <Table.ScrollContainer minWidth={560}>
        <Table striped withTableBorder aria-labelledby="counts-title" data-testid="counts">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Kind</Table.Th>
              {COUNT_COLUMNS.map((c) => (
                <Table.Th key={c.key} ta="right">
                  {c.label}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {kinds.map((k) => (
              <Table.Tr key={k}>
                <Table.Th scope="row" fw={500}>
                  {kindLabel(k)}
                </Table.Th>
                {COUNT_COLUMNS.map((c) => (
                  <Table.Td
                    key={c.key}
                    ta="right"
                    fw={c.key === 'failed' && counts[k].failed > 0 ? 700 : undefined}
                  >
                    {formatCount(counts[k][c.key])}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
          <Table.Tfoot>
            <Table.Tr>
              <Table.Th scope="row">All</Table.Th>
              {COUNT_COLUMNS.map((c) => (
                <Table.Th key={c.key} ta="right">
                  {formatCount(totals[c.key])}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Tfoot>
        </Table>
      </Table.ScrollContainer>
    </section>
  );
}
