import { verifyQueryRequest } from './auth.ts';
import {
  groupOf,
  ownerFullName,
  ownerId,
  ownersMatching,
  sameOwner,
  secretFor,
  type SimEnv,
} from './env.ts';
import { xmlReply, type SimReply, type SimRequest } from './http.ts';
import type { SimImage, SimInstance, SimRule, SimSecurityGroup, SimUser } from './scenario.ts';
import { itemSet, renderXml, type XmlNode } from './xml.ts';

/** The newest EC2 API version each emulated release binds (used when a request omits `Version`). */
const DEFAULT_VERSION = { '2.0': '2009-11-30', '3.4': '2013-08-15' } as const;

export class Ec2Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** The EC2 error envelope: `<Response><Errors><Error>…</Error></Errors><RequestID/></Response>`, no namespace. */
export function ec2ErrorReply(
  requestId: string,
  code: string,
  message: string,
  status = 400,
): SimReply {
  const xml = renderXml('Response', {
    Errors: { Error: { Code: code, Message: message } },
    RequestID: requestId,
  });
  return xmlReply(status, xml, code);
}

/** `Name.1`, `Name.2`, … in order. */
export function listParam(params: Map<string, string>, name: string): string[] {
  const out: [number, string][] = [];
  const prefix = `${name}.`;
  for (const [k, v] of params) {
    if (k.startsWith(prefix)) {
      const n = Number(k.slice(prefix.length));
      if (Number.isInteger(n)) out.push([n, v]);
    }
  }
  return out.sort(([a], [b]) => a - b).map(([, v]) => v);
}

interface Call {
  env: SimEnv;
  req: SimRequest;
  user: SimUser;
  isAdmin: boolean;
  params: Map<string, string>;
}

/** Split off the admin `verbose` keyword from an id list. */
function ids(call: Call, name: string): { ids: string[]; verbose: boolean } {
  const all = listParam(call.params, name);
  const rest = all.filter((x) => x !== 'verbose');
  return { ids: rest, verbose: rest.length !== all.length };
}

/**
 * Whether the caller sees every owner's resources of this kind: in 2.0 an admin always does (except key
 * pairs, which only their owner sees); in 3.4 an admin does only with `verbose` in the id list.
 */
function seesAll(call: Call, verbose: boolean, kind: 'keypair' | 'other'): boolean {
  if (!call.isAdmin) return false;
  if (call.env.version === '2.0') return kind !== 'keypair';
  return verbose;
}

function visible(call: Call, owner: string, all: boolean): boolean {
  return all || sameOwner(call.env, call.user.name, owner);
}

function byIds<T extends { id: string }>(items: T[], wanted: string[]): T[] {
  if (wanted.length === 0) return items;
  const set = new Set(wanted);
  return items.filter((x) => set.has(x.id));
}

const STATE_CODE: Record<string, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

function instanceItem(call: Call, inst: SimInstance): XmlNode {
  const v34 = call.env.version !== '2.0';
  const attached = call.env.volumesByInstance.get(inst.id) ?? [];
  const pub = inst.state === 'running' ? (inst.publicIp ?? inst.privateIp) : inst.privateIp;
  return {
    instanceId: inst.id,
    imageId: inst.imageId,
    instanceState: { code: STATE_CODE[inst.state] ?? 0, name: inst.state },
    // 2.0 without the DNS component: privateDnsName holds the private IP, dnsName the public one.
    privateDnsName: inst.privateIp,
    dnsName: pub,
    reason: inst.state === 'running' ? 'NORMAL:  -- [UPDATE]' : 'User initiated',
    keyName: inst.keyName ?? '',
    amiLaunchIndex: inst.launchIndex,
    productCodes: '',
    instanceType: inst.instanceType,
    launchTime: inst.launchTime,
    placement: { availabilityZone: inst.zone },
    kernelId: inst.kernelId,
    ramdiskId: inst.ramdiskId,
    monitoring: { state: 'false' },
    ...(v34
      ? {
          privateIpAddress: inst.privateIp,
          ipAddress: inst.state === 'running' ? inst.publicIp : undefined,
          rootDeviceType: 'instance-store',
          rootDeviceName: '/dev/sda1',
          blockDeviceMapping: itemSet(
            attached.map((v) => ({
              deviceName: v.attachment?.device,
              ebs: {
                volumeId: v.id,
                status: 'attached',
                attachTime: v.attachment?.attachTime,
                deleteOnTermination: false,
              },
            })),
          ),
        }
      : {}),
  };
}

