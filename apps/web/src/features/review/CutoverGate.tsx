import { Alert, Button, Group, List, Stack, Text } from '@mantine/core';
import { Link } from 'react-router';
import type { PlanSummary } from '@euca2nova/model';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { READABLE_ALERT_TITLE, ToneIcon } from '../../components/StatusBadge.tsx';
import { plural } from '../../format.ts';
import { StepId, stepPath } from '../../wizard/steps.ts';
import { usePlanAgain } from './usePlanAgain.ts';

const GATE_ERRORS = 5;

/** Whether the way to the cutover is open, and if not what closes it and what to do. */
export function CutoverGate({ plan }: { plan: PlanSummary }) {
  const planAgain = usePlanAgain(plan, 'review');
  const errors = plan.findings.filter((f) => f.severity === 'error');
  const open = plan.findings.filter((f) => f.severity === 'warning' && f.acknowledged !== true);
  const choose = stepPath(StepId.Choose, {
    inventory: plan.inventoryId,
    ...(plan.targetConnectionId === null ? {} : { target: plan.targetConnectionId }),
  });
  const planAgainButton = (
    <Button
      variant={errors.length > 0 ? 'filled' : 'default'}
      loading={planAgain.isPending}
      onClick={() => {
        planAgain.mutate();
      }}
    >
      Plan again as Nova is now
    </Button>
  );

  return (
    <Stack
      gap="sm"
      component="section"
      aria-label="The way to the cutover"
      data-testid="cutover-gate"
    >
      {errors.length > 0 ? (
        <Alert
          color="red"
          icon={<ToneIcon tone="error" size={18} />}
          title={`The cutover is closed: ${plural(errors.length, 'error blocks', 'errors block')} it`}
        >
          <Stack gap="xs">
            <List size="sm" spacing={4}>
              {errors.slice(0, GATE_ERRORS).map((f, i) => (
                <List.Item key={`${f.key}#${String(i)}`}>
                  {f.affectedIds.length > 0 && (
                    <strong>{f.affectedIds.slice(0, 3).join(', ')}: </strong>
                  )}
                  {f.message}
                </List.Item>
              ))}
            </List>
            {errors.length > GATE_ERRORS && (
              <Text size="sm">
                and {plural(errors.length - GATE_ERRORS, 'more error')}: every one is listed under
                Findings below.
              </Text>
            )}
            <Text size="sm" fw={600}>
              What to do, for each error:
            </Text>
            <List size="sm" type="ordered" spacing={4}>
              <List.Item>
                Leave the item out: go back to Choose, deselect it (and what needs it), and plan
                again.
              </List.Item>
              <List.Item>
                Or fix it where it is (for a conflict: remove or correct the row already in Nova, as
                the finding says), then plan again as Nova is now.
              </List.Item>
            </List>
            <Group>
              {choose !== undefined && (
                <Button component={Link} to={choose} variant="default">
                  Back to choose
                </Button>
              )}
              {planAgainButton}
            </Group>
          </Stack>
        </Alert>
      ) : open.length > 0 ? (
        <Alert
          color="yellow"
          styles={READABLE_ALERT_TITLE}
          icon={<ToneIcon tone="warn" size={18} />}
          title={`${plural(open.length, 'warning')} to acknowledge before the cutover`}
        >
          Read each warning below; tick it and press Acknowledge when you accept it.
        </Alert>
      ) : (
        <Alert
          color="green"
          styles={READABLE_ALERT_TITLE}
          icon={<ToneIcon tone="ok" size={18} />}
          title="Ready for the cutover"
        >
          Nothing blocks this plan and every warning is acknowledged.
        </Alert>
      )}
      {planAgain.isError && (
        <ErrorAlert
          error={planAgain.error}
          title="The plan could not be made again"
          remedy="The current plan is unchanged. Check that the Nova database answers, then try again."
        />
      )}
      <Group justify="space-between">
        <Group>
          <Button component={Link} to={`/plans/${plan.id}/network`} variant="default">
            Back to network
          </Button>
          {errors.length === 0 && planAgainButton}
        </Group>
        <Group gap="sm">
          {!plan.runnable && (
            <Text size="sm" id="cutover-closed-why">
              {errors.length > 0 ? 'Resolve the errors first.' : 'Acknowledge the warnings first.'}
            </Text>
          )}
          {plan.runnable ? (
            <Button component={Link} to={`/plans/${plan.id}/cutover`}>
              Continue to cutover
            </Button>
          ) : (
            <Button disabled aria-describedby="cutover-closed-why">
              Continue to cutover
            </Button>
          )}
        </Group>
      </Group>
    </Stack>
  );
}
