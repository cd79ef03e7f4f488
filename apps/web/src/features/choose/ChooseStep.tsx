import { Text } from '@mantine/core';
import { StepPage } from '../../shell/StepPage.tsx';
import { StepId } from '../../wizard/steps.ts';

export function ChooseStep() {
  return (
    <StepPage step={StepId.Choose}>
      <Text>This step is not built yet.</Text>
    </StepPage>
  );
}
