import type { EucaVersion, NetworkMode, Scenario, SimAddress } from './scenario.ts';

/** The network layout of a scenario: the mode and the `eucalyptus.conf` keys that describe it. */
export interface NetworkPlan {
  mode: NetworkMode;
  /** `eucalyptus.conf` keys in file order (VNET_MODE, VNET_SUBNET, …). */
  conf: Record<string, string>;
}

export interface ManagedParams {
  subnet: string;
  netmask: string;
  addrsPerNet: number;
  /** First and last address of the public range. */
  publicIps: [string, string];
  /** Elastic addresses to allocate, in order, optionally associated with an instance. */
  elastic: { owner: string; instanceId?: string }[];
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255)))
    throw new Error(`bad IPv4 ${ip}`);
  return (
    (((parts[0] ?? 0) << 24) |
      ((parts[1] ?? 0) << 16) |
      ((parts[2] ?? 0) << 8) |
      (parts[3] ?? 0)) >>>
    0
  );
}

export function intToIp(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function maskBits(mask: string): number {
  return 32 - Math.log2(2 ** 32 - ipToInt(mask));
}

/** The first network tag handed out; VLAN v owns block v − 2 of VNET_SUBNET (vnetwork.c vnetInit). */
const FIRST_VLAN = 10;

/**
 * Give every instance its addresses for the mode, fill `s.addresses` and the groups' networks, and
 * return the `eucalyptus.conf` keys consistent with them.
 */
export function buildNetwork(
  mode: NetworkMode,
  version: EucaVersion,
  s: Scenario,
  p: ManagedParams,
): NetworkPlan {
  const common: Record<string, string> = {
    EUCALYPTUS: '/',
    EUCA_USER: 'eucalyptus',
    ENABLE_WS_SECURITY: 'Y',
    LOGLEVEL: 'INFO',
    CC_PORT: '8774',
    SCHEDPOLICY: 'ROUNDROBIN',
    NODES: '192.168.7.21 192.168.7.22',
    NC_PORT: '8775',
    HYPERVISOR: 'kvm',
    INSTANCE_PATH: '/var/lib/eucalyptus/instances',
  };
  if (mode === 'SYSTEM' || mode === 'STATIC') {
    const big = s.instances.length > 200;
    const subnet = big ? '172.16.0.0' : '192.168.10.0';
    const netmask = big ? '255.240.0.0' : '255.255.255.0';
    const base = ipToInt(subnet);
    const router = intToIp(base + 1);
    const macmap: string[] = [];
    s.instances.forEach((inst, i) => {
      inst.privateIp = intToIp(base + 10 + i);
      inst.publicIp = inst.privateIp;
      macmap.push(`${inst.macAddress.toUpperCase()}=${inst.privateIp}`);
    });
    s.addresses = [];
    if (mode === 'SYSTEM') {
      return { mode, conf: { ...common, VNET_MODE: 'SYSTEM', VNET_BRIDGE: 'br0' } };
    }
    const broadcast = intToIp(base + 2 ** (32 - maskBits(netmask)) - 1);
    return {
      mode,
      conf: {
        ...common,
        VNET_MODE: 'STATIC',
        VNET_PRIVINTERFACE: 'eth1',
        VNET_BRIDGE: 'br0',
        VNET_SUBNET: subnet,
        VNET_NETMASK: netmask,
        VNET_BROADCAST: broadcast,
        VNET_ROUTER: router,
        VNET_DNS: router,
        VNET_MACMAP: macmap.join(' '),
      },
    };
  }

  // MANAGED and MANAGED-NOVLAN: one network per (owner, group) that has instances.
  const size = p.addrsPerNet;
  const bits = 32 - Math.log2(size);
  const base = ipToInt(p.subnet);
  const blocks = 2 ** (32 - maskBits(p.netmask)) / size;
  const firstHost = version === '2.0' ? 2 : 9; // 3.x keeps indexes 1–8 for up to 8 CC gateways
  const nets = new Map<string, { vlan: number; next: number }>();
  for (const inst of s.instances) {
    const groupName = inst.groups[0] ?? 'default';
    const key = `${inst.owner}\u0000${groupName}`;
    let net = nets.get(key);
    if (!net) {
      const vlan = FIRST_VLAN + nets.size;
      if (vlan - 2 >= blocks)
        throw new Error(`VNET_SUBNET too small for ${nets.size + 1} networks`);
      if (mode === 'MANAGED' && vlan > 4095)
        throw new Error('more than 4095 VLANs: use MANAGED-NOVLAN');
      net = { vlan, next: firstHost };
      nets.set(key, net);
      const group = s.securityGroups.find((g) => g.owner === inst.owner && g.name === groupName);
      if (group) {
        group.vlan = vlan;
        group.subnet = `${intToIp(base + (vlan - 2) * size)}/${bits}`;
      }
    }
    if (net.next > size - 2) throw new Error(`network ${key} is full`);
    inst.privateIp = intToIp(base + (net.vlan - 2) * size + net.next);
    net.next++;
    inst.vlan = net.vlan;
  }

  const first = ipToInt(p.publicIps[0]);
  const last = ipToInt(p.publicIps[1]);
  let cursor = first;
  const take = (): string => {
    if (cursor > last) throw new Error('VNET_PUBLICIPS exhausted');
    return intToIp(cursor++);
  };
  const addresses: SimAddress[] = [];
  const byInstance = new Map(s.instances.map((i) => [i.id, i]));
  for (const e of p.elastic) {
    const ip = take();
    const inst = e.instanceId !== undefined ? byInstance.get(e.instanceId) : undefined;
    if (inst && inst.state === 'running') {
      inst.publicIp = ip;
      addresses.push({ publicIp: ip, kind: 'elastic', owner: e.owner, instanceId: inst.id });
    } else {
      addresses.push({ publicIp: ip, kind: 'elastic', owner: e.owner });
    }
  }
  for (const inst of s.instances) {
    if (inst.state !== 'running' || inst.publicIp !== undefined) continue;
    const ip = take();
    inst.publicIp = ip;
    addresses.push({ publicIp: ip, kind: 'dynamic', instanceId: inst.id });
  }
  while (cursor <= last) addresses.push({ publicIp: take(), kind: 'free' });
  s.addresses = addresses;

  const conf: Record<string, string> = {
    ...common,
    VNET_MODE: mode,
    VNET_PUBINTERFACE: 'eth0',
    VNET_PRIVINTERFACE: 'eth1',
    ...(mode === 'MANAGED-NOVLAN' ? { VNET_BRIDGE: 'br0' } : {}),
    VNET_SUBNET: p.subnet,
    VNET_NETMASK: p.netmask,
    VNET_DNS: '192.168.7.1',
    ...(version === '3.4' ? { VNET_DOMAINNAME: 'eucalyptus.internal' } : {}),
    VNET_ADDRSPERNET: String(size),
    VNET_PUBLICIPS: `${p.publicIps[0]}-${p.publicIps[1]}`,
  };
  return { mode, conf };
}

/** The `eucalyptus.conf` text: shell `KEY="value"` lines, as the CC and NCs read them. */
export function renderEucalyptusConf(plan: NetworkPlan, version: EucaVersion): string {
  const lines = [
    `# eucalyptus.conf written by euca-sim (Eucalyptus ${version}, ${plan.mode} networking)`,
    '# Shell KEY="value" lines, as in /etc/eucalyptus/eucalyptus.conf.',
    '',
  ];
  for (const [k, v] of Object.entries(plan.conf)) lines.push(`${k}="${v}"`);
  return `${lines.join('\n')}\n`;
}
