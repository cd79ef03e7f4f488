import { Stepper } from '@mantine/core';
import { useNavigate } from 'react-router';
import { STEP_LABELS, STEP_ORDER, stepPath, type StepId } from '../wizard/steps.ts';
import { useTrail } from '../wizard/trail.ts';

/**
 * Where the operator is in the migration. A step can be revisited when its ids are known (the
 * trail); later steps open once the earlier ones have produced what they need.
 */
export function WizardStepper({ active }: { active: StepId }) {
  const trail = useTrail();
  const navigate = useNavigate();
  const index = STEP_ORDER.indexOf(active);
  return (
    <nav aria-label="Migration steps">
      <Stepper
        active={index}
        size="xs"
        iconSize={28}
        allowNextStepsSelect={false}
        onStepClick={(i) => {
          const step = STEP_ORDER[i];
          const path = step === undefined ? undefined : stepPath(step, trail);
          if (path !== undefined) void navigate(path);
        }}
      >
        {STEP_ORDER.map((step) => (
          <Stepper.Step
            key={step}
            label={STEP_LABELS[step].label}
            description={STEP_LABELS[step].description}
            aria-current={step === active ? 'step' : undefined}
            allowStepSelect={stepPath(step, trail) !== undefined && step !== active}
          />
        ))}
      </Stepper>
    </nav>
  );
}
