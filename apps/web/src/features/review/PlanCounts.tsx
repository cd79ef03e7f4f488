import { Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { PLAN_ACTIONS, type PlanSummary } from '@euca2nova/model';
import { formatCount, plural } from '../../format.ts';
import { KIND_ORDER, kindWords } from '../../resource-kinds.ts';
import { ACTION_INFO } from './constants.ts';

/** The plan by kind: per kind, how many items each action has. */
export function PlanCounts({
  plan,
  onShowPulledIn,
}: {
  plan: PlanSummary;
  onShowPulledIn: () => void;
}) {
  const kinds = [
    ...KIND_ORDER.filter((k) => plan.counts[k] !== undefined),
    ...Object.keys(plan.counts).filter((k) => !(KIND_ORDER as readonly string[]).includes(k)),
  ];
  const total = (kind: string) => Object.values(plan.counts[kind] ?? {}).reduce((a, b) => a + b, 0);
  const all = kinds.reduce((n, k) => n + total(k), 0);
  return (
    <Stack gap="xs" component="section" aria-labelledby="counts-title">
      <Title order={3} size="h4" id="counts-title">
        The plan by kind
      </Title>
      <Table
        striped
        withTableBorder
        aria-label="Plan items per kind and action"
        data-testid="plan-counts"
        fz="sm"
      >
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Kind</Table.Th>
            {PLAN_ACTIONS.map((a) => (
              <Table.Th key={a} ta="right" title={ACTION_INFO[a].help}>
                {ACTION_INFO[a].column}
              </Table.Th>
            ))}
            <Table.Th ta="right">Total</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {kinds.map((kind) => (
            <Table.Tr key={kind}>
              <Table.Th scope="row" fw={500}>
                {kindWords(kind, 2)}
              </Table.Th>
              {PLAN_ACTIONS.map((a) => {
                const n = plan.counts[kind]?.[a] ?? 0;
                return (
                  <Table.Td key={a} ta="right" c={n === 0 ? 'dimmed' : undefined}>
                    {formatCount(n)}
                  </Table.Td>
                );
              })}
              <Table.Td ta="right" fw={600}>
                {formatCount(total(kind))}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group gap="sm">
        <Text size="sm">
          {plural(all, 'item')} in all;{' '}
          {plan.pulledIn === 0
            ? 'no dependency was pulled in beyond what was chosen.'
            : `${plural(plan.pulledIn, 'item')} pulled in because something chosen needs them.`}
        </Text>
        {plan.pulledIn > 0 && (
          <Button size="compact-sm" variant="default" onClick={onShowPulledIn}>
            Show what was pulled in
          </Button>
        )}
      </Group>
      <Text size="xs" c="dimmed">
        {PLAN_ACTIONS.map((a) => `${ACTION_INFO[a].column}: ${ACTION_INFO[a].help}`).join('. ')}.
      </Text>
    </Stack>
  );
}
