import type { ApiJob } from '@euca2nova/model';
import {
  Alert,
  Button,
  Card,
  Group,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link, useSearchParams } from 'react-router';
import { connectionQuery } from '../../api/connections/connections.ts';
import {
  inventoryKeys,
  inventoryListQuery,
  startDiscovery,
} from '../../api/inventories/inventories.ts';
import { jobKeys, jobQuery } from '../../api/jobs/jobs.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { formatCount, formatTime } from '../../format.ts';
import { useJobProgress } from '../../progress/useJobProgress.ts';
import { StepPage } from '../../shell/StepPage.tsx';
import { StepId, stepPath } from '../../wizard/steps.ts';
import { recordTrail } from '../../wizard/trail.ts';
import { FINAL_STATUSES, LISTING_COUNTS } from './constants.ts';
import { DiscoveryProgress } from './DiscoveryProgress.tsx';
import { InventoryOverview } from './InventoryOverview.tsx';

/**
 * Step 4: read the whole cloud. Discovery runs as a job on the server (its id in the URL, so a
 * reload follows the same job), with progress per resource; then the overview of what was found.
 * An inventory read earlier from the same cloud can be used instead.
 */
export function DiscoverStep() {
  const [params, setParams] = useSearchParams();
  const source = params.get('source') ?? undefined;
  const target = params.get('target') ?? undefined;
  const jobId = params.get('job') ?? undefined;
  const queryClient = useQueryClient();
  // Read from the cache only: the Discovery below fetches the job.
  const currentInventory =
    useQuery({ ...jobQuery(jobId ?? ''), enabled: false }).data?.inventoryId ?? undefined;

  const start = useMutation({
    mutationFn: (connectionId: string) => startDiscovery(connectionId),
    onSuccess: (job) => {
      queryClient.setQueryData(jobKeys.detail(job.id), job);
      recordTrail({ discovery: job.id, inventory: null, plan: null, job: null });
      if (source !== undefined && target !== undefined) setParams({ source, target, job: job.id });
    },
  });

  if (source === undefined || target === undefined)
    return (
      <StepPage step={StepId.Discover}>
        <Alert color="yellow" title="Connect both sides first">
          <Text size="sm" mb="xs">
            Discovery reads a tested Eucalyptus connection, for a tested Nova.
          </Text>
          <Button component={Link} to="/migrate/eucalyptus" size="xs">
            Go to the Eucalyptus step
          </Button>
        </Alert>
      </StepPage>
    );

  return (
    <StepPage
      step={StepId.Discover}
      lead="euca2nova reads every user’s resources with the administrator’s rights. Nothing is changed in the cloud."
    >
      {jobId === undefined ? (
        <Card withBorder component="section" aria-labelledby="discover-title">
          <Stack gap="sm">
            <Title order={3} size="h4" id="discover-title">
              Read the cloud
            </Title>
            <Text size="sm">
              Lists every user, image, instance, volume, snapshot, address, security group and key
              pair, and reads each image’s manifest for its size. It takes from seconds to minutes
              with the size of the cloud.
            </Text>
            {start.isError && (
              <ErrorAlert error={start.error} title="The discovery did not start" />
            )}
            <Group>
              <Button
                loading={start.isPending}
                onClick={() => {
                  start.mutate(source);
                }}
              >
                Discover the cloud
              </Button>
            </Group>
          </Stack>
        </Card>
      ) : (
        <Discovery
          key={jobId}
          jobId={jobId}
          target={target}
          onAgain={() => {
            start.mutate(source);
          }}
          starting={start.isPending}
        />
      )}
      <EarlierInventories source={source} target={target} current={currentInventory} />
    </StepPage>
  );
}

