import {
  NOVA_NETWORK_MANAGER_CLASS,
  ipv4ToNumber,
  type Finding,
  type Inventory,
  type NovaNetworkFlags,
  type NovaNetworkManager,
  type PlanMappings,
} from '@euca2nova/model';
import { novaProjectIdOf, projectOfOwner, type IdPlan } from './identity.ts';

/** One `networks` row as `nova-manage network create` would make it (nova-bexar.md §5.2). */
export interface PlannedNetwork {
  readonly index: number;
  readonly cidr: string;
  readonly netmask: string;
  readonly gateway: string;
  readonly broadcast: string;
  readonly bridge: string;
  readonly dhcpStart: string;
  readonly vlan: number | null;
  readonly vpnPrivateAddress: string | null;
  readonly vpnPublicPort: number | null;
  readonly projectId: string | null;
  /** Addresses at the bottom that are `reserved` (2 for Flat*, 3 for Vlan). */
  readonly reservedBottom: number;
  readonly size: number;
}

export interface PlannedFixedIp {
  readonly networkIndex: number;
  readonly address: string;
  readonly reserved: boolean;
  /** Source instance id when an instance holds this address. */
  readonly instanceId: string | null;
}

export interface InstanceIpPlan {
  readonly instanceId: string;
  readonly projectId: string | undefined;
  readonly sourceIp: string | undefined;
  readonly novaIp: string | undefined;
  readonly status: 'kept' | 'changed' | 'external' | 'none';
  readonly reason: string;
}

export interface PlannedFloatingIp {
  readonly address: string;
  readonly projectId: string | null;
  /** Source instance id of the association. */
  readonly instanceId: string | null;
}

export interface NetworkPlan {
  readonly manager: NovaNetworkManager;
  /** The manager the Eucalyptus mode maps to, whatever the plan chose. */
  readonly recommendedManager: NovaNetworkManager;
  readonly networks: readonly PlannedNetwork[];
  readonly fixedIps: readonly PlannedFixedIp[];
  readonly floatingIps: readonly PlannedFloatingIp[];
  readonly perInstance: readonly InstanceIpPlan[];
  readonly flags: NovaNetworkFlags;
  readonly findings: readonly Finding[];
  readonly explanation: readonly string[];
}

export function numberToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function prefixLength(netmask: string): number {
  const n = ipv4ToNumber(netmask);
  let len = 0;
  while (len < 32 && (n & (0x80000000 >>> len)) !== 0) len++;
  return len;
}

function parseCidr(cidr: string): { base: number; size: number } {
  const [ip, len] = cidr.split('/') as [string, string];
  const size = 2 ** (32 - Number(len));
  return { base: Math.floor(ipv4ToNumber(ip) / size) * size, size };
}

/** The mode -> manager table of the issue (SYSTEM has no Bexar equivalent). */
export function recommendedManager(mode: Inventory['network']['mode']): NovaNetworkManager {
  switch (mode) {
    case 'STATIC':
      return 'FlatManager';
    case 'MANAGED':
      return 'VlanManager';
    case 'MANAGED-NOVLAN':
      return 'FlatDHCPManager';
    default:
      return 'none';
  }
}

/**
 * Past this many addresses, a flat network (FlatManager, FlatDHCPManager) no longer spans the
 * whole fixed range by default: Bexar keeps a fixed_ips row per address of a network, and a /8
 * (VNET_NETMASK 255.0.0.0) would be 16.7 million rows to write, and as many planned objects held
 * here (the plan ran out of memory).
 */
export const FLAT_NETWORK_MAX = 65_536;

/**
 * The block a flat network takes in a range wider than FLAT_NETWORK_MAX: the smallest aligned
 * power-of-two block, at least FLAT_NETWORK_MAX wide, that holds every address in `used`, so every
 * instance can keep its address. Undefined when the range is small enough to take whole.
 */
export function flatNetworkBlock(
  range: { readonly base: number; readonly size: number },
  used: readonly number[],
): { base: number; size: number } | undefined {
  if (range.size <= FLAT_NETWORK_MAX) return undefined;
  // A loop, not Math.min(...used): a spread of 200,000 instances' addresses overflows the stack.
  let lo = used[0] ?? range.base;
  let hi = lo;
  for (const n of used) {
    if (n < lo) lo = n;
    if (n > hi) hi = n;
  }
  let size = FLAT_NETWORK_MAX;
  // Blocks are aligned to their size, and the range to its own, so each one lies within the range.
  while (size < range.size && Math.floor(lo / size) !== Math.floor(hi / size)) size *= 2;
  if (size >= range.size) return undefined;
  return { base: Math.floor(lo / size) * size, size };
}

