import { Text } from '@mantine/core';
import { StepPage } from '../../shell/StepPage.tsx';
import { StepId } from '../../wizard/steps.ts';

export function ReportStep() {
  return (
    <StepPage step={StepId.Report}>
      <Text>This step is not built yet.</Text>
    </StepPage>
  );
}
