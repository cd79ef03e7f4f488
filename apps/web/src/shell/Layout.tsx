import { Anchor, AppShell, Button, Container, Group, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, NavLink, Outlet } from 'react-router';
import { signOut, sessionKeys } from '../api/session.ts';

/** Header with the way home, the migration and past jobs, and sign-out; the page below. */
export function Layout() {
  const queryClient = useQueryClient();
  const logout = useMutation({
    mutationFn: signOut,
    onSuccess: (state) => {
      queryClient.setQueryData(sessionKeys.all, state);
      // Nothing read while signed in stays in the page.
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionKeys.all[0] });
    },
  });
  return (
    <AppShell header={{ height: 56 }} padding="md">
      <AppShell.Header>
        <Container size="xl" h="100%">
          <Group h="100%" justify="space-between">
            <Group gap="lg">
              <Anchor component={Link} to="/" underline="never" c="inherit">
                <Title order={1} size="h3">
                  euca2nova
                </Title>
              </Anchor>
              <nav aria-label="Main">
                <Group gap="md">
                  <Anchor component={NavLink} to="/migrate/eucalyptus">
                    New migration
                  </Anchor>
                  <Anchor component={NavLink} to="/jobs">
                    Past jobs
                  </Anchor>
                </Group>
              </nav>
            </Group>
            <Button
              variant="default"
              size="xs"
              onClick={() => {
                logout.mutate();
              }}
              loading={logout.isPending}
            >
              Sign out
            </Button>
          </Group>
        </Container>
      </AppShell.Header>
      <AppShell.Main>
        <Container size="xl" py="md">
          <Outlet />
        </Container>
      </AppShell.Main>
    </AppShell>
  );
}