export interface PlanNetworkOptions {
  /** Host name of nova-network, written to `floating_ips.host`. */
  readonly networkHost?: string;
  readonly ids?: IdPlan;
}

/**
 * Eucalyptus network configuration + inventory -> Nova manager, rows, per-instance fixed IPs,
 * nova.conf flags, findings and an explanation. Pure.
 */
export function planNetwork(
  inventory: Inventory,
  mappings: Pick<PlanMappings, 'network' | 'largeIdStrategy'>,
  _options: PlanNetworkOptions = {},
): NetworkPlan {
  const mode = inventory.network.mode;
  const vnet = inventory.network.vnet;
  const recommended = recommendedManager(mode);
  const manager = mappings.network.manager;
  const overrides = mappings.network.overrides;
  const findings: Finding[] = [];
  const explanation: string[] = [];
  const live = inventory.instances.filter(
    (i) => i.state.name !== 'terminated' && i.state.name !== 'shutting-down',
  );
  const projectOf = (i: (typeof live)[number]): string | undefined =>
    projectOfOwner(i.owner, inventory);

  if (mode === 'EDGE' || mode === 'VPCMIDO') {
    findings.push({
      ruleId: 'network.mode-unsupported',
      severity: 'error',
      message: `Eucalyptus network mode ${mode} has no Nova Bexar equivalent.`,
      affectedIds: [mode],
      remedy: 'Pick a Nova network manager by hand and accept that every fixed IP may change.',
    });
  }
  if (manager !== recommended) {
    findings.push({
      ruleId: 'network.manager-override',
      severity: 'warning',
      message: `Eucalyptus mode ${mode} maps to ${recommended}, but the plan uses ${manager}.`,
      affectedIds: [mode],
      remedy: 'Check the per-instance fixed IP list below.',
    });
  }
  explanation.push(
    `Eucalyptus runs in ${mode} mode; the matching Bexar network manager is ${recommended === 'none' ? 'none (no Nova networking)' : recommended}.`,
  );

  if (manager === 'none') {
    explanation.push(
      'Bexar has no NoOp network manager (the 2010 specification proposed one). No networks or fixed IPs are written; instances keep the addresses an external DHCP server gives them.',
      'The operator must configure nova-network so it does not hand out addresses: set --stub_network=True on compute hosts (skips allocation), keep libvirt guests on the existing bridge (--flat_network_bridge=<VNET_BRIDGE>) and disable IP injection (--flat_injected=false).',
    );
    const perInstance: InstanceIpPlan[] = [...live]
      .sort((a, b) => a.instanceId.localeCompare(b.instanceId))
      .map((i) => ({
        instanceId: i.instanceId,
        projectId: projectOf(i),
        sourceIp: i.privateIpAddress,
        novaIp: i.privateIpAddress,
        status: 'external',
        reason: 'assigned outside Nova (SYSTEM mode): recorded, not written',
      }));
    const allocated = inventory.addresses.filter((a) => a.state !== 'unallocated');
    for (const a of inventory.addresses) {
      findings.push({
        ruleId: 'address.unsupported-without-network',
        severity: 'error',
        message: `Elastic IP ${a.publicIp} cannot be migrated: without Nova networking there are no floating IPs.`,
        affectedIds: [a.publicIp],
        remedy: 'Release the address in Eucalyptus, or choose a Nova network manager.',
      });
    }
    if (allocated.length > 0)
      explanation.push(
        `${String(allocated.length)} allocated elastic IP(s) are reported as unsupported.`,
      );
    const flags: NovaNetworkFlags = {
      flat_network_bridge: vnet.bridge ?? 'br100',
      flat_injected: false,
      ...overrides,
    };
    return {
      manager,
      recommendedManager: recommended,
      networks: [],
      fixedIps: [],
      floatingIps: [],
      perInstance,
      flags,
      findings,
      explanation,
    };
  }

  // The fixed range: an override, else VNET_SUBNET/VNET_NETMASK.
  let fixedRange = overrides.fixed_range;
  if (fixedRange === undefined && vnet.subnet !== undefined && vnet.netmask !== undefined) {
    const len = prefixLength(vnet.netmask);
    const { base } = parseCidr(`${vnet.subnet}/${String(len)}`);
    fixedRange = `${numberToIpv4(base)}/${String(len)}`;
  }
  if (fixedRange === undefined) {
    findings.push({
      ruleId: 'network.no-fixed-range',
      severity: 'error',
      message:
        'The Eucalyptus configuration has no VNET_SUBNET/VNET_NETMASK, so no fixed range is known.',
      affectedIds: [mode],
      remedy: 'Enter the fixed range (fixed_range) by hand.',
    });
    return {
      manager,
      recommendedManager: recommended,
      networks: [],
      fixedIps: [],
      floatingIps: [],
      perInstance: [],
      flags: { network_manager: NOVA_NETWORK_MANAGER_CLASS[manager], ...overrides },
      findings,
      explanation,
    };
  }
  // Source IP per instance (STATIC: VNET_MACMAP by MAC first).
  const macMap = new Map((vnet.macMap ?? []).map((m) => [m.mac.toLowerCase(), m.ip]));
  const sourceIp = (i: (typeof live)[number]): string | undefined => {
    const fromMac = i.macAddress !== undefined ? macMap.get(i.macAddress.toLowerCase()) : undefined;
    const ip = fromMac ?? i.privateIpAddress;
    return ip === '0.0.0.0' ? undefined : ip;
  };

  const range = parseCidr(fixedRange);
  const isVlan = manager === 'VlanManager';
  const sourceIps = live
    .map(sourceIp)
    .filter((ip): ip is string => ip !== undefined)
    .map(ipv4ToNumber)
    .filter((n) => n >= range.base && n < range.base + range.size);
  const flat =
    isVlan || overrides.network_size !== undefined ? undefined : flatNetworkBlock(range, sourceIps);
  const networkSize = isVlan
    ? (overrides.network_size ?? vnet.addrsPerNet ?? 256)
    : (overrides.network_size ?? flat?.size ?? range.size);
  /** Where network 0 starts: the range's base, or the block of a wide flat range that is used. */
  const firstBase = flat?.base ?? range.base;
  const blocks = Math.max(1, Math.floor(range.size / networkSize));
  const vlanStart = overrides.vlan_start ?? 2;
  const vpnStart = overrides.vpn_start ?? 1000;
  const bridgeFlat = overrides.flat_network_bridge ?? vnet.bridge ?? 'br100';

  // Which block each project's network takes.
  const projects = [...new Set(inventory.users.map(novaProjectIdOf))].sort();
  const blockOfProject = new Map<string, number>();
  if (isVlan) {
    const votes = new Map<string, number>();
    for (const i of live) {
      const p = projectOf(i);
      const ip = sourceIp(i);
      if (p === undefined || ip === undefined) continue;
      const n = ipv4ToNumber(ip);
      if (n < range.base || n >= range.base + range.size) continue;
      const b = Math.floor((n - range.base) / networkSize);
      votes.set(`${p}\u0000${String(b)}`, (votes.get(`${p}\u0000${String(b)}`) ?? 0) + 1);
    }
    const used = new Set<number>();
    for (const [key] of [...votes.entries()].sort(
      (a, b) => b[1] - a[1] || a[0].localeCompare(b[0]),
    )) {
      const [p, b] = key.split('\u0000') as [string, string];
      if (blockOfProject.has(p) || used.has(Number(b))) continue;
      blockOfProject.set(p, Number(b));
      used.add(Number(b));
    }
    let next = 0;
    for (const p of projects) {
      if (blockOfProject.has(p)) continue;
      while (used.has(next)) next++;
      if (next >= blocks) {
        findings.push({
          ruleId: 'network.out-of-blocks',
          severity: 'error',
          message: `The fixed range ${fixedRange} has only ${String(blocks)} networks of ${String(networkSize)} addresses; project ${p} gets none.`,
          affectedIds: [p],
          remedy: 'Choose a larger fixed_range or a smaller network_size.',
        });
        continue;
      }
      blockOfProject.set(p, next);
      used.add(next);
    }
  }
  const networkCount = isVlan ? Math.max(0, ...[...blockOfProject.values()].map((b) => b + 1)) : 1;
  const projectOfBlock = new Map([...blockOfProject.entries()].map(([p, b]) => [b, p]));
  const networks: PlannedNetwork[] = [];
  const fixedIps: PlannedFixedIp[] = [];
  const reservedBottom = isVlan ? 3 : 2;
  const addrIndex = new Map<number, number>();
  for (let index = 0; index < networkCount; index++) {
    const base = firstBase + index * networkSize;
    const len = 32 - Math.log2(networkSize);
    const gatewayOverride = !isVlan && vnet.router !== undefined ? vnet.router : undefined;
    networks.push({
      index,
      cidr: `${numberToIpv4(base)}/${String(len)}`,
      netmask: numberToIpv4(len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0),
      gateway: gatewayOverride ?? numberToIpv4(base + 1),
      broadcast:
        !isVlan && vnet.broadcast !== undefined
          ? vnet.broadcast
          : numberToIpv4(base + networkSize - 1),
      bridge: isVlan ? `br${String(vlanStart + index)}` : bridgeFlat,
      dhcpStart: numberToIpv4(base + (isVlan ? 3 : 2)),
      vlan: isVlan ? vlanStart + index : null,
      vpnPrivateAddress: isVlan ? numberToIpv4(base + 2) : null,
      vpnPublicPort: isVlan ? vpnStart + index : null,
      projectId: isVlan ? (projectOfBlock.get(index) ?? null) : null,
      reservedBottom,
      size: networkSize,
    });
    for (let k = 0; k < networkSize; k++) {
      addrIndex.set(base + k, fixedIps.length);
      fixedIps.push({
        networkIndex: index,
        address: numberToIpv4(base + k),
        reserved: k < reservedBottom,
        instanceId: null,
      });
    }
  }

  // Per instance: keep its address if Nova would let it hold it, else the first free one.
  const perInstance: InstanceIpPlan[] = [];
  const pending: {
    inst: (typeof live)[number];
    project: string | undefined;
    ip: string | undefined;
    why: string;
  }[] = [];
  for (const inst of [...live].sort((a, b) => a.instanceId.localeCompare(b.instanceId))) {
    const project = projectOf(inst);
    const ip = sourceIp(inst);
    if (ip === undefined) {
      pending.push({ inst, project, ip, why: 'the instance had no private address' });
      continue;
    }
    const n = ipv4ToNumber(ip);
    const at = addrIndex.get(n);
    const row = at === undefined ? undefined : fixedIps[at];
    let why: string | undefined;
    if (row === undefined) why = `${ip} is outside the Nova fixed range ${fixedRange}`;
    else if (row.reserved)
      why = `${ip} is reserved by Nova (network, gateway${isVlan ? ' or VPN' : ''} address)`;
    else if (row.instanceId !== null) why = `${ip} is already used by ${row.instanceId}`;
    else if (isVlan && networks[row.networkIndex]?.projectId !== project)
      why = `${ip} lies in the subnet of another project's network (Eucalyptus gave each security group its own subnet; Nova gives each project one)`;
    if (why === undefined && row !== undefined && at !== undefined) {
      fixedIps[at] = { ...row, instanceId: inst.instanceId };
      perInstance.push({
        instanceId: inst.instanceId,
        projectId: project,
        sourceIp: ip,
        novaIp: ip,
        status: 'kept',
        reason: 'same address',
      });
    } else {
      pending.push({ inst, project, ip, why: why ?? 'unknown' });
    }
  }
  for (const { inst, project, ip, why } of pending) {
    const netIndex = isVlan ? networks.findIndex((n) => n.projectId === project) : 0;
    const freeAt = fixedIps.findIndex(
      (f) =>
        f.networkIndex === netIndex &&
        !f.reserved &&
        f.instanceId === null &&
        ipv4ToNumber(f.address) !== ipv4ToNumber(networks[netIndex]?.broadcast ?? '0.0.0.0'),
    );
    const free = freeAt < 0 ? undefined : fixedIps[freeAt];
    if (free === undefined) {
      findings.push({
        ruleId: 'instance.no-fixed-ip',
        severity: 'error',
        message: `No free fixed IP for ${inst.instanceId} in its Nova network.`,
        affectedIds: [inst.instanceId],
        remedy: 'Enlarge the network (network_size / fixed_range).',
      });
      perInstance.push({
        instanceId: inst.instanceId,
        projectId: project,
        sourceIp: ip,
        novaIp: undefined,
        status: 'none',
        reason: why,
      });
      continue;
    }
    fixedIps[freeAt] = { ...free, instanceId: inst.instanceId };
    perInstance.push({
      instanceId: inst.instanceId,
      projectId: project,
      sourceIp: ip,
      novaIp: free.address,
      status: 'changed',
      reason: why,
    });
  }
  const changed = perInstance.filter((p) => p.status === 'changed');
  if (changed.length > 0) {
    findings.push({
      ruleId: 'instance.fixed-ip-changes',
      severity: 'warning',
      message: `${String(changed.length)} instance(s) get a different fixed IP in Nova.`,
      affectedIds: changed.map((c) => c.instanceId),
      remedy:
        'Reconfigure these guests (or their DHCP) after the migration; the list gives old and new addresses.',
    });
  }
  perInstance.sort((a, b) => a.instanceId.localeCompare(b.instanceId));

  // Floating IPs: every address Eucalyptus knows, plus the VNET_PUBLICIPS pool.
  const floating = new Map<string, PlannedFloatingIp>();
  for (const r of vnet.publicIps ?? []) {
    const first = ipv4ToNumber(r.first);
    const last = Math.min(ipv4ToNumber(r.last), first + 65_535);
    for (let n = first; n <= last; n++)
      floating.set(numberToIpv4(n), {
        address: numberToIpv4(n),
        projectId: null,
        instanceId: null,
      });
  }
  for (const a of inventory.addresses) {
    const projectId =
      a.state === 'unallocated' ? null : (projectOfOwner(a.owner, inventory) ?? null);
    floating.set(a.publicIp, {
      address: a.publicIp,
      projectId,
      instanceId: a.state === 'associated' ? (a.instanceId ?? null) : null,
    });
  }
  const floatingIps = [...floating.values()].sort(
    (a, b) => ipv4ToNumber(a.address) - ipv4ToNumber(b.address),
  );

  if (isVlan) {
    explanation.push(
      `VlanManager: one network of ${String(networkSize)} addresses per project (VNET_ADDRSPERNET), VLANs from ${String(vlanStart)} so that a project's VLAN equals the Eucalyptus VLAN of the subnet it takes (Eucalyptus VLAN v = block v-2).`,
      `Each project takes the Eucalyptus subnet holding most of its instances; ${String(perInstance.filter((p) => p.status === 'kept').length)} instance(s) keep their fixed IP, ${String(changed.length)} must change.`,
    );
  } else {
    if (vnet.router !== undefined && vnet.router !== numberToIpv4(range.base + 1)) {
      explanation.push(
        `The gateway is VNET_ROUTER ${vnet.router}, not the .1 address nova-manage would choose, so guests keep their route.`,
      );
    }
    if (flat !== undefined && flat.size < range.size)
      explanation.push(
        `The fixed range ${fixedRange} has ${range.size.toLocaleString('en')} addresses and Bexar keeps a fixed_ips row for each one in its network, so the network is ${networks[0]?.cidr ?? ''}, the smallest block of at least ${FLAT_NETWORK_MAX.toLocaleString('en')} addresses that holds every instance's address (${networkSize.toLocaleString('en')} rows); fixed_range stays ${fixedRange}. Set network_size to choose another size.`,
      );
    explanation.push(
      `${manager}: one network ${networks[0]?.cidr ?? fixedRange} on bridge ${bridgeFlat}${mode === 'STATIC' ? ', fixed IPs taken from VNET_MACMAP' : ''}; ${String(perInstance.filter((p) => p.status === 'kept').length)} instance(s) keep their fixed IP, ${String(changed.length)} must change.`,
    );
  }
  const flags: NovaNetworkFlags = {
    network_manager: NOVA_NETWORK_MANAGER_CLASS[manager],
    fixed_range: fixedRange,
    network_size: networkSize,
    num_networks: Math.max(1, networkCount),
    ...(isVlan
      ? {
          vlan_start: vlanStart,
          vpn_start: vpnStart,
          ...(vnet.privInterface !== undefined ? { vlan_interface: vnet.privInterface } : {}),
        }
      : {
          flat_network_bridge: bridgeFlat,
          ...(vnet.dns !== undefined ? { flat_network_dns: vnet.dns } : {}),
        }),
    ...(manager === 'FlatManager' ? { flat_injected: true } : {}),
    ...(manager === 'FlatDHCPManager'
      ? {
          flat_network_dhcp_start: networks[0]?.dhcpStart ?? numberToIpv4(range.base + 2),
          ...(vnet.privInterface !== undefined ? { flat_interface: vnet.privInterface } : {}),
        }
      : {}),
    ...(vnet.pubInterface !== undefined ? { public_interface: vnet.pubInterface } : {}),
    ...overrides,
  };
  return {
    manager,
    recommendedManager: recommended,
    networks,
    fixedIps,
    floatingIps,
    perInstance,
    flags,
    findings,
    explanation,
  };
}

/** `nova.conf` lines (gflags `--name=value`) for the chosen network flags, in a stable order. */
export function renderNovaConf(flags: NovaNetworkFlags): string {
  const lines = ['# Network flags written by euca2nova for Nova 2011.1 (Bexar)'];
  const entries = Object.entries(flags) as [string, string | number | boolean | undefined][];
  for (const [k, v] of entries.sort(([a], [b]) => a.localeCompare(b))) {
    if (v === undefined) continue;
    lines.push(`--${k}=${typeof v === 'boolean' ? (v ? 'true' : 'false') : String(v)}`);
  }
  return `${lines.join('\n')}\n`;
}
