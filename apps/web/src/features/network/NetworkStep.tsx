import { Text } from '@mantine/core';
import { StepPage } from '../../shell/StepPage.tsx';
import { StepId } from '../../wizard/steps.ts';

export function NetworkStep() {
  return (
    <StepPage step={StepId.Network}>
      <Text>This step is not built yet.</Text>
    </StepPage>
  );
}
