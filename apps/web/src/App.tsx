import {
  Alert,
  Button,
  Code,
  Card,
  Container,
  Group,
  List,
  Loader,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError } from './api/http.ts';
import { sessionKeys, sessionQuery, signOut } from './api/session.ts';
import { statusKeys, statusQuery } from './api/status.ts';
import { SignIn } from './SignIn.tsx';

export function App() {
  const queryClient = useQueryClient();
  const session = useQuery(sessionQuery);
  const signedIn = session.data?.signedIn === true;
  const status = useQuery({ ...statusQuery, enabled: signedIn });
  const logout = useMutation({
    mutationFn: () => signOut(session.data?.csrfToken),
    onSuccess: (state) => {
      queryClient.setQueryData(sessionKeys.all, state);
      queryClient.removeQueries({ queryKey: statusKeys.all });
    },
  });

  return (
    <Container size="md" py="xl">
      <Stack gap="lg">
        <header>
          <Title order={1}>euca2nova</Title>
          <Text c="gray.7">
            Moves a whole Eucalyptus cloud into OpenStack Nova: users and their keys, images,
            volumes, addresses, security groups, key pairs and instances, with every identifier
            kept.
          </Text>
        </header>

        {session.isPending && (
          <Group>
            <Loader size="sm" aria-label="Loading" />
            <Text>Checking the server…</Text>
          </Group>
        )}

        {session.isError && (
          <Alert color="red" title="The server did not answer" role="alert">
            {session.error.message}. Check that euca2nova is running (npm start) and reload.
          </Alert>
        )}

        {session.data && !signedIn && (
          <SignIn
            passwordSet={session.data.passwordSet}
            onSignedIn={(state) => {
              queryClient.setQueryData(sessionKeys.all, state);
            }}
          />
        )}

        {signedIn && status.isPending && (
          <Group>
            <Loader size="sm" aria-label="Loading status" />
            <Text>Checking the server…</Text>
          </Group>
        )}

        {status.isError && status.error instanceof ApiError && status.error.status === 401 && (
          <Alert color="yellow" title="Your session has ended" role="alert">
            <Button
              variant="default"
              size="xs"
              onClick={() => {
                void queryClient.invalidateQueries({ queryKey: sessionKeys.all });
              }}
            >
              Sign in again
            </Button>
          </Alert>
        )}

        {status.isError && !(status.error instanceof ApiError && status.error.status === 401) && (
          <Alert color="red" title="The server did not answer" role="alert">
            {status.error.message}. Check that euca2nova is running (npm start) and reload.
          </Alert>
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
                    {status.data.demo.eucalyptus.users} users,{' '}
                    {status.data.demo.eucalyptus.instances} instances,{' '}
                    {status.data.demo.eucalyptus.images} images
                  </span>
                ) : (
                  'not running'
                )}
              </List.Item>
              <List.Item>euca2nova {status.data.version}</List.Item>
            </List>
          </Card>
        )}

        {signedIn && (
          <Group>
            <Button
              variant="default"
              onClick={() => {
                logout.mutate();
              }}
              loading={logout.isPending}
            >
              Sign out
            </Button>
          </Group>
        )}
      </Stack>
    </Container>
  );
}
