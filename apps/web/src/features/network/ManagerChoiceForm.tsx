import { Button, Group, Radio, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import type { PlanSummary } from '@euca2nova/model';
import { choicesOf, planKeys, replan } from '../../api/plans/plans.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { MANAGER_CHOICES, MANAGER_HELP, type ManagerChoice } from './constants.ts';

/**
 * The operator's override of the mode -> manager mapping. A plan is immutable: another manager
 * means planning again, which gives a new plan (and a new address).
 */
export function ManagerChoiceForm({
  plan,
  recommended,
}: {
  plan: PlanSummary;
  recommended: string;
}) {
  const current = plan.mappings.network.manager;
  const [choice, setChoice] = useState<ManagerChoice>(
    (MANAGER_CHOICES as readonly string[]).includes(current) ? (current as ManagerChoice) : 'auto',
  );
  const effective = choice === 'auto' ? recommended : choice;
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const mutation = useMutation({
    mutationFn: () =>
      replan(plan.id, { mappings: { ...choicesOf(plan.mappings), manager: choice } }),
    onSuccess: async (next) => {
      queryClient.setQueryData(planKeys.detail(next.id), next);
      await queryClient.invalidateQueries({ queryKey: planKeys.lists() });
      await navigate(`/plans/${next.id}/network`, {
        state: {
          notice: `The plan was made again with ${next.mappings.network.manager}: this page shows the new plan. The previous plan stays as it was and is no longer used.`,
        },
      });
    },
  });

  return (
    <Stack gap="sm">
      <Radio.Group
        label="Nova network manager"
        description={`The plan uses ${current}; the Eucalyptus mode maps to ${recommended}.`}
        value={choice}
        onChange={(v) => {
          setChoice(v);
        }}
      >
        <Stack gap="xs" mt="xs">
          {MANAGER_CHOICES.map((m) => (
            <Radio
              key={m}
              value={m}
              label={
                m === 'auto'
                  ? `Automatic: the match for the mode (${recommended})`
                  : `${m}${m === recommended ? ' (recommended)' : ''}${m === current ? ' — in this plan' : ''}`
              }
              description={m === 'auto' ? undefined : MANAGER_HELP[m]}
            />
          ))}
        </Stack>
      </Radio.Group>
      <Group>
        <Button
          onClick={() => {
            mutation.mutate();
          }}
          loading={mutation.isPending}
          disabled={effective === current}
          variant="default"
        >
          {effective === current ? `${current} is in this plan` : `Plan again with ${effective}`}
        </Button>
        {effective !== current && (
          <Text size="sm" c="dimmed">
            Planning again reads Nova as it is now and makes a new plan.
          </Text>
        )}
      </Group>
      {mutation.isError && (
        <ErrorAlert
          error={mutation.error}
          title="The plan could not be made again"
          remedy="The current plan is unchanged. Check that the Nova database answers, then try again."
          onRetry={() => {
            mutation.mutate();
          }}
        />
      )}
    </Stack>
  );
}
