import { ReportUserQuerySchema, type ReportUserDetail } from '@euca2nova/model';
import {
  Button,
  Card,
  CopyButton,
  Group,
  Loader,
  ScrollArea,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { reportUserQuery } from '../../api/reports/reports.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { kindTitle, kindWords } from '../../resource-kinds.ts';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatCount } from '../../format.ts';
import { SEARCH_DEBOUNCE_MS, VERIFICATION_LOOK } from './constants.ts';

const Ec2UrlSchema = ReportUserQuerySchema.shape.ec2Url;

function Counts({ counts }: { counts: ReportUserDetail['counts'] }) {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  if (entries.length === 0) return <Text size="sm">Nothing of theirs moved.</Text>;
  return (
    <Text size="sm">
      {entries
        .map(([k, n]) => {
          return `${formatCount(n)} ${kindWords(k, n)}`;
        })
        .join(', ')}
    </Text>
  );
}

function ChangedIds({ detail }: { detail: ReportUserDetail }) {
  if (detail.changedIdsTotal === 0)
    return <Text size="sm">Every id of theirs stays the same in Nova.</Text>;
  return (
    <Stack gap={4}>
      <Text size="sm">
        {formatCount(detail.changedIdsTotal)} of their ids change
        {detail.changedIds.length < detail.changedIdsTotal &&
          ` (the first ${formatCount(detail.changedIds.length)} below; the id map has them all)`}
        :
      </Text>
      <ScrollArea.Autosize mah={240} type="auto">
        <Table striped withTableBorder aria-label={`Ids of ${detail.user} that change`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Kind</Table.Th>
              <Table.Th>Eucalyptus id</Table.Th>
              <Table.Th>Nova id</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {detail.changedIds.map((e) => (
              <Table.Tr key={`${e.kind}:${e.sourceId}`}>
                <Table.Td>{kindTitle(e.kind)}</Table.Td>
                <Table.Td ff="monospace">{e.sourceId}</Table.Td>
                <Table.Td ff="monospace">{e.targetId}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea.Autosize>
    </Stack>
  );
}

/** What changes for one user, and the notice to send them with Nova's EC2 URL written in. */
export function UserDetail({
  jobId,
  user,
  ec2Url,
  onEc2UrlChange,
}: {
  jobId: string;
  user: string;
  /** Kept by the caller: the same URL goes into every user's notice. */
  ec2Url: string;
  onEc2UrlChange: (url: string) => void;
}) {
  const [debounced] = useDebouncedValue(ec2Url.trim(), SEARCH_DEBOUNCE_MS);
  const parsed = Ec2UrlSchema.safeParse(debounced === '' ? undefined : debounced);
  const urlError =
    ec2Url.trim() !== '' && !parsed.success ? parsed.error.issues[0]?.message : undefined;
  const usedUrl = parsed.success ? (parsed.data ?? '') : '';
  const detail = useQuery({
    ...reportUserQuery(jobId, user, usedUrl),
    placeholderData: (previous) => (previous?.user === user ? previous : undefined),
  });

  return (
    <Card withBorder padding="md" component="section" aria-labelledby="user-detail-title">
      <Stack gap="sm">
        <Title order={4} id="user-detail-title">
          What changes for {user}
        </Title>
        {detail.isPending && <Loader size="sm" aria-label={`Loading what changes for ${user}`} />}
        {detail.isError && (
          <ErrorAlert
            error={detail.error}
            title={`What changes for ${user} could not be read`}
            onRetry={() => {
              void detail.refetch();
            }}
          />
        )}
        {detail.data && (
          <>
            <SimpleGrid cols={{ base: 1, md: 2 }}>
              <Stack gap={4}>
                <Text size="sm" fw={600}>
                  Moved
                </Text>
                <Counts counts={detail.data.counts} />
              </Stack>
              <Stack gap={4}>
                <Text size="sm" fw={600}>
                  Verification
                </Text>
                {detail.data.verification === null ? (
                  <Text size="sm">Not verified: the run stopped before verifying.</Text>
                ) : (
                  <Group gap="xs">
                    <StatusBadge tone={VERIFICATION_LOOK[detail.data.verification.result].tone}>
                      {VERIFICATION_LOOK[detail.data.verification.result].label}
                    </StatusBadge>
                    <Text size="sm">
                      {formatCount(detail.data.verification.itemsCompared)} compared
                      {detail.data.verification.differences.length > 0 &&
                        `, ${formatCount(detail.data.verification.differences.length)} differences (listed under Verification)`}
                    </Text>
                  </Group>
                )}
              </Stack>
            </SimpleGrid>
            <ChangedIds detail={detail.data} />
            <TextInput
              label="Nova's EC2 URL"
              description="Written into the notice, so the user knows where to point their tools."
              placeholder="http://nova.example.org:8773/services/Cloud"
              value={ec2Url}
              onChange={(e) => {
                onEc2UrlChange(e.currentTarget.value);
              }}
              error={urlError}
              maw={520}
            />
            <Textarea
              label={`Notice to send to ${user}`}
              value={detail.data.notice}
              readOnly
              autosize
              minRows={8}
              maxRows={24}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
              data-testid="user-notice"
            />
            <Group>
              <CopyButton value={detail.data.notice}>
                {({ copied, copy }) => (
                  <Button variant="default" onClick={copy}>
                    {copied ? 'Copied' : 'Copy the notice'}
                  </Button>
                )}
              </CopyButton>
            </Group>
          </>
        )}
      </Stack>
    </Card>
  );
}
