import { Box, Stack, Table, Text, Title } from '@mantine/core';
import type { NetworkView } from '@euca2nova/model';
import { plural } from '../../format.ts';

/** The Nova networks the run creates (a few: one per project at most, so a plain table). */
export function NetworksTable({ networks }: { networks: NetworkView['networks'] }) {
  return (
    <Stack gap="xs" component="section" aria-labelledby="networks-title">
      <div>
        <Title order={3} size="h4" id="networks-title">
          Networks to be created
        </Title>
        <Text size="sm" c="dimmed">
          {networks.length === 0
            ? 'None: with this manager Nova manages no network for these instances.'
            : `${plural(networks.length, 'network')}; a network with no project is left for projects made later.`}
        </Text>
      </div>
      {networks.length > 0 && (
        <Box
          mah={380}
          style={{ overflow: 'auto', border: '1px solid var(--mantine-color-gray-3)' }}
          tabIndex={0}
          role="region"
          aria-label="Networks to be created, scrollable"
        >
          <Table stickyHeader striped aria-label="Networks to be created" fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>CIDR</Table.Th>
                <Table.Th>Netmask</Table.Th>
                <Table.Th>Gateway</Table.Th>
                <Table.Th>Broadcast</Table.Th>
                <Table.Th>Bridge</Table.Th>
                <Table.Th>DHCP start</Table.Th>
                <Table.Th>VLAN</Table.Th>
                <Table.Th>VPN</Table.Th>
                <Table.Th>Project</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {networks.map((n) => (
                <Table.Tr key={n.index}>
                  <Table.Td ff="monospace">{n.cidr}</Table.Td>
                  <Table.Td ff="monospace">{n.netmask}</Table.Td>
                  <Table.Td ff="monospace">{n.gateway}</Table.Td>
                  <Table.Td ff="monospace">{n.broadcast}</Table.Td>
                  <Table.Td>{n.bridge}</Table.Td>
                  <Table.Td ff="monospace">{n.dhcpStart}</Table.Td>
                  <Table.Td>{n.vlan ?? '—'}</Table.Td>
                  <Table.Td ff="monospace">
                    {n.vpnPrivateAddress === null
                      ? '—'
                      : `${n.vpnPrivateAddress}${n.vpnPublicPort === null ? '' : `, port ${String(n.vpnPublicPort)}`}`}
                  </Table.Td>
                  <Table.Td>
                    {n.projectId ?? (
                      <Text span size="sm" c="dimmed">
                        none yet
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Box>
      )}
    </Stack>
  );
}
