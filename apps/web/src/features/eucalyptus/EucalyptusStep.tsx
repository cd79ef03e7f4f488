import { Button, Card, Group, List, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { connectionKeys, createDemoConnections } from '../../api/connections/connections.ts';
import { ApiError } from '../../api/http.ts';
import { statusQuery } from '../../api/status.ts';
import { EarlierConnections } from '../../components/EarlierConnections.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { ConnectionUnavailable, useTestedConnection } from '../../components/SavedConnection.tsx';
import { StepPage } from '../../shell/StepPage.tsx';
import { StepId, stepPath } from '../../wizard/steps.ts';
import { recordTrail, useTrail } from '../../wizard/trail.ts';
import { SourceForm } from './SourceForm.tsx';
import { SourceTestResult } from './SourceTestResult.tsx';
import {
  EMPTY_SOURCE_FORM,
  sourcePublic,
  sourceTitle,
  type SourcePublic,
  type SourceFormValues,
} from './utils.ts';

/** Later steps' ids belong to the cloud they were made for: a new source forgets them. */
const FORGET_DOWNSTREAM = { discovery: null, inventory: null, plan: null, job: null } as const;

/**
 * Step 2: the Eucalyptus cloud to migrate from. A new connection (typed or dropped files), an
 * earlier one, or the demo; saved, then tested for real. Only a connection whose test passed
 * leads on to Nova. `?source=` names the connection shown, so a reload tests it again.
 */
export function EucalyptusStep() {
  const [params, setParams] = useSearchParams();
  const source = params.get('source') ?? undefined;
  const [editing, setEditing] = useState<SourceFormValues | undefined>(undefined);

  const choose = (id: string | undefined): void => {
    setEditing(undefined);
    setParams(id === undefined ? {} : { source: id });
  };

  return (
    <StepPage
      step={StepId.Eucalyptus}
      lead="The cloud to migrate from: its endpoints and an administrator’s keys. Nothing is written to it, ever."
    >
      {source === undefined || editing !== undefined ? (
        <>
          {editing === undefined && <DemoCard />}
          <SourceForm
            key={source ?? 'new'}
            defaults={editing ?? EMPTY_SOURCE_FORM}
            onSaved={(c) => {
              choose(c.id);
            }}
          />
          {editing !== undefined && (
            <Group>
              <Button
                variant="default"
                onClick={() => {
                  setEditing(undefined);
                }}
              >
                Back to the saved connection
              </Button>
            </Group>
          )}
        </>
      ) : (
        <SavedSource
          id={source}
          onChange={(p) => {
            setEditing({
              ...EMPTY_SOURCE_FORM,
              name: p.name ?? '',
              ec2Url: p.ec2Url ?? '',
              s3Url: p.s3Url ?? '',
              euareUrl: p.euareUrl ?? '',
              accessKey: p.accessKey ?? '',
            });
          }}
          onAnother={() => {
            choose(undefined);
          }}
        />
      )}
      <EarlierConnections
        kind="eucalyptus"
        title="Earlier Eucalyptus connections"
        currentId={source}
        name={(c) => sourceTitle(sourcePublic(c.public))}
        describe={(c) => {
          const p = sourcePublic(c.public);
          return [p.ec2Url, p.accessKey === undefined ? undefined : `access key ${p.accessKey}`]
            .filter((x) => x !== undefined)
            .join(', ');
        }}
        onPick={(c) => {
          choose(c.id);
        }}
      />
    </StepPage>
  );
}

/** The demo cloud this server runs, in one click: both connections, straight on to Nova. */
function DemoCard() {
  const status = useQuery(statusQuery);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [absent, setAbsent] = useState(false);
  const demo = useMutation({
    mutationFn: createDemoConnections,
    onSuccess: async ({ eucalyptus, nova }) => {
      await queryClient.invalidateQueries({ queryKey: connectionKeys.lists() });
      recordTrail({ source: eucalyptus.id, target: nova.id, ...FORGET_DOWNSTREAM });
      void navigate(stepPath(StepId.Nova, { source: eucalyptus.id, target: nova.id }) ?? '/');
    },
    onError: (e) => {
      if (e instanceof ApiError && e.status === 404) setAbsent(true);
    },
  });
  const running = status.data?.demo.eucalyptus != null && status.data.demo.nova != null;
  if (!running || absent) return null;
  const d = status.data?.demo.eucalyptus;
  return (
    <Card withBorder component="section" aria-labelledby="demo-title">
      <Group justify="space-between" align="center">
        <div>
          <Title order={3} size="h4" id="demo-title">
            Try it on the demo cloud
          </Title>
          <Text size="sm">
            This server runs a simulated Eucalyptus {d?.version} ({d?.users} users, {d?.instances}{' '}
            instances, {d?.images} images) and an empty demo Nova database.
          </Text>
        </div>
        <Button
          onClick={() => {
            demo.mutate();
          }}
          loading={demo.isPending}
        >
          Use the demo cloud
        </Button>
      </Group>
      {demo.isError && <ErrorAlert error={demo.error} title="The demo connections were not made" />}
    </Card>
  );
}

/** A stored connection: what may be shown of it, its test, and the way on (only when it passed). */
function SavedSource({
  id,
  onChange,
  onAnother,
}: {
  id: string;
  onChange: (p: SourcePublic) => void;
  onAnother: () => void;
}) {
  const { connection, test, ok } = useTestedConnection(id);
  const trail = useTrail();

  useEffect(() => {
    if (!ok) return;
    if (trail.source === id) return;
    recordTrail({ source: id, ...FORGET_DOWNSTREAM });
  }, [ok, id, trail.source]);

  const saved = connection.data?.kind === 'eucalyptus' ? connection.data : undefined;
  if (saved === undefined)
    return (
      <ConnectionUnavailable
        connection={connection}
        kind="eucalyptus"
        remedy="It may have been made on another server. Connect the cloud again."
        onAnother={onAnother}
      />
    );
  const p = sourcePublic(saved.public);
  const next = stepPath(StepId.Nova, { source: id, target: trail.target });
  return (
    <Card withBorder component="section" aria-labelledby="saved-source-title">
      <Stack gap="md">
        <div>
          <Title order={3} size="h4" id="saved-source-title">
            {sourceTitle(p)}
          </Title>
          <List size="sm" spacing={2} mt="xs">
            <List.Item>EC2: {p.ec2Url ?? 'from the eucarc'}</List.Item>
            {p.s3Url !== undefined && <List.Item>Walrus (S3): {p.s3Url}</List.Item>}
            {p.euareUrl !== undefined && <List.Item>Euare: {p.euareUrl}</List.Item>}
            <List.Item>
              Access key {p.accessKey ?? '(unknown)'}
              {p.secretStored === true ? ', secret key stored' : ''}
            </List.Item>
            <List.Item>
              Controller database: {p.controllerDb === true ? 'given' : 'not given'}; cloud-pk.pem:{' '}
              {p.cloudPk === true ? 'given' : 'not given'}; eucalyptus.conf:{' '}
              {p.eucalyptusConf === true ? 'given' : 'not given'}
            </List.Item>
          </List>
        </div>
        <SourceTestResult test={test} />
        <Group>
          {ok && next !== undefined ? (
            <Button component={Link} to={next}>
              Continue to Nova
            </Button>
          ) : null}
          <Button variant="default" onClick={() => void test.refetch()} disabled={test.isFetching}>
            Test again
          </Button>
          <Button
            variant="default"
            onClick={() => {
              onChange(p);
            }}
          >
            Change the connection
          </Button>
          <Button variant="subtle" onClick={onAnother}>
            Connect another cloud
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
