import type { ConnectionTest } from '@euca2nova/model';
import { Alert, Group, Loader, Table, Text } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { formatCount } from '../../format.ts';
import { SOURCE_PROBLEM_TITLES } from './utils.ts';

/** What the round trip found (version, users, signer, network, extras), or the exact problem. */
export function SourceTestResult({ test }: { test: UseQueryResult<ConnectionTest> }) {
  if (test.isPending || test.isFetching)
    return (
      <Group role="status">
        <Loader size="sm" aria-hidden="true" />
        <Text>Testing the connection: signing a request and asking the cloud who we are…</Text>
      </Group>
    );
  if (test.isError)
    return (
      <ErrorAlert
        error={test.error}
        title="The test could not run"
        onRetry={() => void test.refetch()}
      />
    );
  const result = test.data;
  if (!result.ok || result.source === undefined) {
    const code = result.error?.code ?? '';
    return (
      <Alert color="red" role="alert" title={SOURCE_PROBLEM_TITLES[code] ?? 'The test failed'}>
        <Text size="sm" data-testid="source-problem">
          {result.error?.message ?? 'The cloud gave no usable answer.'}
        </Text>
        <Text size="sm" mt="xs">
          Use “Change the connection” below to correct it (the endpoints and the access key are
          kept; type the secret key again), or “Test again” once the cloud is back.
        </Text>
      </Alert>
    );
  }
  const s = result.source;
  return (
    <Alert color="green" title="Connected" role="status">
      <Text size="sm" mb="xs" data-testid="source-found">
        Eucalyptus {versionText(s.version)} with {formatCount(s.userCount)}{' '}
        {s.userCount === 1 ? 'user' : 'users'}.
      </Text>
      <Table withRowBorders={false} verticalSpacing={2} aria-label="What the test found">
        <Table.Tbody>
          <Row
            label="Version"
            value={
              s.version.includes('.')
                ? s.version
                : `${versionText(s.version)} (the exact release is not told by this cloud)`
            }
          />
          <Row label="Users" value={formatCount(s.userCount)} />
          <Row label="Signed in as" value={s.admin} />
          <Row label="Request signing" value={s.signer} />
          <Row label="Network mode" value={s.networkMode ?? 'not known yet (found by discovery)'} />
          <Row
            label="Controller database"
            value={
              s.controllerDb ? 'reached' : 'not given (owners come from the API and impersonation)'
            }
          />
          <Row
            label="cloud-pk.pem"
            value={s.cloudPk ? 'found' : 'not given (images are read decrypted from Walrus)'}
          />
        </Table.Tbody>
      </Table>
    </Alert>
  );
}

/** "2.x" when the cloud told only its major version (inferred from the services it runs). */
function versionText(version: string): string {
  return version.includes('.') ? version : `${version}.x`;
}

function Row({ label, value }: { label: string; value: string }) {
  return (
    <Table.Tr>
      <Table.Th scope="row" w={200} fw={600}>
        {label}
      </Table.Th>
      <Table.Td>{value}</Table.Td>
    </Table.Tr>
  );
}
