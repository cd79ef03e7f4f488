import {
  Alert,
  Anchor,
  Button,
  Card,
  Checkbox,
  Code,
  Group,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type { PlanSummary } from '@euca2nova/model';
import { ApiError } from '../../api/http.ts';
import { jobKeys, jobListQuery, startMigration } from '../../api/jobs/jobs.ts';
import { planKeys } from '../../api/plans/plans.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { BackToReview, PlanPending, usePlanStep } from '../../components/PlanStepState.tsx';
import { READABLE_ALERT_TITLE, ToneIcon } from '../../components/StatusBadge.tsx';
import { formatTime, plural } from '../../format.ts';
import { StepPage } from '../../shell/StepPage.tsx';
import { StepId } from '../../wizard/steps.ts';
import { recordTrail } from '../../wizard/trail.ts';
import { AFTER_THE_RUN, BEFORE_THE_RUN, whatHappens, type ChecklistItem } from './checklist.ts';

export function CutoverStep() {
  const { plan } = usePlanStep();
  const summary = plan.data;
  // Kept here: the reloaded plan has another fingerprint, which starts the confirmation afresh.
  const [stale, setStale] = useState<string | undefined>(undefined);
  return (
    <StepPage
      step={StepId.Cutover}
      lead="The last look before anything is written into Nova: what the run does, what you do around it, and the confirmation."
    >
      <PlanPending plan={plan} />
      {stale !== undefined && (
        <Alert
          color="yellow"
          styles={READABLE_ALERT_TITLE}
          icon={<ToneIcon tone="warn" size={18} />}
          title="The plan changed since this page showed it"
          role="alert"
          withCloseButton
          closeButtonLabel="Dismiss"
          onClose={() => {
            setStale(undefined);
          }}
        >
          {stale} This page now shows the plan as it is: check it (or review it again), then confirm
          again.
        </Alert>
      )}
      {summary &&
        (summary.confirmedAt !== null ? (
          <AlreadyConfirmed plan={summary} />
        ) : !summary.runnable ? (
          <NotRunnable plan={summary} />
        ) : (
          <Confirm
            key={summary.fingerprint}
            plan={summary}
            onStale={(message) => {
              setStale(message);
              void plan.refetch();
            }}
          />
        ))}
    </StepPage>
  );
}

function NotRunnable({ plan }: { plan: PlanSummary }) {
  const errors = plan.findings.filter((f) => f.severity === 'error').length;
  const open = plan.findings.filter(
    (f) => f.severity === 'warning' && f.acknowledged !== true,
  ).length;
  return (
    <Stack>
      <Alert
        color="red"
        icon={<ToneIcon tone="error" size={18} />}
        title="The cutover is closed for this plan"
        data-testid="cutover-refused"
      >
        {errors > 0
          ? `${plural(errors, 'error blocks', 'errors block')} it: resolve ${errors === 1 ? 'it' : 'them'} on the Review step (leave the items out, or fix them and plan again).`
          : `${plural(open, 'warning is', 'warnings are')} not acknowledged yet: read and acknowledge ${open === 1 ? 'it' : 'them'} on the Review step.`}
      </Alert>
      <BackToReview planId={plan.id} />
    </Stack>
  );
}

function AlreadyConfirmed({ plan }: { plan: PlanSummary }) {
  const jobs = useQuery(jobListQuery(500));
  const job = jobs.data?.find((j) => j.planId === plan.id);
  return (
    <Stack>
      <Alert
        color="blue"
        icon={<ToneIcon tone="info" size={18} />}
        title="This plan was already confirmed"
        data-testid="cutover-refused"
      >
        <Text size="sm">
          It was confirmed on {plan.confirmedAt === null ? '' : formatTime(plan.confirmedAt)} and
          its migration started; a plan is confirmed once.{' '}
          {job !== undefined ? (
            <Anchor c="inherit" underline="always" fw={600} component={Link} to={`/jobs/${job.id}`}>
              Open its migration
            </Anchor>
          ) : jobs.isPending ? (
            'Looking for its job…'
          ) : (
            <Anchor c="inherit" underline="always" fw={600} component={Link} to="/jobs">
              Find it among the past jobs
            </Anchor>
          )}
          . To migrate again, plan again from the Review step: the new plan reads Nova as it is now.
        </Text>
      </Alert>
      <BackToReview planId={plan.id} />
    </Stack>
  );
}

function ChecklistGroup({
  title,
  items,
  ticked,
  onTick,
}: {
  title: string;
  items: readonly ChecklistItem[];
  ticked: ReadonlySet<string>;
  onTick: (id: string, on: boolean) => void;
}) {
  return (
    <Card withBorder component="fieldset" style={{ margin: 0 }}>
      <Text component="legend" fw={600} px={4}>
        {title}
      </Text>
      <Stack gap="sm">
        {items.map((item) => (
          <Checkbox
            key={item.id}
            checked={ticked.has(item.id)}
            onChange={(e) => {
              onTick(item.id, e.currentTarget.checked);
            }}
            label={item.label}
            description={item.detail}
          />
        ))}
      </Stack>
    </Card>
  );
}

function Confirm({ plan, onStale }: { plan: PlanSummary; onStale: (message: string) => void }) {
  const happens = whatHappens(plan);
  const all = [...happens, ...BEFORE_THE_RUN, ...AFTER_THE_RUN];
  const [ticked, setTicked] = useState<ReadonlySet<string>>(new Set());
  const [typed, setTyped] = useState('');
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const start = useMutation({
    mutationFn: () => startMigration(plan.id, plan.fingerprint),
    onSuccess: async (job) => {
      recordTrail({ job: job.id });
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: jobKeys.lists() }),
        queryClient.invalidateQueries({ queryKey: planKeys.detail(plan.id) }),
      ]);
      await navigate(`/jobs/${job.id}`);
    },
    onError: (e) => {
      if (e instanceof ApiError && e.code === 'stale-confirmation') onStale(e.message);
    },
  });
  const allTicked = all.every((i) => ticked.has(i.id));
  const nameMatches = typed === plan.cloudName;
  const stale = start.error instanceof ApiError && start.error.code === 'stale-confirmation';
  const tick = (id: string, on: boolean) => {
    const next = new Set(ticked);
    if (on) next.add(id);
    else next.delete(id);
    setTicked(next);
  };

  return (
    <Stack gap="md">
      <ChecklistGroup title="What the run does" items={happens} ticked={ticked} onTick={tick} />
      <ChecklistGroup
        title="On the Eucalyptus side, before the run"
        items={BEFORE_THE_RUN}
        ticked={ticked}
        onTick={tick}
      />
      <ChecklistGroup
        title="On the Eucalyptus and Nova side, after the run"
        items={AFTER_THE_RUN}
        ticked={ticked}
        onTick={tick}
      />
      <Card withBorder component="section" aria-labelledby="confirm-title">
        <Stack gap="sm">
          <Title order={3} size="h4" id="confirm-title">
            Confirm
          </Title>
          <Text size="sm">
            Starting writes into Nova the plan you reviewed (fingerprint{' '}
            <Code>{plan.fingerprint.slice(0, 12)}</Code>). To confirm, type the name of the cloud
            being migrated: <Code data-testid="cloud-name">{plan.cloudName}</Code>
          </Text>
          <TextInput
            label="Cloud name"
            description="Exactly as shown above."
            value={typed}
            onChange={(e) => {
              setTyped(e.currentTarget.value);
            }}
            autoComplete="off"
            spellCheck={false}
            w={360}
            error={
              typed !== '' && !nameMatches && !plan.cloudName.startsWith(typed)
                ? 'This is not the name of the cloud.'
                : undefined
            }
          />
          {start.isError && !stale && (
            <ErrorAlert
              error={start.error}
              title="The migration did not start"
              remedy="Nothing was written. Go back to the review if the plan changed, or try again."
            />
          )}
          <Group>
            <Button component={Link} to={`/plans/${plan.id}/review`} variant="default">
              Back to review
            </Button>
            <Button
              color="red.9"
              disabled={!allTicked || !nameMatches}
              loading={start.isPending}
              onClick={() => {
                start.mutate();
              }}
            >
              Start the migration
            </Button>
            <Text size="sm" c="dimmed" aria-live="polite">
              {!allTicked
                ? `${plural(all.length - all.filter((i) => ticked.has(i.id)).length, 'item')} of the checklist still to tick.`
                : !nameMatches
                  ? 'Type the cloud name to confirm.'
                  : 'Ready: nothing has been written yet.'}
            </Text>
          </Group>
        </Stack>
      </Card>
    </Stack>
  );
}
