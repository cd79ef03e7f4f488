import { Text } from '@mantine/core';
import { StepPage } from '../../shell/StepPage.tsx';
import { StepId } from '../../wizard/steps.ts';

export function ReviewStep() {
  return (
    <StepPage step={StepId.Review}>
      <Text>This step is not built yet.</Text>
    </StepPage>
  );
}