function describeInstances(call: Call): XmlNode {
  const { ids: wanted, verbose } = ids(call, 'InstanceId');
  const all = seesAll(call, verbose, 'other');
  const insts = byIds(call.env.scenario.instances, wanted).filter((i) =>
    visible(call, i.owner, all),
  );
  const reservations = new Map<string, SimInstance[]>();
  for (const i of insts) {
    const list = reservations.get(i.reservationId) ?? [];
    list.push(i);
    reservations.set(i.reservationId, list);
  }
  const v34 = call.env.version !== '2.0';
  const items: XmlNode[] = [];
  for (const [rid, list] of reservations) {
    const first = list[0];
    if (!first) continue;
    items.push({
      reservationId: rid,
      ownerId: ownerId(call.env, first.owner),
      groupSet: itemSet(
        first.groups.map((g) => {
          if (!v34) return { groupId: g };
          const sg = groupOf(call.env, first.owner, g);
          return { groupId: sg?.id ?? g, groupName: g };
        }),
      ),
      instancesSet: itemSet(list.map((i) => instanceItem(call, i))),
    });
  }
  return { reservationSet: itemSet(items) };
}

function launchableBy(call: Call, img: SimImage): boolean {
  return (
    call.isAdmin ||
    img.isPublic ||
    sameOwner(call.env, call.user.name, img.owner) ||
    img.launchPermissions.some((u) => sameOwner(call.env, call.user.name, u))
  );
}

function imageItem(call: Call, img: SimImage): XmlNode {
  return {
    imageId: img.id,
    imageLocation: img.location,
    imageState: img.state,
    imageOwnerId: ownerId(call.env, img.owner),
    isPublic: img.isPublic,
    productCodes: '',
    architecture: img.architecture,
    imageType: img.kind,
    kernelId: img.kernelId,
    ramdiskId: img.ramdiskId,
    name: img.name,
    description: img.description,
    rootDeviceType: 'instance-store',
    rootDeviceName: '/dev/sda1',
    blockDeviceMapping: '',
  };
}

function describeImages(call: Call): XmlNode {
  const { ids: wanted, verbose } = ids(call, 'ImageId');
  const owners = listParam(call.params, 'Owner');
  const execBy = listParam(call.params, 'ExecutableBy');
  // Images in other states (deregistered) show only to an admin with `verbose` (3.4); 2.0 never lists them.
  const allStates = call.isAdmin && verbose && call.env.version !== '2.0';
  let imgs = byIds(call.env.scenario.images, wanted).filter(
    (i) => allStates || i.state === 'available',
  );
  if (owners.length > 0) {
    const set = new Set<string>();
    for (const o of owners) {
      if (o === 'self') set.add(call.user.name);
      else for (const u of ownersMatching(call.env, o)) set.add(u);
    }
    imgs = imgs.filter(
      (i) => [...set].some((o) => sameOwner(call.env, o, i.owner)) && launchableBy(call, i),
    );
  }
  if (execBy.length > 0) {
    imgs = imgs.filter((i) =>
      execBy.some((e) => {
        if (e === 'all') return i.isPublic;
        if (e === 'self') return launchableBy(call, i);
        const who = ownersMatching(call.env, e);
        return [...who].some(
          (u) => i.isPublic || sameOwner(call.env, u, i.owner) || i.launchPermissions.includes(u),
        );
      }),
    );
  }
  if (owners.length === 0 && execBy.length === 0) imgs = imgs.filter((i) => launchableBy(call, i));
  return { imagesSet: itemSet(imgs.map((i) => imageItem(call, i))) };
}

