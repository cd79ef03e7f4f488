import { Alert, Button, Card, Group, List, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { connectionKeys, createDemoConnections } from '../../api/connections/connections.ts';
import { ApiError } from '../../api/http.ts';
import { statusQuery } from '../../api/status.ts';
import { EarlierConnections } from '../../components/EarlierConnections.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { ConnectionUnavailable, useTestedConnection } from '../../components/SavedConnection.tsx';
import { StepPage } from '../../shell/StepPage.tsx';
import { StepId, stepPath } from '../../wizard/steps.ts';
import { recordTrail, useTrail } from '../../wizard/trail.ts';
import { InitialiseSchema } from './InitialiseSchema.tsx';
import { NovaForm } from './NovaForm.tsx';
import { NovaTestResult } from './NovaTestResult.tsx';
import { novaPublic, novaTitle } from './utils.ts';

/**
 * Step 3: the Nova database to migrate into and its image store. Saved, then tested (schema,
 * rows, writability, images path); an empty database can get Bexar's schema here for a trial.
 * `?target=` names the connection shown; only a passing test leads on to Discover.
 */
export function NovaStep() {
  const [params, setParams] = useSearchParams();
  const source = params.get('source') ?? undefined;
  const target = params.get('target') ?? undefined;
  const [adding, setAdding] = useState(false);

  const choose = (id: string | undefined): void => {
    setAdding(false);
    if (source === undefined) return;
    setParams(id === undefined ? { source } : { source, target: id });
  };

  if (source === undefined)
    return (
      <StepPage step={StepId.Nova}>
        <Alert color="yellow" title="Connect the Eucalyptus cloud first">
          <Text size="sm" mb="xs">
            The Nova step follows a tested Eucalyptus connection.
          </Text>
          <Button component={Link} to="/migrate/eucalyptus" size="xs">
            Go to the Eucalyptus step
          </Button>
        </Alert>
      </StepPage>
    );

  return (
    <StepPage
      step={StepId.Nova}
      lead="The Nova (Bexar) database the cloud moves into, and where Nova keeps its images."
    >
      {target === undefined || adding ? (
        <>
          <DemoNova
            onMade={(id) => {
              choose(id);
            }}
          />
          <NovaForm
            defaultImagesPath=""
            onSaved={(c) => {
              choose(c.id);
            }}
          />
          {adding && (
            <Group>
              <Button
                variant="default"
                onClick={() => {
                  setAdding(false);
                }}
              >
                Back to the saved connection
              </Button>
            </Group>
          )}
        </>
      ) : (
        <SavedTarget
          id={target}
          source={source}
          onAnother={() => {
            setAdding(true);
          }}
        />
      )}
      <EarlierConnections
        kind="nova"
        title="Earlier Nova connections"
        currentId={target}
        name={(c) => novaTitle(novaPublic(c.public))}
        describe={(c) => {
          const p = novaPublic(c.public);
          return [
            p.user === undefined ? undefined : `user ${p.user}`,
            p.passwordStored === true ? 'password stored' : undefined,
            p.imagesPath === undefined ? undefined : `images in ${p.imagesPath}`,
          ]
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

/** The demo Nova database this server runs, in one click. */
function DemoNova({ onMade }: { onMade: (id: string) => void }) {
  const status = useQuery(statusQuery);
  const queryClient = useQueryClient();
  const [absent, setAbsent] = useState(false);
  const demo = useMutation({
    // The server makes both demo connections at once; the Eucalyptus one is simply not used here.
    mutationFn: createDemoConnections,
    onSuccess: async ({ nova }) => {
      await queryClient.invalidateQueries({ queryKey: connectionKeys.lists() });
      onMade(nova.id);
    },
    onError: (e) => {
      if (e instanceof ApiError && e.status === 404) setAbsent(true);
    },
  });
  const db = status.data?.demo.nova;
  if (db == null || absent) return null;
  return (
    <Card withBorder component="section" aria-labelledby="demo-nova-title">
      <Group justify="space-between">
        <div>
          <Title order={3} size="h4" id="demo-nova-title">
            The demo Nova
          </Title>
          <Text size="sm">
            This server runs a demo Nova database, {db.database} ({db.tables} tables).
          </Text>
        </div>
        <Button
          variant="default"
          loading={demo.isPending}
          onClick={() => {
            demo.mutate();
          }}
        >
          Use the demo Nova
        </Button>
      </Group>
      {demo.isError && <ErrorAlert error={demo.error} title="The demo connection was not made" />}
    </Card>
  );
}

function SavedTarget({
  id,
  source,
  onAnother,
}: {
  id: string;
  source: string;
  onAnother: () => void;
}) {
  const { connection, test, ok } = useTestedConnection(id);
  const trail = useTrail();

  useEffect(() => {
    if (ok && trail.target !== id) recordTrail({ target: id, plan: null, job: null });
  }, [ok, id, trail.target]);

  const saved = connection.data?.kind === 'nova' ? connection.data : undefined;
  if (saved === undefined)
    return (
      <ConnectionUnavailable
        connection={connection}
        kind="nova"
        remedy="Connect the Nova database again."
        onAnother={onAnother}
      />
    );
  const p = novaPublic(saved.public);
  const next = stepPath(StepId.Discover, {
    source,
    target: id,
    discovery: trail.source === source ? trail.discovery : undefined,
  });
  const canInitialise =
    test.data?.target?.canInitialise === true && !test.isFetching && !test.data.ok;
  return (
    <Card withBorder component="section" aria-labelledby="saved-target-title">
      <Stack gap="md">
        <div>
          <Title order={3} size="h4" id="saved-target-title">
            {novaTitle(p)}
          </Title>
          <List size="sm" spacing={2} mt="xs">
            <List.Item>
              Database {p.database ?? '?'} on {p.host ?? 'localhost'}, port {p.port ?? 5432}
            </List.Item>
            <List.Item>
              User {p.user ?? '(the default)'}
              {p.passwordStored === true ? ', password stored' : ', no password'}
            </List.Item>
            <List.Item>Images path: {p.imagesPath ?? 'not given'}</List.Item>
          </List>
        </div>
        <NovaTestResult test={test} />
        {canInitialise && <InitialiseSchema id={id} database={p.database ?? 'nova'} />}
        <Group>
          {ok && next !== undefined ? (
            <Button component={Link} to={next}>
              Continue to Discover
            </Button>
          ) : null}
          <Button variant="default" onClick={() => void test.refetch()} disabled={test.isFetching}>
            Test again
          </Button>
          <Button variant="subtle" onClick={onAnother}>
            Connect another database
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
