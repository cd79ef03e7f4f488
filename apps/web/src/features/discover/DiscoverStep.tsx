import { Text } from '@mantine/core';
import { StepPage } from '../../shell/StepPage.tsx';
import { StepId } from '../../wizard/steps.ts';

export function DiscoverStep() {
  return (
    <StepPage step={StepId.Discover}>
      <Text>This step is not built yet.</Text>
    </StepPage>
  );
}
