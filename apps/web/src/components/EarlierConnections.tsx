import type { Connection } from '@euca2nova/model';
import {
  Button,
  Card,
  Loader,
  ScrollArea,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { connectionListQuery, type ConnectionKind } from '../api/connections/connections.ts';
import { formatTime } from '../format.ts';
import { ErrorAlert } from './ErrorAlert.tsx';

/**
 * Connections stored earlier, to pick one again (their public part only: the server never sends
 * a secret back). Used by the Eucalyptus and Nova steps.
 */
export function EarlierConnections({
  kind,
  title,
  currentId,
  name,
  describe,
  onPick,
}: {
  kind: ConnectionKind;
  title: string;
  currentId: string | undefined;
  /** What the operator calls it (the button says "Use <name>" to a screen reader). */
  name: (c: Connection) => string;
  describe: (c: Connection) => string;
  onPick: (c: Connection) => void;
}) {
  const list = useQuery(connectionListQuery(kind));
  const titleId = `earlier-${kind}-title`;
  return (
    <Card withBorder component="section" aria-labelledby={titleId}>
      <Title order={3} size="h4" id={titleId} mb="xs">
        {title}
      </Title>
      {list.isPending && <Loader size="sm" aria-label="Loading connections" />}
      {list.isError && (
        <ErrorAlert error={list.error} title="The connections could not be listed" />
      )}
      {list.data?.length === 0 && (
        <Text size="sm" c="dimmed">
          None yet.
        </Text>
      )}
      {list.data !== undefined && list.data.length > 0 && (
        <ScrollArea.Autosize mah={320}>
          <Table aria-labelledby={titleId} verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Connection</Table.Th>
                <Table.Th>Saved</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Action</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td>
                    <Text size="sm" fw={600}>
                      {name(c)}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {describe(c)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatTime(c.createdAt)}</Text>
                  </Table.Td>
                  <Table.Td>
                    {c.id === currentId ? (
                      <Text size="sm" fw={600}>
                        In use
                      </Text>
                    ) : (
                      <Button
                        size="compact-sm"
                        variant="default"
                        aria-label={`Use ${name(c)} (saved ${formatTime(c.createdAt)})`}
                        onClick={() => {
                          onPick(c);
                        }}
                      >
                        Use this one
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea.Autosize>
      )}
    </Card>
  );
}