function describeImageAttribute(call: Call): XmlNode {
  const id = call.params.get('ImageId') ?? '';
  const attribute = call.params.get('Attribute') ?? '';
  const img = call.env.scenario.images.find((i) => i.id === id);
  if (!img || !launchableBy(call, img))
    throw new Ec2Error('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
  if (!call.isAdmin && !sameOwner(call.env, call.user.name, img.owner)) {
    throw new Ec2Error('AuthFailure', `Not authorized to describe attributes of image ${id}`);
  }
  const base: XmlNode = { imageId: img.id };
  switch (attribute) {
    case 'launchPermission':
      return {
        ...base,
        launchPermission: itemSet([
          ...(img.isPublic ? [{ group: 'all' }] : []),
          ...img.launchPermissions.map((u) => ({ userId: ownerId(call.env, u) })),
        ]),
      };
    case 'kernel':
      return { ...base, kernel: img.kernelId !== undefined ? { value: img.kernelId } : '' };
    case 'ramdisk':
      return { ...base, ramdisk: img.ramdiskId !== undefined ? { value: img.ramdiskId } : '' };
    case 'description':
      return { ...base, description: { value: img.description } };
    case 'productCodes':
      return { ...base, productCodes: '' };
    case 'blockDeviceMapping':
      return { ...base, blockDeviceMapping: '' };
    default:
      throw new Ec2Error('InvalidParameterValue', `Unknown image attribute: ${attribute}`);
  }
}

function describeVolumes(call: Call): XmlNode {
  const { ids: wanted, verbose } = ids(call, 'VolumeId');
  const all = seesAll(call, verbose, 'other');
  const vols = byIds(call.env.scenario.volumes, wanted).filter((v) => visible(call, v.owner, all));
  return {
    volumeSet: itemSet(
      vols.map((v) => ({
        volumeId: v.id,
        size: v.sizeGiB,
        snapshotId: v.snapshotId ?? '',
        availabilityZone: v.zone,
        status: v.status,
        createTime: v.createTime,
        attachmentSet: itemSet(
          v.attachment
            ? [
                {
                  volumeId: v.id,
                  instanceId: v.attachment.instanceId,
                  device: v.attachment.device,
                  status: 'attached',
                  attachTime: v.attachment.attachTime,
                },
              ]
            : [],
        ),
      })),
    ),
  };
}

function describeSnapshots(call: Call): XmlNode {
  const { ids: wanted, verbose } = ids(call, 'SnapshotId');
  const all = seesAll(call, verbose, 'other');
  const owners = listParam(call.params, 'Owner');
  let snaps = byIds(call.env.scenario.snapshots, wanted).filter((s) => visible(call, s.owner, all));
  if (owners.length > 0) {
    snaps = snaps.filter((s) =>
      owners.some((o) =>
        o === 'self'
          ? sameOwner(call.env, call.user.name, s.owner)
          : ownersMatching(call.env, o).has(s.owner),
      ),
    );
  }
  return {
    snapshotSet: itemSet(
      snaps.map((s) => ({
        snapshotId: s.id,
        volumeId: s.volumeId,
        status: s.status,
        startTime: s.startTime,
        progress: s.progress,
        ownerId: ownerId(call.env, s.owner),
        volumeSize: s.volumeSizeGiB,
        description: s.description,
      })),
    ),
  };
}

function describeAddresses(call: Call): XmlNode {
  const { ids: wanted, verbose } = ids(call, 'PublicIp');
  const env = call.env;
  const admin = seesAll(call, verbose, 'other');
  let addrs = env.scenario.addresses;
  if (wanted.length > 0) addrs = addrs.filter((a) => wanted.includes(a.publicIp));
  const v34 = env.version !== '2.0';
  const items: XmlNode[] = [];
  const adminUser = env.scenario.users.find((u) => u.isAdmin)?.name ?? 'admin';
  for (const a of addrs) {
    if (admin) {
      // The admin format (Address.getDescription(isAdmin)): "<instance> (<owner>)", "available (<owner>)", "nobody".
      let instanceId: string;
      if (a.kind === 'free') instanceId = 'nobody';
      else {
        const who =
          a.kind === 'elastic' && a.owner !== undefined
            ? ownerFullName(env, a.owner)
            : v34
              ? ownerFullName(env, adminUser)
              : 'eucalyptus';
        instanceId = `${a.instanceId ?? 'available'} (${who})`;
      }
      items.push({ publicIp: a.publicIp, ...(v34 ? { domain: 'standard' } : {}), instanceId });
    } else if (
      a.kind === 'elastic' &&
      a.owner !== undefined &&
      sameOwner(env, call.user.name, a.owner)
    ) {
      items.push({
        publicIp: a.publicIp,
        ...(v34 ? { domain: 'standard' } : {}),
        instanceId: a.instanceId ?? '',
      });
    }
  }
  return { addressesSet: itemSet(items) };
}

function ruleItem(call: Call, r: SimRule): XmlNode {
  const v34 = call.env.version !== '2.0';
  return {
    ipProtocol: r.protocol,
    fromPort: r.fromPort,
    toPort: r.toPort,
    groups: itemSet(
      r.groups.map((g) => {
        const target = groupOf(call.env, g.owner, g.groupName);
        return {
          userId: ownerId(call.env, g.owner),
          groupName: g.groupName,
          ...(v34 && target ? { groupId: target.id } : {}),
        };
      }),
    ),
    ipRanges: itemSet(r.cidrs.map((c) => ({ cidrIp: c }))),
  };
}

function describeSecurityGroups(call: Call): XmlNode {
  const names = ids(call, 'GroupName');
  const gids = ids(call, 'GroupId');
  const all = seesAll(call, names.verbose || gids.verbose, 'other');
  let groups = call.env.scenario.securityGroups.filter((g) => visible(call, g.owner, all));
  if (names.ids.length > 0 || gids.ids.length > 0) {
    groups = groups.filter(
      (g: SimSecurityGroup) =>
        names.ids.some((n) => {
          // An admin may name another user's group as `user::group` (2.0 NetworkGroupUtil).
          const sep = n.indexOf('::');
          if (sep > 0 && call.isAdmin)
            return g.owner === n.slice(0, sep) && g.name === n.slice(sep + 2);
          return g.name === n;
        }) || gids.ids.includes(g.id),
    );
  }
  const v34 = call.env.version !== '2.0';
  return {
    securityGroupInfo: itemSet(
      groups.map((g) => ({
        ownerId: ownerId(call.env, g.owner),
        ...(v34 ? { groupId: g.id } : {}),
        groupName: g.name,
        groupDescription: g.description,
        ipPermissions: itemSet(g.rules.map((r) => ruleItem(call, r))),
      })),
    ),
  };
}

function describeKeyPairs(call: Call): XmlNode {
  const { ids: wanted, verbose } = ids(call, 'KeyName');
  const all = seesAll(call, verbose, 'keypair');
  let kps = call.env.scenario.keyPairs.filter((k) => visible(call, k.owner, all));
  if (wanted.length > 0) kps = kps.filter((k) => wanted.includes(k.name));
  return { keySet: itemSet(kps.map((k) => ({ keyName: k.name, keyFingerprint: k.fingerprint }))) };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, n < 0 ? ' ' : '0');
}

