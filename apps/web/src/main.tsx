import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import { Alert, MantineProvider, createTheme, type CSSVariablesResolver } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { ApiError } from './api/http.ts';
import { sessionKeys } from './api/session.ts';
import { App } from './App.tsx';

/** A call refused for want of a session (it expired, or the password changed): ask again. */
function onError(error: Error): void {
  if (error instanceof ApiError && error.status === 401)
    void queryClient.invalidateQueries({ queryKey: sessionKeys.all });
}

const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: {
    queries: {
      refetchOnWindowFocus: false,
      // A refusal will not change by asking again; a dropped connection may.
      retry: (count, error) => !(error instanceof ApiError && error.status > 0) && count < 2,
    },
  },
});

// Mantine's default blue (shade 6) and dimmed grey miss WCAG AA contrast for small text on white;
// shade 8 and gray.7 meet it. So do red.9 for field errors (red.6 does not) and dark alert titles
// (an alert's tinted title misses it on its tinted background for red, yellow and green alike;
// the tint and the words still say what kind of alert it is).
const theme = createTheme({
  primaryShade: { light: 8, dark: 5 },
  components: {
    Alert: Alert.extend({ styles: { title: { color: 'var(--mantine-color-text)' } } }),
  },
});
const cssVariablesResolver: CSSVariablesResolver = (t) => ({
  variables: {},
  light: { '--mantine-color-dimmed': t.colors.gray[7], '--mantine-color-error': t.colors.red[9] },
  dark: {},
});

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver}>
      <Notifications />
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
