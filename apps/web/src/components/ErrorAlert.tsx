import { Alert, Button, Group, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { ApiError } from '../api/http.ts';

/**
 * A problem where it happened: what went wrong, in the server's words (they are written for the
 * operator), and the way out. Never a stack trace.
 */
export function ErrorAlert({
  error,
  title = 'That did not work',
  remedy,
  onRetry,
}: {
  error: unknown;
  title?: string;
  /** What the operator can do about it. */
  remedy?: ReactNode;
  onRetry?: () => void;
}) {
  const message =
    error instanceof ApiError || error instanceof Error ? error.message : String(error);
  return (
    <Alert color="red" title={title} role="alert">
      <Text size="sm">{message}</Text>
      {remedy !== undefined && (
        <Text size="sm" mt="xs">
          {remedy}
        </Text>
      )}
      {onRetry !== undefined && (
        <Group mt="sm">
          <Button size="xs" variant="default" onClick={onRetry}>
            Try again
          </Button>
        </Group>
      )}
    </Alert>
  );
}
