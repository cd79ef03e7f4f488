import type { InventoryOverviewSchema, ResourceKind } from '@euca2nova/model';
import { Alert, Button, Card, Grid, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import type { z } from 'zod';
import { inventoryQuery } from '../../api/inventories/inventories.ts';
import { createPlan, planKeys } from '../../api/plans/plans.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { KIND_ORDER, kindLabel } from '../../resource-kinds.ts';
import { StepPage } from '../../shell/StepPage.tsx';
import { StepId, stepPath } from '../../wizard/steps.ts';
import { recordTrail } from '../../wizard/trail.ts';
import { ItemTables } from './ItemTables.tsx';
import { KindFilter } from './KindFilter.tsx';
import { SelectionPreview } from './SelectionPreview.tsx';
import { useChooseState } from './useChooseState.ts';
import { UsersPicker } from './UsersPicker.tsx';
import { describeSelection, toPlanSelection } from './utils.ts';

type Overview = z.infer<typeof InventoryOverviewSchema>;

/**
 * Step 5: what moves. Everything by default; narrowed by user and by kind, and items picked one
 * by one in per-kind tables paged by the server. A live preview shows what the selection takes
 * with its dependencies; "Make the plan" plans it against the Nova connection.
 */
export function ChooseStep() {
  const [params] = useSearchParams();
  const inventoryId = params.get('inventory') ?? undefined;
  const target = params.get('target') ?? undefined;
  const inventory = useQuery({ ...inventoryQuery(inventoryId ?? ''), enabled: !!inventoryId });

  if (inventoryId === undefined || target === undefined)
    return (
      <StepPage step={StepId.Choose}>
        <Alert color="yellow" title="Discover the cloud first">
          <Text size="sm" mb="xs">
            Choosing works on an inventory of the cloud, for a Nova connection.
          </Text>
          <Button component={Link} to="/migrate/eucalyptus" size="xs">
            Start from the Eucalyptus step
          </Button>
        </Alert>
      </StepPage>
    );

  return (
    <StepPage
      step={StepId.Choose}
      lead="Everything moves unless you narrow it down. Whatever you choose brings what it needs with it (its owner, image, key pair, groups…)."
    >
      {inventory.isPending && (
        <Group role="status">
          <Loader size="sm" aria-hidden="true" />
          <Text>Loading the inventory…</Text>
        </Group>
      )}
      {inventory.isError && (
        <ErrorAlert
          error={inventory.error}
          title="The inventory could not be loaded"
          remedy="Discover the cloud again from the Discover step."
          onRetry={() => void inventory.refetch()}
        />
      )}
      {inventory.data && <Chooser key={inventoryId} inventory={inventory.data} target={target} />}
    </StepPage>
  );
}

function Chooser({ inventory, target }: { inventory: Overview; target: string }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const counts = inventory.overview.counts;
  const allKinds = useMemo<ResourceKind[]>(
    () => KIND_ORDER.filter((k) => k !== 'network' && (counts[k] ?? 0) > 0),
    [counts],
  );
  const users = useMemo(() => inventory.overview.users.map((u) => u.user), [inventory]);
  const [state, actions] = useChooseState(inventory.id, allKinds);
  const selection = useMemo(() => toPlanSelection(state, allKinds), [state, allKinds]);
  const [debounced] = useDebouncedValue(selection, 400);

  useEffect(() => {
    recordTrail({ inventory: inventory.id, target });
  }, [inventory.id, target]);

  const plan = useMutation({
    mutationFn: () =>
      createPlan({
        inventoryId: inventory.id,
        targetConnectionId: target,
        selection: selection ?? {},
      }),
    onSuccess: async (summary) => {
      queryClient.setQueryData(planKeys.detail(summary.id), summary);
      await queryClient.invalidateQueries({ queryKey: planKeys.lists() });
      recordTrail({ plan: summary.id, job: null });
      void navigate(stepPath(StepId.Network, { plan: summary.id }) ?? '/');
    },
  });

  return (
    <Grid gap="md">
      <Grid.Col span={{ base: 12, lg: 8 }}>
        <Stack gap="md">
          <Card withBorder component="section" aria-labelledby="filter-title">
            <Stack gap="md">
              <Title order={3} size="h4" id="filter-title">
                What to migrate
              </Title>
              <KindFilter kinds={allKinds} counts={counts} state={state} actions={actions} />
              <UsersPicker users={inventory.overview.users} state={state} actions={actions} />
            </Stack>
          </Card>
          <Card withBorder component="section" aria-labelledby="items-title">
            <Title order={3} size="h4" id="items-title">
              Pick items one by one
            </Title>
            <Text size="sm" mb="sm">
              Rows your filter already takes are checked and locked. Pick others to add them; with
              no kind checked, only the items picked here move.
            </Text>
            <ItemTables
              inventoryId={inventory.id}
              kinds={allKinds}
              counts={counts}
              users={users}
              state={state}
              actions={actions}
            />
          </Card>
        </Stack>
      </Grid.Col>
      <Grid.Col span={{ base: 12, lg: 4 }}>
        <Card
          withBorder
          component="section"
          aria-labelledby="preview-title"
          style={{ position: 'sticky', top: 72 }}
        >
          <Stack gap="sm">
            <Title order={3} size="h4" id="preview-title">
              Your selection
            </Title>
            <Text size="sm" fw={600} data-testid="selection-summary" aria-live="polite">
              {describeSelection(state, allKinds, kindLabel)}
            </Text>
            <SelectionPreview
              inventoryId={inventory.id}
              kinds={allKinds}
              counts={counts}
              selection={debounced}
              settling={debounced !== selection}
            />
            {plan.isError && (
              <ErrorAlert
                error={plan.error}
                title="The plan could not be made"
                remedy="Change the selection, or check the Nova connection on the Nova step, then try again."
              />
            )}
            <Button
              onClick={() => {
                plan.mutate();
              }}
              loading={plan.isPending}
              disabled={selection === undefined}
            >
              Make the plan
            </Button>
            {selection === undefined && (
              <Text size="sm">Select something first: check a kind or pick an item.</Text>
            )}
          </Stack>
        </Card>
      </Grid.Col>
    </Grid>
  );
}
