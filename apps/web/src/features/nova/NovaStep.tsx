import { Text } from '@mantine/core';
import { StepPage } from '../../shell/StepPage.tsx';
import { StepId } from '../../wizard/steps.ts';

export function NovaStep() {
  return (
    <StepPage step={StepId.Nova}>
      <Text>This step is not built yet.</Text>
    </StepPage>
  );
}
