import { Button, Card, Code, Group, List, Loader, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { Link } from 'react-router';
import { statusQuery } from '../api/status.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';

// Its own chunk: the jobs' schemas need not weigh on the first page.
const RecentJobs = lazy(async () => ({
  default: (await import('../features/jobs/RecentJobs.tsx')).RecentJobs,
}));

/** The start: what this server runs on, and the way into a migration or past ones. */
export function HomePage() {
  const status = useQuery(statusQuery);
  return (
    <Stack gap="lg">
      <Text c="gray.7">
        Moves a whole Eucalyptus cloud into OpenStack Nova: users and their keys, images, volumes,
        addresses, security groups, key pairs and instances, with every identifier kept.
      </Text>
      <Group>
        <Button component={Link} to="/migrate/eucalyptus">
          Start a migration
        </Button>
        <Button component={Link} to="/jobs" variant="default">
          Past jobs
        </Button>
      </Group>

      <Suspense fallback={<Loader size="sm" aria-label="Loading recent jobs" />}>
        <RecentJobs />
      </Suspense>

      {status.isPending && (
        <Group>
          <Loader size="sm" aria-label="Loading status" />
          <Text>Checking the server…</Text>
        </Group>
      )}
      {status.isError && (
        <ErrorAlert
          error={status.error}
          title="The server did not answer"
          remedy="Check that euca2nova is running (npm start), then reload."
        />
      )}
      {status.data && (
        <Card withBorder component="section" aria-labelledby="stack-title">
          <Title order={2} size="h3" id="stack-title">
            The stack is running
          </Title>
          <List spacing="xs" mt="sm">
            <List.Item>
              State database: PostgreSQL {status.data.stateDatabase.serverVersion} (
              {status.data.stateDatabase.kind}),{' '}
              <span data-testid="migrations">
                schema migrations applied: {status.data.stateDatabase.migrations.join(', ')}
              </span>
            </List.Item>
            <List.Item>
              Demo Nova database:{' '}
              {status.data.demo.nova ? (
                <>
                  <Code>{status.data.demo.nova.database}</Code> ({status.data.demo.nova.tables}{' '}
                  tables)
                </>
              ) : (
                'not running'
              )}
            </List.Item>
            {status.data.eucalyptus && (
              <List.Item>
                Eucalyptus to migrate from: <Code>{status.data.eucalyptus.ec2Url}</Code> (from
                EUCARC)
              </List.Item>
            )}
            <List.Item>
              Demo Eucalyptus:{' '}
              {status.data.demo.eucalyptus ? (
                <span data-testid="demo-eucalyptus">
                  {status.data.demo.eucalyptus.version} at{' '}
                  <Code>{status.data.demo.eucalyptus.ec2Url}</Code>,{' '}
                  {status.data.demo.eucalyptus.users} users, {status.data.demo.eucalyptus.instances}{' '}
                  instances, {status.data.demo.eucalyptus.images} images
                </span>
              ) : (
                'not running'
              )}
            </List.Item>
            <List.Item>euca2nova {status.data.version}</List.Item>
          </List>
        </Card>
      )}
    </Stack>
  );
}
