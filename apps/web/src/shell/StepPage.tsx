import { Stack, Text, Title } from '@mantine/core';
import { useEffect, type ReactNode } from 'react';
import { STEP_LABELS, type StepId } from '../wizard/steps.ts';
import { WizardStepper } from './WizardStepper.tsx';

/** The frame of every wizard step: the stepper, the step's heading and its lead text. */
export function StepPage({
  step,
  title,
  lead,
  children,
}: {
  step: StepId;
  /** The page heading; the step's label when absent. */
  title?: string;
  lead?: ReactNode;
  children: ReactNode;
}) {
  const heading = title ?? STEP_LABELS[step].label;
  useEffect(() => {
    document.title = `${heading} · euca2nova`;
  }, [heading]);
  return (
    <Stack gap="lg">
      <WizardStepper active={step} />
      <section aria-labelledby="step-title">
        <Stack gap="md">
          <div>
            <Title order={2} id="step-title">
              {heading}
            </Title>
            {lead !== undefined && (
              <Text c="gray.7" mt={4}>
                {lead}
              </Text>
            )}
          </div>
          {children}
        </Stack>
      </section>
    </Stack>
  );
}
