import { Text } from '@mantine/core';
import { StepPage } from '../../shell/StepPage.tsx';
import { StepId } from '../../wizard/steps.ts';

export function EucalyptusStep() {
  return (
    <StepPage step={StepId.Eucalyptus}>
      <Text>This step is not built yet.</Text>
    </StepPage>
  );
}
