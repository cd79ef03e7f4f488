import type { ResourceKind } from '@euca2nova/model';
import { Button, Checkbox, Fieldset, Group, SimpleGrid, Text } from '@mantine/core';
import { formatCount } from '../../format.ts';
import { kindLabel } from '../../resource-kinds.ts';
import type { ChooseActions } from './useChooseState.ts';
import type { ChooseState } from './utils.ts';

/** Choose by kind: one checkbox per kind, with how many the cloud has. */
export function KindFilter({
  kinds,
  counts,
  state,
  actions,
}: {
  kinds: readonly ResourceKind[];
  counts: Readonly<Record<string, number>>;
  state: ChooseState;
  actions: ChooseActions;
}) {
  return (
    <Fieldset legend="By kind">
      <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="xs">
        {kinds.map((k) => (
          <Checkbox
            key={k}
            label={`${kindLabel(k)} (${formatCount(counts[k] ?? 0)})`}
            checked={state.kinds.has(k)}
            onChange={(e) => {
              actions.setKind(k, e.currentTarget.checked);
            }}
          />
        ))}
      </SimpleGrid>
      <Group mt="sm" gap="xs">
        <Button size="compact-sm" variant="default" onClick={actions.everything}>
          Everything
        </Button>
        <Button size="compact-sm" variant="default" onClick={actions.onlyPicked}>
          No filter: only items I pick
        </Button>
      </Group>
      {state.kinds.size === 0 && (
        <Text size="sm" mt="xs">
          No kind is checked: only the items picked by hand in the tables below are migrated (with
          what they need).
        </Text>
      )}
    </Fieldset>
  );
}
