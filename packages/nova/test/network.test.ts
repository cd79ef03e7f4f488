import { describe, expect, it } from 'vitest';
import { NovaNetworkFlagsSchema, type NetworkMode } from '@euca2nova/model';
import { describeInstanceTypeMapping, planNetwork, renderNovaConf } from '../src/index.ts';
import { FLAT_NETWORK_MAX, flatNetworkBlock } from '../src/network.ts';
import { demoInventory, demoMappings } from './fixtures/index.ts';

const plan = (mode: NetworkMode) => planNetwork(demoInventory(mode), demoMappings({}, mode));

describe('planNetwork', () => {
  it('SYSTEM: no Nova networking, fixed IPs external, each elastic IP a blocking finding', () => {
    const p = plan('SYSTEM');
    expect(p.manager).toBe('none');
    expect([p.networks, p.fixedIps, p.floatingIps]).toEqual([[], [], []]);
    expect(p.perInstance.map((i) => [i.instanceId, i.status, i.novaIp])).toEqual([
      ['i-00C0FFEE', 'external', '172.16.0.23'],
      ['i-1A2B3C4D', 'external', '172.16.0.21'],
      ['i-7FFFFFFF', 'external', '172.16.0.25'],
      ['i-9A3B1C2D', 'external', '172.16.0.22'],
    ]);
    expect(p.findings).toEqual([
      expect.objectContaining({
        ruleId: 'address.unsupported-without-network',
        severity: 'error',
        affectedIds: ['203.0.113.10'],
      }),
    ]);
    expect(p.explanation.join(' ')).toMatch(/no NoOp network manager.*stub_network/s);
    expect(p.flags).toEqual({ flat_network_bridge: 'br0', flat_injected: false });
  });

  it('STATIC: FlatManager, one network on the bridge, IPs from the MAC map', () => {
    const p = plan('STATIC');
    expect(p.manager).toBe('FlatManager');
    expect(p.networks).toEqual([
      expect.objectContaining({
        cidr: '192.168.1.0/24',
        bridge: 'br0',
        gateway: '192.168.1.1',
        broadcast: '192.168.1.255',
        dhcpStart: '192.168.1.2',
        vlan: null,
        projectId: null,
      }),
    ]);
    expect(p.fixedIps.filter((f) => f.reserved).map((f) => f.address)).toEqual([
      '192.168.1.0',
      '192.168.1.1',
    ]);
    expect(p.perInstance.every((i) => i.status === 'kept')).toBe(true);
    expect(NovaNetworkFlagsSchema.parse(p.flags)).toEqual({
      network_manager: 'nova.network.manager.FlatManager',
      fixed_range: '192.168.1.0/24',
      network_size: 256,
      num_networks: 1,
      flat_network_bridge: 'br0',
      flat_network_dns: '192.168.1.1',
      flat_injected: true,
    });
  });

  it('MANAGED: VlanManager, one network per project, says which fixed IPs change and why', () => {
    const p = plan('MANAGED');
    expect(p.manager).toBe('VlanManager');
    expect(p.networks.map((n) => [n.cidr, n.vlan, n.bridge, n.projectId, n.vpnPublicPort])).toEqual(
      [
        ['10.1.0.0/27', 2, 'br2', 'alice', 1000],
        ['10.1.0.32/27', 3, 'br3', null, 1001],
        ['10.1.0.64/27', 4, 'br4', 'bob', 1002],
        ['10.1.0.96/27', 5, 'br5', 'admin', 1003],
      ],
    );
    const byId = Object.fromEntries(p.perInstance.map((i) => [i.instanceId, i]));
    expect(byId['i-1A2B3C4D']).toMatchObject({ status: 'kept', novaIp: '10.1.0.10' });
    expect(byId['i-9A3B1C2D']).toMatchObject({
      status: 'changed',
      sourceIp: '10.1.0.40',
      novaIp: '10.1.0.3',
    });
    expect(byId['i-9A3B1C2D']?.reason).toMatch(/another project's network/);
    expect(byId['i-00C0FFEE']?.reason).toMatch(/reserved by Nova/);
    expect(p.floatingIps).toHaveLength(11);
    expect(p.floatingIps.find((f) => f.address === '203.0.113.10')).toEqual({
      address: '203.0.113.10',
      projectId: 'alice',
      instanceId: 'i-1A2B3C4D',
    });
    expect(renderNovaConf(p.flags)).toBe(
      [
        '# Network flags written by euca2nova for Nova 2011.1 (Bexar)',
        '--fixed_range=10.1.0.0/16',
        '--network_manager=nova.network.manager.VlanManager',
        '--network_size=32',
        '--num_networks=4',
        '--public_interface=eth0',
        '--vlan_interface=eth1',
        '--vlan_start=2',
        '--vpn_start=1000',
        '',
      ].join('\n'),
    );
  });

  it('MANAGED-NOVLAN: FlatDHCPManager over the whole subnet, every fixed IP kept', () => {
    const p = plan('MANAGED-NOVLAN');
    expect(p.manager).toBe('FlatDHCPManager');
    expect(p.networks).toHaveLength(1);
    expect(p.fixedIps).toHaveLength(65536);
    expect(p.perInstance.every((i) => i.status === 'kept')).toBe(true);
    expect(p.flags).toMatchObject({
      network_manager: 'nova.network.manager.FlatDHCPManager',
      flat_network_dhcp_start: '10.1.0.2',
      flat_interface: 'eth1',
      flat_network_bridge: 'br0',
      public_interface: 'eth0',
    });
  });

  it('MANAGED-NOVLAN over a /8: one network of the block that holds the instances, not 16.7 million fixed IPs', () => {
    const inv = demoInventory('MANAGED-NOVLAN');
    const wide = {
      ...inv,
      network: {
        ...inv.network,
        vnet: { ...inv.network.vnet, subnet: '10.0.0.0', netmask: '255.0.0.0' },
      },
    };
    const p = planNetwork(wide, demoMappings({}, 'MANAGED-NOVLAN'));
    // The demo's instances are in 10.1.0.0/16: that block, FLAT_NETWORK_MAX addresses.
    expect(p.networks.map((n) => n.cidr)).toEqual(['10.1.0.0/16']);
    expect(p.fixedIps).toHaveLength(FLAT_NETWORK_MAX);
    expect(p.perInstance.every((i) => i.status === 'kept')).toBe(true);
    expect(p.flags).toMatchObject({ fixed_range: '10.0.0.0/8', network_size: FLAT_NETWORK_MAX });
    expect(p.explanation.join(' ')).toMatch(/16,777,216 addresses.*10\.1\.0\.0\/16/s);
    // An operator's network_size still wins.
    const q = planNetwork(
      wide,
      demoMappings(
        { network: { manager: 'FlatDHCPManager', overrides: { network_size: 1024 } } },
        'MANAGED-NOVLAN',
      ),
    );
    expect(q.fixedIps).toHaveLength(1024);
  });

  it('flatNetworkBlock: the smallest aligned block of at least FLAT_NETWORK_MAX holding every address', () => {
    const range = { base: 0x0a000000, size: 2 ** 24 };
    expect(flatNetworkBlock({ base: 0x0a000000, size: 2 ** 16 }, [0x0a000005])).toBeUndefined();
    expect(flatNetworkBlock(range, [])).toEqual({ base: 0x0a000000, size: 2 ** 16 });
    expect(flatNetworkBlock(range, [0x0a020001, 0x0a02ff00])).toEqual({
      base: 0x0a020000,
      size: 2 ** 16,
    });
    // 10.1.255.255 and 10.2.0.0 straddle a /16 and a /15 boundary: a /14 holds both.
    expect(flatNetworkBlock(range, [0x0a01ffff, 0x0a020000])).toEqual({
      base: 0x0a000000,
      size: 2 ** 18,
    });
    // Spread over the whole range: the whole range, as before.
    expect(flatNetworkBlock(range, [0x0a000001, 0x0affff01])).toBeUndefined();
  });

  it('lets operator overrides win, and warns when the manager differs from the mode', () => {
    const p = planNetwork(
      demoInventory('MANAGED'),
      demoMappings({
        network: {
          manager: 'VlanManager',
          overrides: { vlan_start: 100, public_interface: 'vlan1' },
        },
      }),
    );
    expect(p.networks[0]?.vlan).toBe(100);
    expect(p.flags.public_interface).toBe('vlan1');
    const q = planNetwork(
      demoInventory('MANAGED'),
      demoMappings({ network: { manager: 'FlatDHCPManager', overrides: {} } }),
    );
    expect(q.findings.map((f) => f.ruleId)).toContain('network.manager-override');
  });

  it('refuses EDGE with a blocking finding', () => {
    const inv = {
      ...demoInventory('MANAGED'),
      network: { mode: 'EDGE' as const, source: 'manual' as const, vnet: {} },
    };
    expect(planNetwork(inv, demoMappings({}, 'SYSTEM')).findings[0]).toMatchObject({
      ruleId: 'network.mode-unsupported',
      severity: 'error',
    });
  });

  it('shows the VM type mapping', () => {
    expect(describeInstanceTypeMapping(demoInventory(), demoMappings())).toEqual([
      { eucalyptus: 'c1.medium', nova: 'm1.medium', instances: 1, source: 'plan' },
      { eucalyptus: 'm1.large', nova: 'm1.large', instances: 1, source: 'default' },
      { eucalyptus: 'm1.small', nova: 'm1.small', instances: 2, source: 'default' },
      { eucalyptus: 'm1.xlarge', nova: 'm1.xlarge', instances: 1, source: 'default' },
    ]);
  });
});
