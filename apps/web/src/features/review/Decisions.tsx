import { Button, Group, Radio, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import type { PlanMappings, PlanSummary } from '@euca2nova/model';
import { choicesOf, planKeys, replan } from '../../api/plans/plans.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { plural } from '../../format.ts';

type LargeIds = PlanMappings['largeIdStrategy'];
type Prefix = PlanMappings['imageIdPrefix'];

const LARGE_IDS: Readonly<Record<LargeIds, { label: string; help: string }>> = {
  'widen-to-bigint': {
    label: 'Widen the id columns (users keep their ids)',
    help: "Before writing, Nova's instance and volume id columns (and those pointing at them) are altered from integer to bigint, so ids above 7fffffff stay as they are. This changes Nova's schema, and the database role must own the tables.",
  },
  renumber: {
    label: 'Renumber (ids change)',
    help: "Nova's schema stays as it is; instances and volumes whose ids do not fit get new ids. Their owners see the change; the report's id map and the users' notices list every one.",
  },
};

const PREFIX: Readonly<Record<Prefix, { label: string; help: string }>> = {
  keep: {
    label: 'Keep emi-, eki-, eri- (users keep their ids)',
    help: 'Images keep the ids users know; Nova Bexar checks no prefix, so they work as they are.',
  },
  rewrite: {
    label: 'Rewrite to ami-, aki-, ari- (ids change)',
    help: "Images get the prefixes Nova gives its own images, with the same hex digits. Users' scripts and launch configurations naming emi- ids must change; the report's id map lists every one.",
  },
};

/**
 * Decisions the plan was made with that change what gets written: changing one plans again (a new
 * plan, a new address).
 */
export function Decisions({ plan }: { plan: PlanSummary }) {
  const [largeIds, setLargeIds] = useState<LargeIds>(plan.mappings.largeIdStrategy);
  const [prefix, setPrefix] = useState<Prefix>(plan.mappings.imageIdPrefix);
  const changed =
    largeIds !== plan.mappings.largeIdStrategy || prefix !== plan.mappings.imageIdPrefix;
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const mutation = useMutation({
    mutationFn: () =>
      replan(plan.id, {
        mappings: { ...choicesOf(plan.mappings), largeIdStrategy: largeIds, imageIdPrefix: prefix },
      }),
    onSuccess: async (next) => {
      queryClient.setQueryData(planKeys.detail(next.id), next);
      await queryClient.invalidateQueries({ queryKey: planKeys.lists() });
      await navigate(`/plans/${next.id}/review`, {
        state: {
          notice: `The plan was made again with large ids "${next.mappings.largeIdStrategy}" and image ids "${next.mappings.imageIdPrefix}": this page shows the new plan, with its own findings to review.`,
        },
      });
    },
  });
  const largeIdItems = plan.findings
    .filter((f) => f.ruleId === 'instance.id-over-int32' || f.ruleId === 'volume.id-over-int32')
    .reduce((n, f) => n + f.affectedIds.length, 0);
  const images = Object.values(plan.counts.image ?? {}).reduce((a, b) => a + b, 0);

  return (
    <Stack gap="sm" component="section" aria-labelledby="decisions-title">
      <div>
        <Title order={3} size="h4" id="decisions-title">
          Decisions
        </Title>
        <Text size="sm" c="dimmed">
          Changing one plans again: a new plan, with its own findings.
        </Text>
      </div>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Radio.Group
          label="Instance and volume ids above 2^31-1"
          description={
            largeIdItems === 0
              ? 'No item of this plan has such an id: either choice writes the same.'
              : `${plural(largeIdItems, 'instance or volume id', 'instance and volume ids')} of this plan ${largeIdItems === 1 ? 'is' : 'are'} too large for Nova's integer keys.`
          }
          value={largeIds}
          onChange={(v) => {
            setLargeIds(v);
          }}
        >
          <Stack gap="xs" mt="xs">
            {(Object.keys(LARGE_IDS) as LargeIds[]).map((k) => (
              <Radio
                key={k}
                value={k}
                label={`${LARGE_IDS[k].label}${k === plan.mappings.largeIdStrategy ? ' — in this plan' : ''}`}
                description={LARGE_IDS[k].help}
              />
            ))}
          </Stack>
        </Radio.Group>
        <Radio.Group
          label="Image ids"
          description={`${plural(images, 'image')} in this plan.`}
          value={prefix}
          onChange={(v) => {
            setPrefix(v);
          }}
        >
          <Stack gap="xs" mt="xs">
            {(Object.keys(PREFIX) as Prefix[]).map((k) => (
              <Radio
                key={k}
                value={k}
                label={`${PREFIX[k].label}${k === plan.mappings.imageIdPrefix ? ' — in this plan' : ''}`}
                description={PREFIX[k].help}
              />
            ))}
          </Stack>
        </Radio.Group>
      </SimpleGrid>
      <Group>
        <Button
          variant="default"
          disabled={!changed}
          loading={mutation.isPending}
          onClick={() => {
            mutation.mutate();
          }}
        >
          {changed ? 'Plan again with these decisions' : 'These are the decisions in this plan'}
        </Button>
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
