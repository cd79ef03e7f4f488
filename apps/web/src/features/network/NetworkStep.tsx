import {
  Button,
  Card,
  Center,
  Group,
  List,
  Loader,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { PlanSummary } from '@euca2nova/model';
import { planNetworkQuery } from '../../api/plans/plans.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { ArrivalNotice, PlanPending, usePlanStep } from '../../components/PlanStepState.tsx';
import { formatCount } from '../../format.ts';
import { StepPage } from '../../shell/StepPage.tsx';
import { StepId, stepPath } from '../../wizard/steps.ts';
import { MODE_SOURCE } from './constants.ts';
import { InstancesTable } from './InstancesTable.tsx';
import { ManagerChoiceForm } from './ManagerChoiceForm.tsx';
import { NetworksTable } from './NetworksTable.tsx';
import { NovaConf } from './NovaConf.tsx';

export function NetworkStep() {
  const { planId, plan } = usePlanStep();
  // The header needs no instance rows: those come a page at a time in their own table.
  const network = useQuery({ ...planNetworkQuery(planId, {}, 1), enabled: planId !== '' });

  return (
    <StepPage
      step={StepId.Network}
      lead="How the Eucalyptus network becomes Nova's: the manager, the networks created, and which instances keep their fixed IP."
    >
      <ArrivalNotice title="Planned again" />
      <PlanPending plan={plan} />
      {network.isPending && plan.isSuccess && (
        <Center p="xl">
          <Loader aria-label="Loading the network plan" />
        </Center>
      )}
      {network.isError && (
        <ErrorAlert
          error={network.error}
          title="The network plan could not be read"
          onRetry={() => {
            void network.refetch();
          }}
        />
      )}
      {plan.data && network.data && (
        <>
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
            <Card withBorder component="section" aria-labelledby="mapping-title">
              <Title order={3} size="h4" id="mapping-title">
                The mapping
              </Title>
              <Stack gap={4} mt="xs" data-testid="network-mapping">
                <Text>
                  Eucalyptus network mode: <strong>{network.data.mode}</strong>{' '}
                  <Text span c="dimmed" size="sm">
                    ({MODE_SOURCE[network.data.modeSource] ?? network.data.modeSource})
                  </Text>
                </Text>
                <Text>
                  Nova network manager: <strong>{network.data.manager}</strong>
                  {network.data.manager === network.data.recommendedManager ? (
                    <Text span c="dimmed" size="sm">
                      {' '}
                      (the recommended one)
                    </Text>
                  ) : (
                    <Text span size="sm">
                      {' '}
                      (chosen instead of the recommended {network.data.recommendedManager})
                    </Text>
                  )}
                </Text>
                <Text>
                  Floating IPs (elastic IPs) to create: {formatCount(network.data.floatingIps)}
                </Text>
              </Stack>
              <List size="sm" mt="sm" spacing={4}>
                {network.data.explanation.map((line, i) => (
                  <List.Item key={i}>{line}</List.Item>
                ))}
              </List>
            </Card>
            <Card withBorder component="section" aria-labelledby="override-title">
              <Title order={3} size="h4" id="override-title">
                Choose another manager
              </Title>
              <ManagerChoiceForm
                key={plan.data.id}
                plan={plan.data}
                recommended={network.data.recommendedManager}
              />
            </Card>
          </SimpleGrid>
          <NetworksTable networks={network.data.networks} />
          <InstancesTable planId={planId} counts={network.data.instances} />
          <NovaConf text={network.data.novaConf} />
          <Group justify="space-between">
            <ChooseLink plan={plan.data} />
            <Button component={Link} to={`/plans/${planId}/review`}>
              Continue to review
            </Button>
          </Group>
        </>
      )}
    </StepPage>
  );
}

function ChooseLink({ plan }: { plan: PlanSummary }) {
  const to = stepPath(StepId.Choose, {
    inventory: plan.inventoryId,
    ...(plan.targetConnectionId === null ? {} : { target: plan.targetConnectionId }),
  });
  return to === undefined ? (
    <span />
  ) : (
    <Button component={Link} to={to} variant="default">
      Back to choose
    </Button>
  );
}
