import type { ConnectionTest } from '@euca2nova/model';
import { Alert, Group, Loader, Table, Text } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { formatBytes, formatCount } from '../../format.ts';
import { TARGET_PROBLEMS, TARGET_STATUS_TEXT } from './utils.ts';

type TargetTest = NonNullable<ConnectionTest['target']>;

/** What the test found in Nova (schema, rows, writability, image store), or the problem. */
export function NovaTestResult({ test }: { test: UseQueryResult<ConnectionTest> }) {
  if (test.isPending || test.isFetching)
    return (
      <Group role="status">
        <Loader size="sm" aria-hidden="true" />
        <Text>Testing: connecting to the database and reading its schema…</Text>
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
  const { ok, target, error } = test.data;
  const problem = error === undefined ? undefined : TARGET_PROBLEMS[error.code];
  return (
    <>
      {ok ? (
        <Alert color="green" title="Nova can be written" role="status">
          <Text size="sm" data-testid="target-found">
            {target === undefined
              ? 'The database answered.'
              : `Schema: ${TARGET_STATUS_TEXT[target.status]}${target.schemaVersion === null ? '' : `, version ${String(target.schemaVersion)}`}; ${formatCount(target.rows)} rows already in it.`}
          </Text>
        </Alert>
      ) : (
        <Alert
          color={error?.code === 'target-empty' ? 'yellow' : 'red'}
          title={problem?.title ?? 'The test failed'}
          role="alert"
        >
          <Text size="sm" data-testid="target-problem">
            {error?.message ?? 'The database gave no usable answer.'}
          </Text>
          {problem?.remedy !== undefined && (
            <Text size="sm" mt="xs">
              {problem.remedy}
            </Text>
          )}
        </Alert>
      )}
      {target !== undefined && <TargetFacts target={target} />}
    </>
  );
}

function TargetFacts({ target }: { target: TargetTest }) {
  const images = target.imagesPath;
  return (
    <Table withRowBorders={false} verticalSpacing={2} aria-label="What the test found in Nova">
      <Table.Tbody>
        <Row
          label="Schema"
          value={`${TARGET_STATUS_TEXT[target.status]} (status “${target.status}”)`}
        />
        <Row
          label="Schema version"
          value={target.schemaVersion === null ? 'none' : String(target.schemaVersion)}
        />
        <Row label="Rows already there" value={formatCount(target.rows)} />
        <Row
          label="Writable"
          value={target.writable ? 'yes' : 'no: the role may not insert into the Nova tables'}
        />
        <Row
          label="Images path"
          value={
            images === null
              ? 'not given'
              : images.exists
                ? `${images.path}: exists${images.freeBytes === null ? '' : `, ${formatBytes(images.freeBytes)} free`}`
                : `${images.path}: does not exist on this host`
          }
        />
      </Table.Tbody>
    </Table>
  );
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