function describeAvailabilityZones(call: Call): XmlNode {
  const { ids: wanted, verbose } = ids(call, 'ZoneName');
  const env = call.env;
  const items: XmlNode[] = [];
  for (const z of env.scenario.zones) {
    if (wanted.length > 0 && !wanted.includes(z.name)) continue;
    if (!(verbose && call.isAdmin)) {
      items.push({ zoneName: z.name, zoneState: 'available' });
      continue;
    }
    items.push({
      zoneName: z.name,
      zoneState:
        env.version === '2.0'
          ? z.ccHost
          : `${z.ccHost} arn:euca:eucalyptus:${z.name}:cluster:${z.name}-cc/`,
    });
    items.push({ zoneName: '|- vm types', zoneState: 'free / max   cpu   ram  disk' });
    let cores = z.cores;
    let mem = z.memoryMiB;
    let disk = z.diskGiB;
    for (const i of env.scenario.instances) {
      if (i.zone !== z.name || i.state !== 'running') continue;
      const t = env.scenario.vmTypes.find((x) => x.name === i.instanceType);
      if (!t) continue;
      cores -= t.cpu;
      mem -= t.memoryMiB;
      disk -= t.diskGiB;
    }
    for (const t of env.scenario.vmTypes) {
      const max = Math.min(
        Math.floor(z.cores / t.cpu),
        Math.floor(z.memoryMiB / t.memoryMiB),
        Math.floor(z.diskGiB / t.diskGiB),
      );
      const free = Math.max(
        0,
        Math.min(
          Math.floor(cores / t.cpu),
          Math.floor(mem / t.memoryMiB),
          Math.floor(disk / t.diskGiB),
        ),
      );
      // Format "%04d / %04d  %2d   %4d  %4d" (ClusterEndpoint.java).
      const state = `${pad(free, 4)} / ${pad(max, 4)}  ${String(t.cpu).padStart(2)}   ${String(t.memoryMiB).padStart(4)}  ${String(t.diskGiB).padStart(4)}`;
      items.push({ zoneName: `|- ${t.name}`, zoneState: state });
    }
  }
  return { availabilityZoneInfo: itemSet(items) };
}