/** One discovery job: its live progress, its failure with a way to try again, or its result. */
function Discovery({
  jobId,
  target,
  onAgain,
  starting,
}: {
  jobId: string;
  target: string;
  onAgain: () => void;
  starting: boolean;
}) {
  const queryClient = useQueryClient();
  const live = useJobProgress(jobId);
  const liveStatus = live.progress?.status ?? null;
  const job = useQuery({
    ...jobQuery(jobId),
    // The socket says when it ends; polling slowly is the fallback when it cannot.
    refetchInterval: (q) => {
      const s = q.state.data?.status;
      return s !== undefined && FINAL_STATUSES.has(s) ? false : 3000;
    },
  });
  const final = job.data !== undefined && FINAL_STATUSES.has(job.data.status);

  // The live view can learn of the end first: fetch the job for its inventory id then.
  useEffect(() => {
    if (liveStatus !== null && FINAL_STATUSES.has(liveStatus) && !final)
      void queryClient.invalidateQueries({ queryKey: jobKeys.detail(jobId) });
  }, [liveStatus, final, jobId, queryClient]);

  const inventoryId = job.data?.inventoryId ?? null;
  useEffect(() => {
    if (job.data?.status === 'succeeded' && inventoryId !== null) {
      recordTrail({ discovery: jobId, inventory: inventoryId });
      void queryClient.invalidateQueries({ queryKey: inventoryKeys.lists() });
    }
  }, [job.data?.status, inventoryId, jobId, queryClient]);

  if (job.isError)
    return (
      <ErrorAlert
        error={job.error}
        title="This discovery cannot be found"
        remedy="It may belong to another server. Start a new discovery."
        onRetry={onAgain}
      />
    );

  const next =
    inventoryId === null ? undefined : stepPath(StepId.Choose, { inventory: inventoryId, target });
  return (
    <Stack gap="md">
      <Card withBorder component="section" aria-labelledby="discovery-title">
        <Stack gap="sm">
          <Title order={3} size="h4" id="discovery-title">
            Discovery
          </Title>
          <DiscoveryProgress job={job.data} live={live} />
          {job.data?.status === 'failed' || job.data?.status === 'cancelled' ? (
            <Failed job={job.data} onAgain={onAgain} starting={starting} />
          ) : null}
        </Stack>
      </Card>
      {job.data?.status === 'succeeded' && inventoryId !== null && (
        <>
          <InventoryOverview id={inventoryId} />
          <Group>
            {next !== undefined && (
              <Button component={Link} to={next}>
                Choose what to migrate
              </Button>
            )}
            <Button variant="default" onClick={onAgain} loading={starting}>
              Discover again
            </Button>
          </Group>
        </>
      )}
    </Stack>
  );
}

function Failed({
  job,
  onAgain,
  starting,
}: {
  job: ApiJob;
  onAgain: () => void;
  starting: boolean;
}) {
  return (
    <Alert
      color="red"
      role="alert"
      title={job.status === 'cancelled' ? 'The discovery was cancelled' : 'The discovery failed'}
    >
      <Text size="sm" data-testid="discovery-error">
        {job.error?.message ?? 'It stopped without saying why; the server’s log has the details.'}
      </Text>
      <Text size="sm" mt="xs">
        If the cloud was unreachable or refused the keys, test the connection again on the
        Eucalyptus step; otherwise try once more.
      </Text>
      <Group mt="sm">
        <Button size="xs" onClick={onAgain} loading={starting}>
          Discover again
        </Button>
      </Group>
    </Alert>
  );
}

/** Inventories already read from this cloud (by this connection or one to the same endpoint). */
function EarlierInventories({
  source,
  target,
  current,
}: {
  source: string;
  target: string;
  /** The inventory the discovery on this page made: shown above, not among the earlier ones. */
  current: string | undefined;
}) {
  const list = useQuery(inventoryListQuery());
  const connection = useQuery(connectionQuery(source));
  const endpoint = connection.data?.public.ec2Url;
  const mine = (list.data ?? []).filter((inv) => {
    const from = (inv.metadata as { source?: { endpoint?: unknown } }).source?.endpoint;
    if (inv.id === current) return false;
    return inv.connectionId === source || (endpoint !== undefined && from === endpoint);
  });
  if (list.isError)
    return <ErrorAlert error={list.error} title="Earlier inventories could not be listed" />;
  if (mine.length === 0) return null;
  return (
    <Card withBorder component="section" aria-labelledby="earlier-inventories-title">
      <Title order={3} size="h4" id="earlier-inventories-title" mb="xs">
        Read earlier from this cloud
      </Title>
      <Text size="sm" mb="xs">
        Use one of these instead of discovering again (the cloud may have changed since).
      </Text>
      <Table aria-labelledby="earlier-inventories-title" verticalSpacing={4}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Read</Table.Th>
            <Table.Th>Found</Table.Th>
            <Table.Th>Network</Table.Th>
            <Table.Th>
              <VisuallyHidden>Action</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {mine.map((inv) => {
            const to = stepPath(StepId.Choose, { inventory: inv.id, target }) ?? '/';
            return (
              <Table.Tr key={inv.id}>
                <Table.Td>{formatTime(inv.createdAt)}</Table.Td>
                <Table.Td>
                  {LISTING_COUNTS.filter((c) => inv.counts[c.key] !== undefined)
                    .map((c) => `${formatCount(inv.counts[c.key] ?? 0)} ${c.label}`)
                    .join(', ')}
                </Table.Td>
                <Table.Td>{inv.networkMode}</Table.Td>
                <Table.Td>
                  <Button
                    component={Link}
                    to={to}
                    size="compact-sm"
                    variant="default"
                    aria-label={`Choose from the inventory read ${formatTime(inv.createdAt)}`}
                    onClick={() => {
                      recordTrail({ inventory: inv.id, plan: null, job: null });
                    }}
                  >
                    Use this one
                  </Button>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Card>
  );
}
