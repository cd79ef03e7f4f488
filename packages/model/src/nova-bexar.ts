import { z } from 'zod';

/** Bexar's static instance types (`nova/compute/instance_types.py`, nova-bexar.md §2.3). */
export const NOVA_BEXAR_INSTANCE_TYPES = {
  'm1.tiny': { memoryMb: 512, vcpus: 1, localGb: 0, flavorId: 1 },
  'm1.small': { memoryMb: 2048, vcpus: 1, localGb: 20, flavorId: 2 },
  'm1.medium': { memoryMb: 4096, vcpus: 2, localGb: 40, flavorId: 3 },
  'm1.large': { memoryMb: 8192, vcpus: 4, localGb: 80, flavorId: 4 },
  'm1.xlarge': { memoryMb: 16384, vcpus: 8, localGb: 160, flavorId: 5 },
} as const;

/** RunInstances and the libvirt driver accept no other name, so a mapping must land on one. */
export const NovaInstanceTypeSchema = z.enum([
  'm1.tiny',
  'm1.small',
  'm1.medium',
  'm1.large',
  'm1.xlarge',
]);
export type NovaInstanceType = z.infer<typeof NovaInstanceTypeSchema>;

/**
 * `none` writes no networks or fixed IPs: the 2010 spec's NoOpManager for SYSTEM mode does not
 * exist in Bexar (nova-bexar.md §5), so the operator keeps networking outside Nova.
 */
export const NovaNetworkManagerSchema = z.enum([
  'FlatManager',
  'FlatDHCPManager',
  'VlanManager',
  'none',
]);
export type NovaNetworkManager = z.infer<typeof NovaNetworkManagerSchema>;

/** `network_manager` flag value for each choice. */
export const NOVA_NETWORK_MANAGER_CLASS: Readonly<
  Record<Exclude<NovaNetworkManager, 'none'>, string>
> = {
  FlatManager: 'nova.network.manager.FlatManager',
  FlatDHCPManager: 'nova.network.manager.FlatDHCPManager',
  VlanManager: 'nova.network.manager.VlanManager',
};

const FlagText = z
  .string()
  .regex(/^[A-Za-z0-9_.:/$-]{1,255}$/, { message: 'not a plain flag value' });
const Port = z.int().min(1).max(65535);

/**
 * The network flags of nova-bexar.md §5.1, by their nova.conf names so what is shown is what gets
 * written (`--fixed_range=…`). Only these can appear: nothing secret fits here.
 */
export const NovaNetworkFlagsSchema = z.strictObject({
  network_manager: z
    .enum([
      NOVA_NETWORK_MANAGER_CLASS.FlatManager,
      NOVA_NETWORK_MANAGER_CLASS.FlatDHCPManager,
      NOVA_NETWORK_MANAGER_CLASS.VlanManager,
    ])
    .optional(),
  fixed_range: z.cidrv4().optional(),
  num_networks: z.int().min(1).max(4094).optional(),
  network_size: z.int().min(4).max(16_777_216).optional(),
  vlan_start: z.int().min(1).max(4094).optional(),
  vpn_start: Port.optional(),
  vpn_ip: z.ipv4().optional(),
  cnt_vpn_clients: z.int().min(0).max(65_536).optional(),
  flat_network_bridge: FlagText.optional(),
  flat_network_dns: z.ipv4().optional(),
  flat_injected: z.boolean().optional(),
  flat_interface: FlagText.optional(),
  flat_network_dhcp_start: z.ipv4().optional(),
  network_host: FlagText.optional(),
  public_interface: FlagText.optional(),
  vlan_interface: FlagText.optional(),
  routing_source_ip: z.ipv4().optional(),
  dmz_cidr: z.cidrv4().optional(),
  dns_server: z.ipv4().optional(),
  fixed_ip_disassociate_timeout: z.int().min(0).optional(),
  update_dhcp_on_disassociate: z.boolean().optional(),
});
export type NovaNetworkFlags = z.infer<typeof NovaNetworkFlagsSchema>;
