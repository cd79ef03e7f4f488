import { Text } from '@mantine/core';
import { StepPage } from '../../shell/StepPage.tsx';
import { StepId } from '../../wizard/steps.ts';

export function CutoverStep() {
  return (
    <StepPage step={StepId.Cutover}>
      <Text>This step is not built yet.</Text>
    </StepPage>
  );
}
