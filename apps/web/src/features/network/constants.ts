import type { NetworkFilter } from '../../api/plans/plans.ts';
import type { Tone } from '../../components/StatusBadge.tsx';

/** What the operator may choose: `auto` lets the plan take the manager matching the mode. */
export const MANAGER_CHOICES = ['auto', 'FlatManager', 'FlatDHCPManager', 'VlanManager'] as const;
export type ManagerChoice = (typeof MANAGER_CHOICES)[number];

export const MANAGER_HELP: Readonly<Record<Exclude<ManagerChoice, 'auto'>, string>> = {
  FlatManager:
    'One network shared by every project; no DHCP (addresses are injected into the guests) and bridge, routing and metadata forwarding are set up by hand. The match for STATIC mode.',
  FlatDHCPManager:
    "One network shared by every project; Nova's dnsmasq hands out the addresses on one bridge. The match for MANAGED-NOVLAN mode.",
  VlanManager:
    'One network, VLAN and bridge per project, with its own cloudpipe VPN port. The match for MANAGED mode.',
};

/** Where the Eucalyptus network mode was read from, in words. */
export const MODE_SOURCE: Readonly<Record<string, string>> = {
  'eucalyptus.conf': 'read from eucalyptus.conf',
  'cloud-properties': "read from the cloud's properties (euca-describe-properties)",
  manual: 'as given on the Eucalyptus step',
  inferred: "inferred from the instances' addresses (no eucalyptus.conf was given)",
};

export type InstanceStatus = NonNullable<NetworkFilter['status']>;

export const INSTANCE_STATUS: Readonly<
  Record<InstanceStatus, { label: string; tone: Tone; filter: string }>
> = {
  kept: { label: 'Kept', tone: 'ok', filter: 'Fixed IP kept' },
  changed: { label: 'Changes', tone: 'warn', filter: 'Fixed IP changes' },
  external: { label: 'Outside Nova', tone: 'info', filter: 'Assigned outside Nova' },
  none: { label: 'No fixed IP', tone: 'error', filter: 'No fixed IP' },
};
