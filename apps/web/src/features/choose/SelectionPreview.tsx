import type { PlanSelection, ResourceKind, SelectionPreview as Preview } from '@euca2nova/model';
import { Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { selectionPreviewQuery } from '../../api/inventories/inventories.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { LocalTable } from '../../components/LocalTable.tsx';
import { formatCount } from '../../format.ts';
import { KIND_ORDER, kindLabel, kindOne } from '../../resource-kinds.ts';

type PulledIn = Preview['pulledIn'][number];

/** "image emi-… needed by instance i-… (image)". */
function pulledInReason(p: PulledIn): string {
  return `${kindOne(p.kind)} ${p.sourceId} needed by ${kindOne(p.pulledInBy.kind)} ${p.pulledInBy.sourceId} (${p.pulledInBy.relation})`;
}

const PULLED_COLUMNS: ColumnDef<PulledIn>[] = [
  { id: 'reason', header: 'Pulled in, and why', accessorFn: pulledInReason },
  { id: 'owner', header: 'Owner', accessorFn: (p) => p.owner ?? '—' },
];

/**
 * What the selection covers, asked of the server as the operator chooses (debounced by the
 * caller): per kind how many are selected and how many are pulled in as dependencies, and the
 * pulled-in resources with what needed them.
 */
export function SelectionPreview({
  inventoryId,
  kinds: cloudKinds,
  counts,
  selection,
  settling,
}: {
  inventoryId: string;
  /** How many of each kind the cloud has. */
  counts: Readonly<Record<string, number>>;
  /** The kinds the cloud has: each gets a row, 0 when the selection takes none. */
  kinds: readonly ResourceKind[];
  selection: PlanSelection | undefined;
  /** The operator is still changing the selection. */
  settling: boolean;
}) {
  // Everything needs no asking: all of each kind, nothing left to pull in. (On a large cloud the
  // server takes seconds to work that out, and the page opens on it.)
  const everything = selection !== undefined && Object.keys(selection).length === 0;
  const preview = useQuery({
    ...selectionPreviewQuery(inventoryId, selection ?? {}),
    enabled: selection !== undefined && !everything,
    placeholderData: keepPreviousData,
  });
  if (selection === undefined)
    return <Text size="sm">Nothing is selected yet: check a kind, or pick items by hand.</Text>;
  if (everything)
    return <PreviewView preview={everythingOf(counts)} kinds={cloudKinds} updating={settling} />;
  if (preview.isError)
    return (
      <ErrorAlert
        error={preview.error}
        title="The preview could not be computed"
        remedy="The plan can still be made; it lists what is pulled in."
        onRetry={() => void preview.refetch()}
      />
    );
  if (preview.data === undefined)
    return (
      <Group role="status">
        <Loader size="sm" aria-hidden="true" />
        <Text size="sm">Working out what this selection takes…</Text>
      </Group>
    );
  return (
    <PreviewView
      preview={preview.data}
      kinds={cloudKinds}
      updating={settling || preview.isFetching}
    />
  );
}

function everythingOf(counts: Readonly<Record<string, number>>): Preview {
  return {
    counts: Object.fromEntries(
      Object.entries(counts).map(([k, n]) => [k, { selected: n, pulledIn: 0 }]),
    ),
    pulledInTotal: 0,
    pulledIn: [],
  };
}

function PreviewView({
  preview: p,
  kinds: cloudKinds,
  updating,
}: {
  preview: Preview;
  kinds: readonly ResourceKind[];
  updating: boolean;
}) {
  const kinds = KIND_ORDER.filter((k) => cloudKinds.includes(k) || p.counts[k] !== undefined);
  return (
    <Stack gap="sm" aria-busy={updating}>
      <Group gap="xs" role="status" aria-live="polite">
        {updating && <Loader size="xs" aria-hidden="true" />}
        <Text size="sm">
          {updating
            ? 'Updating…'
            : `${formatCount(p.pulledInTotal)} ${p.pulledInTotal === 1 ? 'resource' : 'resources'} pulled in as dependencies.`}
        </Text>
      </Group>
      <Table aria-label="Selected and pulled in, per kind" verticalSpacing={4} maw={520}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Kind</Table.Th>
            <Table.Th ta="right">Selected</Table.Th>
            <Table.Th ta="right">Pulled in</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {kinds.map((k) => (
            <Table.Tr key={k} data-testid={`preview-${k}`}>
              <Table.Th scope="row" fw={400}>
                {kindLabel(k)}
              </Table.Th>
              <Table.Td ta="right">{formatCount(p.counts[k]?.selected ?? 0)}</Table.Td>
              <Table.Td ta="right">{formatCount(p.counts[k]?.pulledIn ?? 0)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {p.pulledIn.length > 0 && (
        <section aria-labelledby="pulled-in-title">
          <Title order={4} size="h5" id="pulled-in-title" mb={4}>
            Dependencies pulled in
          </Title>
          <LocalTable
            label="Resources pulled in, with the reason"
            rows={p.pulledIn}
            columns={PULLED_COLUMNS}
            rowId={(x) => `${x.kind}:${x.sourceId}:${x.pulledInBy.sourceId}`}
            height={260}
          />
          {p.pulledInTotal > p.pulledIn.length && (
            <Text size="xs" c="dimmed">
              The first {formatCount(p.pulledIn.length)} of {formatCount(p.pulledInTotal)}; the plan
              lists them all.
            </Text>
          )}
        </section>
      )}
    </Stack>
  );
}