function describeRegions(call: Call): XmlNode {
  return {
    regionInfo: itemSet([
      { regionName: 'Eucalyptus', regionEndpoint: call.env.urls.ec2 },
      { regionName: 'Walrus', regionEndpoint: call.env.urls.s3 },
    ]),
  };
}

const ACTIONS: Record<string, (call: Call) => XmlNode> = {
  DescribeInstances: describeInstances,
  DescribeImages: describeImages,
  DescribeImageAttribute: describeImageAttribute,
  DescribeVolumes: describeVolumes,
  DescribeSnapshots: describeSnapshots,
  DescribeAddresses: describeAddresses,
  DescribeSecurityGroups: describeSecurityGroups,
  DescribeKeyPairs: describeKeyPairs,
  DescribeAvailabilityZones: describeAvailabilityZones,
  DescribeRegions: describeRegions,
};

/** The EC2 Query API at `/services/Eucalyptus`. */
export function handleEc2(env: SimEnv, req: SimRequest): SimReply {
  const params = req.params;
  const auth = verifyQueryRequest(req, (k) => secretFor(env, k), env.version !== '2.0');
  if (!auth.ok) {
    return ec2ErrorReply(
      req.requestId,
      'AuthFailure',
      auth.message,
      env.version === '2.0' ? 400 : 401,
    );
  }
  const user = env.userByAccessKey.get(auth.accessKey);
  if (!user) return ec2ErrorReply(req.requestId, 'AuthFailure', 'Unknown user', 401);
  let version = params.get('Version');
  if (version === undefined) {
    if (env.version === '2.0')
      return ec2ErrorReply(
        req.requestId,
        'MissingParameter',
        'The request must contain the parameter Version',
      );
    version = DEFAULT_VERSION[env.version];
  }
  const action = params.get('Action') ?? '';
  const handler = ACTIONS[action];
  if (!handler) {
    return ec2ErrorReply(
      req.requestId,
      'InvalidAction',
      `The action ${action || '(none)'} is not valid for this web service.`,
    );
  }
  // Any date is accepted and echoed as the namespace; a non-date (the admin tools' `eucalyptus`) selects the internal binding.
  const xmlns = /^\d{4}-\d{2}-\d{2}$/.test(version)
    ? `http://ec2.amazonaws.com/doc/${version}/`
    : 'http://msgs.eucalyptus.com';
  try {
    const body = handler({ env, req, user, isAdmin: user.isAdmin, params });
    return xmlReply(
      200,
      renderXml(`${action}Response`, { requestId: req.requestId, ...body }, xmlns),
    );
  } catch (e) {
    if (e instanceof Ec2Error) return ec2ErrorReply(req.requestId, e.code, e.message, e.status);
    throw e;
  }
}
