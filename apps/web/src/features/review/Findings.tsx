import { Button, Card, Checkbox, Code, Group, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { SEVERITIES, type PlanSummary, type Severity } from '@euca2nova/model';
import { acknowledgeWarnings, planKeys } from '../../api/plans/plans.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { plural } from '../../format.ts';
import { SEVERITY_INFO } from './constants.ts';

type PlanFinding = PlanSummary['findings'][number];

const SHOWN_IDS = 12;
/** Beyond this, the items table (filtered) is the better place to read them. */
const MOST_IDS = 500;
/** Findings listed at first per severity: a Nova full of leftovers can yield one per item. */
const FIRST_FINDINGS = 50;

/** The items a finding touches: the first few, the rest behind a button when there are many. */
function AffectedIds({ ids }: { ids: readonly string[] }) {
  const [all, setAll] = useState(false);
  if (ids.length === 0) return null;
  const shown = ids.slice(0, all ? MOST_IDS : SHOWN_IDS);
  return (
    <Group gap={6} align="center">
      <Text size="sm" fw={500}>
        Touches:
      </Text>
      {shown.map((id) => (
        <Code key={id}>{id}</Code>
      ))}
      {all && ids.length > MOST_IDS && (
        <Text size="sm">and {ids.length - MOST_IDS} more (the items table lists them all)</Text>
      )}
      {ids.length > SHOWN_IDS && (
        <Button
          size="compact-xs"
          variant="subtle"
          onClick={() => {
            setAll(!all);
          }}
        >
          {all
            ? 'Show fewer'
            : `Show ${String(Math.min(ids.length, MOST_IDS))} of ${String(ids.length)}`}
        </Button>
      )}
    </Group>
  );
}

function FindingCard({
  finding,
  selectable,
  selected,
  onSelect,
}: {
  finding: PlanFinding;
  selectable: boolean;
  selected: boolean;
  onSelect: (selected: boolean) => void;
}) {
  const info = SEVERITY_INFO[finding.severity];
  return (
    <Card
      withBorder
      padding="sm"
      component="article"
      data-testid="finding"
      data-rule={finding.ruleId}
    >
      <Stack gap={6}>
        <Group gap="xs" justify="space-between" wrap="nowrap" align="flex-start">
          <Group gap="xs">
            <StatusBadge tone={info.tone} size="sm">
              {finding.severity === 'warning' && finding.acknowledged === true
                ? 'Warning: acknowledged'
                : info.label}
            </StatusBadge>
            <Text size="xs" c="dimmed" ff="monospace">
              {finding.ruleId}
            </Text>
          </Group>
          {selectable && (
            <Checkbox
              label="Acknowledge"
              aria-label={`Acknowledge ${finding.ruleId}`}
              checked={selected}
              onChange={(e) => {
                onSelect(e.currentTarget.checked);
              }}
            />
          )}
        </Group>
        <Text size="sm">{finding.message}</Text>
        <AffectedIds ids={finding.affectedIds} />
        <Text size="sm">
          <strong>What to do:</strong> {finding.remedy}
        </Text>
      </Stack>
    </Card>
  );
}

/**
 * Findings by severity, errors first. Warnings are acknowledged here: the plan keeps its id and
 * gets a new fingerprint, which is what the cutover confirms.
 */
export function Findings({ plan }: { plan: PlanSummary }) {
  const queryClient = useQueryClient();
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const open = plan.findings.filter((f) => f.severity === 'warning' && f.acknowledged !== true);
  const chosenOpen = open.filter((f) => chosen.has(f.key)).map((f) => f.key);
  const acknowledge = useMutation({
    mutationFn: (keys: string[]) => acknowledgeWarnings(plan.id, keys),
    onSuccess: (next) => {
      queryClient.setQueryData(planKeys.detail(next.id), next);
      setChosen(new Set());
    },
  });
  const bySeverity = (s: Severity) => plan.findings.filter((f) => f.severity === s);
  const [listed, setListed] = useState<Readonly<Record<Severity, number>>>({
    error: FIRST_FINDINGS,
    warning: FIRST_FINDINGS,
    info: FIRST_FINDINGS,
  });

  return (
    <Stack gap="md" component="section" aria-labelledby="findings-title">
      <Title order={3} size="h4" id="findings-title">
        Findings
      </Title>
      {plan.findings.length === 0 && <Text>Nothing to report: the plan has no finding.</Text>}
      {SEVERITIES.map((severity) => {
        const list = bySeverity(severity);
        if (list.length === 0) return null;
        const info = SEVERITY_INFO[severity];
        return (
          <Stack
            key={severity}
            gap="xs"
            component="section"
            aria-labelledby={`findings-${severity}`}
          >
            <div>
              <Title order={4} size="h5" id={`findings-${severity}`}>
                {info.title} ({list.length})
              </Title>
              <Text size="sm" c="dimmed">
                {info.lead}
              </Text>
            </div>
            {severity === 'warning' && open.length > 0 && (
              <Group gap="sm">
                <Button
                  size="xs"
                  variant="default"
                  onClick={() => {
                    setChosen(new Set(open.map((f) => f.key)));
                  }}
                >
                  Tick every warning
                </Button>
                <Button
                  size="xs"
                  disabled={chosenOpen.length === 0}
                  loading={acknowledge.isPending}
                  onClick={() => {
                    acknowledge.mutate(chosenOpen);
                  }}
                >
                  {chosenOpen.length === 0
                    ? 'Acknowledge'
                    : `Acknowledge ${plural(chosenOpen.length, 'warning')}`}
                </Button>
                <Text size="sm" c="dimmed" aria-live="polite">
                  {plural(open.length, 'warning')} still to acknowledge.
                </Text>
              </Group>
            )}
            {severity === 'warning' && acknowledge.isError && (
              <ErrorAlert
                error={acknowledge.error}
                title="The warnings could not be acknowledged"
                onRetry={() => {
                  acknowledge.mutate(chosenOpen);
                }}
              />
            )}
            {list.slice(0, listed[severity]).map((f, i) => (
              <FindingCard
                key={`${f.key}#${String(i)}`}
                finding={f}
                selectable={f.severity === 'warning' && f.acknowledged !== true}
                selected={chosen.has(f.key)}
                onSelect={(on) => {
                  const next = new Set(chosen);
                  if (on) next.add(f.key);
                  else next.delete(f.key);
                  setChosen(next);
                }}
              />
            ))}
            {list.length > listed[severity] && (
              <Group>
                <Button
                  variant="default"
                  size="xs"
                  onClick={() => {
                    setListed({ ...listed, [severity]: listed[severity] + 200 });
                  }}
                >
                  {`Show more (${String(list.length - listed[severity])} not shown yet)`}
                </Button>
              </Group>
            )}
          </Stack>
        );
      })}
    </Stack>
  );
}
