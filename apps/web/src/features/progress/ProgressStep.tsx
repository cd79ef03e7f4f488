import { Text } from '@mantine/core';
import { StepPage } from '../../shell/StepPage.tsx';
import { StepId } from '../../wizard/steps.ts';

export function ProgressStep() {
  return (
    <StepPage step={StepId.Progress}>
      <Text>This step is not built yet.</Text>
    </StepPage>
  );
}
