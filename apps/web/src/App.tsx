import { Alert, Button, Center, Container, Loader, Stack, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { Route, Routes } from 'react-router';
import { setCsrfToken } from './api/http.ts';
import { sessionKeys, sessionQuery } from './api/session.ts';
import { ErrorAlert } from './components/ErrorAlert.tsx';
import { HomePage } from './home/HomePage.tsx';
import { Layout } from './shell/Layout.tsx';
import { SignIn } from './shell/SignIn.tsx';

// Each step is its own chunk: the first page loads only the shell.
const EucalyptusStep = lazy(async () => ({
  default: (await import('./features/eucalyptus/EucalyptusStep.tsx')).EucalyptusStep,
}));
const NovaStep = lazy(async () => ({
  default: (await import('./features/nova/NovaStep.tsx')).NovaStep,
}));
const DiscoverStep = lazy(async () => ({
  default: (await import('./features/discover/DiscoverStep.tsx')).DiscoverStep,
}));
const ChooseStep = lazy(async () => ({
  default: (await import('./features/choose/ChooseStep.tsx')).ChooseStep,
}));
const NetworkStep = lazy(async () => ({
  default: (await import('./features/network/NetworkStep.tsx')).NetworkStep,
}));
const ReviewStep = lazy(async () => ({
  default: (await import('./features/review/ReviewStep.tsx')).ReviewStep,
}));
const CutoverStep = lazy(async () => ({
  default: (await import('./features/cutover/CutoverStep.tsx')).CutoverStep,
}));
const ProgressStep = lazy(async () => ({
  default: (await import('./features/progress/ProgressStep.tsx')).ProgressStep,
}));
const ReportStep = lazy(async () => ({
  default: (await import('./features/report/ReportStep.tsx')).ReportStep,
}));
const JobsPage = lazy(async () => ({
  default: (await import('./features/jobs/JobsPage.tsx')).JobsPage,
}));

function Loading() {
  return (
    <Center p="xl">
      <Loader aria-label="Loading" />
    </Center>
  );
}

/** Pages outside the wizard's frame (signed out): the name and the one thing to do. */
function Bare({ children }: { children: ReactNode }) {
  return (
    <Container size="sm" py="xl">
      <Stack gap="lg">
        <header>
          <Title order={1}>euca2nova</Title>
          <Text c="gray.7">Moves a whole Eucalyptus cloud into OpenStack Nova.</Text>
        </header>
        <main>{children}</main>
      </Stack>
    </Container>
  );
}

export function App() {
  const queryClient = useQueryClient();
  const session = useQuery(sessionQuery);
  useEffect(() => {
    setCsrfToken(session.data?.csrfToken);
  }, [session.data?.csrfToken]);

  if (session.isPending)
    return (
      <Bare>
        <Loading />
      </Bare>
    );
  if (session.isError)
    return (
      <Bare>
        <ErrorAlert
          error={session.error}
          title="The server did not answer"
          remedy="Check that euca2nova is running (npm start), then reload."
        />
      </Bare>
    );
  if (!session.data.signedIn)
    return (
      <Bare>
        <SignIn
          passwordSet={session.data.passwordSet}
          onSignedIn={(state) => {
            queryClient.setQueryData(sessionKeys.all, state);
          }}
        />
      </Bare>
    );

  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route element={<Layout />}>
          <Route index element={<HomePage />} />
          <Route path="migrate">
            <Route path="eucalyptus" element={<EucalyptusStep />} />
            <Route path="nova" element={<NovaStep />} />
            <Route path="discover" element={<DiscoverStep />} />
            <Route path="choose" element={<ChooseStep />} />
          </Route>
          <Route path="plans/:planId">
            <Route path="network" element={<NetworkStep />} />
            <Route path="review" element={<ReviewStep />} />
            <Route path="cutover" element={<CutoverStep />} />
          </Route>
          <Route path="jobs">
            <Route index element={<JobsPage />} />
            <Route path=":jobId" element={<ProgressStep />} />
            <Route path=":jobId/report" element={<ReportStep />} />
          </Route>
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </Suspense>
  );
}

function NotFound() {
  return (
    <Alert color="yellow" title="No such page">
      This address is not a page of euca2nova.{' '}
      <Button component="a" href="/" size="xs" variant="default">
        Go to the start
      </Button>
    </Alert>
  );
}
