import { Alert, Button, Loader } from '@mantine/core';
import type { Connection } from '@euca2nova/model';
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { connectionQuery, connectionTestQuery } from '../api/connections/connections.ts';
import { ErrorAlert } from './ErrorAlert.tsx';

/** A stored connection and its real round trip; `ok` once the test has passed and is not rerunning. */
export function useTestedConnection(id: string) {
  const connection = useQuery(connectionQuery(id));
  const test = useQuery({ ...connectionTestQuery(id), enabled: connection.isSuccess });
  return { connection, test, ok: test.data?.ok === true && !test.isFetching };
}

const WORDS = {
  eucalyptus: { name: 'Eucalyptus', connect: 'Connect a Eucalyptus cloud' },
  nova: { name: 'Nova', connect: 'Connect a Nova database' },
} as const;

/**
 * What stands where a stored connection cannot be shown yet or at all: loading, unreadable (with
 * the way out), or of the other kind. The step shows the connection once it is of its kind.
 */
export function ConnectionUnavailable({
  connection,
  kind,
  remedy,
  onAnother,
}: {
  connection: UseQueryResult<Connection>;
  kind: Connection['kind'];
  remedy: string;
  onAnother: () => void;
}) {
  if (connection.isPending) return <Loader aria-label="Loading the connection" />;
  if (connection.isError)
    return (
      <ErrorAlert
        error={connection.error}
        title="This connection cannot be opened"
        remedy={remedy}
        onRetry={onAnother}
      />
    );
  return (
    <Alert color="yellow" title={`This is not a ${WORDS[kind].name} connection`}>
      <Button size="xs" variant="default" onClick={onAnother}>
        {WORDS[kind].connect}
      </Button>
    </Alert>
  );
}
