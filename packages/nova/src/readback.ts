import type { Inventory, PlanMappings } from '@euca2nova/model';
import {
  mapInstanceType,
  novaAccessKeyOf,
  novaImageId,
  novaProjectIdOf,
  novaUserIdOf,
  projectOfGrantee,
  projectOfOwner,
  type IdPlan,
} from './identity.ts';
import { readImageStore, type NovaImageInfo } from './imagestore.ts';
import type { NetworkPlan } from './network.ts';
import { withDb } from './upsert.ts';
import type { Db } from './db.ts';
import { novaPowerStateOf } from './writers.ts';

/** What Nova Bexar's EC2 API shows (nova-bexar.md §2.2), rebuilt from its database and store. */
export interface Ec2View {
  readonly users: {
    userId: string;
    accessKey: string | null;
    isAdmin: boolean;
    projects: string[];
  }[];
  readonly instances: {
    instanceId: string;
    reservationId: string;
    ownerId: string;
    imageId: string;
    kernelId: string;
    ramdiskId: string;
    state: { code: number; name: string };
    privateDnsName: string | null;
    publicDnsName: string | null;
    keyName: string | null;
    instanceType: string;
    launchTime: string;
    amiLaunchIndex: number;
    placement: string;
    groups: string[];
  }[];
  readonly volumes: {
    volumeId: string;
    ownerId: string;
    status: string;
    size: number;
    availabilityZone: string;
    createTime: string;
    attachment: { instanceId: string; device: string; attachTime: string | null } | null;
  }[];
  readonly addresses: { publicIp: string; ownerId: string | null; instanceId: string | null }[];
  readonly securityGroups: {
    ownerId: string;
    groupName: string;
    description: string;
    rules: string[];
  }[];
  readonly keyPairs: { userId: string; keyName: string; fingerprint: string }[];
  readonly images: NovaImageInfo[];
}

const hex = (p: string, n: string | number): string =>
  `${p}-${BigInt(n).toString(16).padStart(8, '0')}`;
const iso = (d: Date | string | null): string =>
  d === null ? '' : new Date(typeof d === 'string' ? `${d.replace(' ', 'T')}Z` : d).toISOString();

function ruleText(
  protocol: string | null,
  from: number | null,
  to: number | null,
  target: string,
): string {
  return `${protocol ?? '*'}:${from === null ? '*' : String(from)}-${to === null ? '*' : String(to)}:${target}`;
}

/** Read the Nova database and image store back into the EC2 API's view. */
export async function readBack(target: Db | string, imagesPath?: string): Promise<Ec2View> {
  return withDb(target, async (db) => {
    const q = async <T extends object>(sql: string): Promise<T[]> => (await db.query<T>(sql)).rows;
    const users = await q<{
      id: string;
      access_key: string | null;
      is_admin: boolean | null;
      projects: string[] | null;
    }>(
      `SELECT u.id, u.access_key, u.is_admin, array_remove(array_agg(m.project_id ORDER BY m.project_id), NULL) AS projects
         FROM users u LEFT JOIN user_project_association m ON m.user_id = u.id
        WHERE u.deleted = false GROUP BY u.id ORDER BY u.id`,
    );
    const instances = await q<{
      id: string;
      reservation_id: string;
      project_id: string;
      image_id: string;
      kernel_id: string;
      ramdisk_id: string;
      state: number;
      state_description: string;
      fixed: string | null;
      floating: string | null;
      key_name: string | null;
      instance_type: string;
      created_at: string;
      launch_index: number;
      zone: string | null;
      groups: string[] | null;
    }>(
      // Bexar's tables have no index but their keys: correlated subqueries here were one scan
      // of floating_ips and of the group associations per instance (seconds at 10,000 instances).
      // Aggregating each side once lets PostgreSQL hash-join them.
      `WITH fl AS (
              SELECT DISTINCT ON (fixed_ip_id) fixed_ip_id, address FROM floating_ips
               WHERE deleted = false AND fixed_ip_id IS NOT NULL ORDER BY fixed_ip_id, id),
            sv AS (
              SELECT DISTINCT ON (host) host, availability_zone FROM services
               WHERE deleted = false ORDER BY host, id),
            gr AS (
              SELECT a.instance_id, array_agg(g.name ORDER BY g.name) AS groups
                FROM security_group_instance_association a
                JOIN security_groups g ON g.id = a.security_group_id
               WHERE a.deleted = false AND g.deleted = false GROUP BY a.instance_id)
       SELECT i.id::text, i.reservation_id, i.project_id, i.image_id, i.kernel_id, i.ramdisk_id, i.state, i.state_description,
              f.address AS fixed, fl.address AS floating,
              i.key_name, i.instance_type, i.created_at::text, i.launch_index,
              sv.availability_zone AS zone, gr.groups
         FROM instances i
         LEFT JOIN fixed_ips f ON f.instance_id = i.id AND f.deleted = false
         LEFT JOIN fl ON fl.fixed_ip_id = f.id
         LEFT JOIN sv ON sv.host = i.host
         LEFT JOIN gr ON gr.instance_id = i.id
        WHERE i.deleted = false ORDER BY i.id`,
    );
    const volumes = await q<{
      id: string;
      project_id: string;
      status: string;
      size: number;
      availability_zone: string;
      created_at: string;
      instance_id: string | null;
      mountpoint: string | null;
      attach_time: string | null;
      attach_status: string;
    }>(
      `SELECT id::text, project_id, status, size, availability_zone, created_at::text, instance_id::text, mountpoint, attach_time, attach_status
         FROM volumes v WHERE deleted = false ORDER BY v.id`,
    );
    const addresses = await q<{
      address: string;
      project_id: string | null;
      instance_id: string | null;
    }>(
      `SELECT fl.address, fl.project_id, f.instance_id::text FROM floating_ips fl
         LEFT JOIN fixed_ips f ON f.id = fl.fixed_ip_id WHERE fl.deleted = false ORDER BY fl.id`,
    );
    const groups = await q<{ id: number; project_id: string; name: string; description: string }>(
      'SELECT id, project_id, name, description FROM security_groups WHERE deleted = false ORDER BY project_id, name',
    );
    const rules = await q<{
      parent_group_id: number;
      protocol: string | null;
      from_port: number | null;
      to_port: number | null;
      cidr: string | null;
      src_project: string | null;
      src_name: string | null;
    }>(
      `SELECT r.parent_group_id, r.protocol, r.from_port, r.to_port, r.cidr, s.project_id AS src_project, s.name AS src_name
         FROM security_group_rules r LEFT JOIN security_groups s ON s.id = r.group_id WHERE r.deleted = false`,
    );
    const keys = await q<{ user_id: string; name: string; fingerprint: string }>(
      'SELECT user_id, name, fingerprint FROM key_pairs WHERE deleted = false ORDER BY user_id, name',
    );
    return {
      users: users.map((u) => ({
        userId: u.id,
        accessKey: u.access_key,
        isAdmin: u.is_admin === true,
        projects: u.projects ?? [],
      })),
      instances: instances.map((i) => ({
        instanceId: hex('i', i.id),
        reservationId: i.reservation_id,
        ownerId: i.project_id,
        imageId: i.image_id,
        kernelId: i.kernel_id,
        ramdiskId: i.ramdisk_id,
        state: { code: i.state, name: i.state_description },
        privateDnsName: i.fixed,
        publicDnsName: i.floating,
        keyName: i.key_name,
        instanceType: i.instance_type,
        launchTime: iso(i.created_at),
        amiLaunchIndex: i.launch_index,
        placement: i.zone ?? 'unknown zone',
        groups: i.groups ?? [],
      })),
      volumes: volumes.map((v) => ({
        volumeId: hex('vol', v.id),
        ownerId: v.project_id,
        status: v.status,
        size: v.size,
        availabilityZone: v.availability_zone,
        createTime: iso(v.created_at),
        attachment:
          v.attach_status === 'attached' && v.instance_id !== null
            ? {
                instanceId: hex('i', v.instance_id),
                device: v.mountpoint ?? '',
                attachTime: v.attach_time,
              }
            : null,
      })),
      addresses: addresses.map((a) => ({
        publicIp: a.address,
        ownerId: a.project_id,
        instanceId: a.instance_id === null ? null : hex('i', a.instance_id),
      })),
      securityGroups: groups.map((g) => ({
        ownerId: g.project_id,
        groupName: g.name,
        description: g.description,
        rules: rules
          .filter((r) => r.parent_group_id === g.id)
          .map((r) =>
            ruleText(
              r.protocol,
              r.from_port,
              r.to_port,
              r.cidr ?? `${r.src_project ?? '?'}/${r.src_name ?? '?'}`,
            ),
          )
          .sort(),
      })),
      keyPairs: keys.map((k) => ({
        userId: k.user_id,
        keyName: k.name,
        fingerprint: k.fingerprint,
      })),
      images: imagesPath === undefined ? [] : await readImageStore(imagesPath),
    };
  });
}

/**
 * The part of the view one user sees through the EC2 API: everything for an admin; otherwise the
 * resources of the projects the user belongs to, the user's own key pairs, public images and the
 * images of those projects (nova-bexar.md §2.2, §4.1). Non-admins never see cloudpipe instances.
 */
export function viewForUser(view: Ec2View, userId: string): Ec2View {
  const user = view.users.find((u) => u.userId === userId);
  if (user === undefined) {
    return {
      users: [],
      instances: [],
      volumes: [],
      addresses: [],
      securityGroups: [],
      keyPairs: [],
      images: [],
    };
  }
  if (user.isAdmin) return view;
  const mine = new Set(user.projects);
  return {
    users: [user],
    instances: view.instances.filter((i) => mine.has(i.ownerId) && i.imageId !== 'ami-cloudpipe'),
    volumes: view.volumes.filter((v) => mine.has(v.ownerId)),
    addresses: view.addresses.filter((a) => a.ownerId !== null && mine.has(a.ownerId)),
    securityGroups: view.securityGroups.filter((g) => mine.has(g.ownerId)),
    keyPairs: view.keyPairs.filter((k) => k.userId === userId),
    images: view.images.filter((i) => i.isPublic || mine.has(i.imageOwnerId)),
  };
}

export interface Difference {
  readonly kind: string;
  readonly id: string;
  readonly field: string;
  readonly expected: unknown;
  readonly actual: unknown;
}

export interface CompareContext {
  readonly mappings: PlanMappings;
  readonly ids: IdPlan;
  readonly network: NetworkPlan;
}

/**
 * Compare the read-back view with what the source showed, field by field, through the
 * documented transformations only (ids rendered `%08x`, image prefix choice, VM type map, power
 * state codes, planned fixed IPs). Items the plan does not migrate (terminated instances,
 * volumes in other states, unknown owners) are not expected. Empty result = equal.
 */
export function compareWithInventory(
  inventory: Inventory,
  view: Ec2View,
  ctx: CompareContext,
): Difference[] {
  const diffs: Difference[] = [];
  const check = (
    kind: string,
    id: string,
    field: string,
    expected: unknown,
    actual: unknown,
  ): void => {
    if (JSON.stringify(expected) !== JSON.stringify(actual))
      diffs.push({ kind, id, field, expected, actual });
  };
  const img = (id: string | undefined): string =>
    id === undefined ? '' : novaImageId(id, ctx.mappings.imageIdPrefix);
  const ipPlan = new Map(ctx.network.perInstance.map((p) => [p.instanceId, p]));
  const floatingOf = new Map<string, string>();
  if (ctx.network.manager !== 'none') {
    for (const a of inventory.addresses)
      if (a.state === 'associated' && a.instanceId !== undefined)
        floatingOf.set(a.instanceId, a.publicIp);
  }

  for (const u of inventory.users) {
    const userId = novaUserIdOf(u);
    const got = view.users.find((v) => v.userId === userId);
    if (got === undefined) {
      check('user', userId, '(present)', true, false);
      continue;
    }
    const key = novaAccessKeyOf(u);
    check('user', userId, 'accessKey', key?.accessKeyId ?? null, got.accessKey);
    check('user', userId, 'admin', u.admin, got.isAdmin);
    check('user', userId, 'projects', [novaProjectIdOf(u)], got.projects);
  }
  const byInstance = new Map(view.instances.map((i) => [i.instanceId, i]));
  for (const i of inventory.instances) {
    const st = novaPowerStateOf(i.state.name);
    const a = ctx.ids.instances.get(i.instanceId);
    const owner = projectOfOwner(i.owner, inventory);
    if (st === null || a === undefined || owner === undefined) continue;
    const got = byInstance.get(a.novaEc2Id);
    if (got === undefined) {
      check('instance', i.instanceId, '(present)', true, false);
      continue;
    }
    const id = i.instanceId;
    check('instance', id, 'reservationId', i.reservationId, got.reservationId);
    check('instance', id, 'ownerId', owner, got.ownerId);
    check('instance', id, 'imageId', img(i.imageId), got.imageId);
    check('instance', id, 'kernelId', img(i.kernelId), got.kernelId);
    check('instance', id, 'ramdiskId', img(i.ramdiskId), got.ramdiskId);
    check('instance', id, 'instanceState', { code: st.state, name: st.description }, got.state);
    const plan = ipPlan.get(i.instanceId);
    check(
      'instance',
      id,
      'privateDnsName',
      plan === undefined || plan.status === 'external' ? null : (plan.novaIp ?? null),
      got.privateDnsName,
    );
    check('instance', id, 'publicDnsName', floatingOf.get(i.instanceId) ?? null, got.publicDnsName);
    check('instance', id, 'keyName', i.keyName ?? null, got.keyName);
    check(
      'instance',
      id,
      'instanceType',
      mapInstanceType(i.instanceType, ctx.mappings),
      got.instanceType,
    );
    check('instance', id, 'launchTime', new Date(i.launchTime).toISOString(), got.launchTime);
    check('instance', id, 'amiLaunchIndex', i.launchIndex, got.amiLaunchIndex);
    check('instance', id, 'placement', i.availabilityZone, got.placement);
    check(
      'instance',
      id,
      'groupSet',
      (i.groups.length > 0 ? i.groups.map((g) => g.groupName) : ['default']).sort(),
      got.groups,
    );
  }
  const byVolume = new Map(view.volumes.map((v) => [v.volumeId, v]));
  for (const v of inventory.volumes) {
    const a = ctx.ids.volumes.get(v.volumeId);
    const owner = projectOfOwner(v.owner, inventory);
    if (
      a === undefined ||
      owner === undefined ||
      (v.status !== 'available' && v.status !== 'in-use')
    )
      continue;
    const got = byVolume.get(a.novaEc2Id);
    if (got === undefined) {
      check('volume', v.volumeId, '(present)', true, false);
      continue;
    }
    const att = v.attachments.find((x) => x.status === 'attached' || x.status === 'attaching');
    check('volume', v.volumeId, 'status', att === undefined ? 'available' : 'in-use', got.status);
    check('volume', v.volumeId, 'size', v.sizeGiB, got.size);
    check('volume', v.volumeId, 'availabilityZone', v.availabilityZone, got.availabilityZone);
    check('volume', v.volumeId, 'createTime', new Date(v.createTime).toISOString(), got.createTime);
    check('volume', v.volumeId, 'ownerId', owner, got.ownerId);
    check(
      'volume',
      v.volumeId,
      'attachment',
      att === undefined
        ? null
        : {
            instanceId: ctx.ids.instances.get(att.instanceId)?.novaEc2Id,
            device: att.device,
            attachTime: att.attachTime ?? null,
          },
      got.attachment,
    );
  }
  if (ctx.network.manager !== 'none') {
    const byIp = new Map(view.addresses.map((x) => [x.publicIp, x]));
    for (const ad of inventory.addresses) {
      const got = byIp.get(ad.publicIp);
      if (got === undefined) {
        check('address', ad.publicIp, '(present)', true, false);
        continue;
      }
      check(
        'address',
        ad.publicIp,
        'ownerId',
        ad.state === 'unallocated' ? null : (projectOfOwner(ad.owner, inventory) ?? null),
        got.ownerId,
      );
      check(
        'address',
        ad.publicIp,
        'instanceId',
        ad.state === 'associated' && ad.instanceId !== undefined
          ? (ctx.ids.instances.get(ad.instanceId)?.novaEc2Id ?? null)
          : null,
        got.instanceId,
      );
    }
  }
  const groupKey = (p: string, n: string): string => `${p}/${n}`;
  const byGroup = new Map(view.securityGroups.map((g) => [groupKey(g.ownerId, g.groupName), g]));
  for (const g of inventory.securityGroups) {
    const owner = projectOfOwner(g.owner, inventory);
    if (owner === undefined) continue;
    const got = byGroup.get(groupKey(owner, g.groupName));
    if (got === undefined) {
      check('securityGroup', groupKey(owner, g.groupName), '(present)', true, false);
      continue;
    }
    check(
      'securityGroup',
      groupKey(owner, g.groupName),
      'description',
      g.description,
      got.description,
    );
    const rules = g.rules
      .filter((r) => ['tcp', 'udp', 'icmp'].includes(r.ipProtocol.toLowerCase()))
      .flatMap((r) => [
        ...r.ipRanges.map((c) =>
          ruleText(r.ipProtocol.toLowerCase(), r.fromPort ?? null, r.toPort ?? null, c),
        ),
        ...r.groups.map((s) =>
          ruleText(
            r.ipProtocol.toLowerCase(),
            r.fromPort ?? null,
            r.toPort ?? null,
            `${projectOfGrantee(s.userId, inventory)}/${s.groupName}`,
          ),
        ),
      ])
      .sort();
    check('securityGroup', groupKey(owner, g.groupName), 'ipPermissions', rules, got.rules);
  }
  for (const k of inventory.keyPairs) {
    const user = projectOfOwner(k.owner, inventory);
    if (user === undefined || k.publicKey === undefined) continue;
    const got = view.keyPairs.find((x) => x.userId === user && x.keyName === k.keyName);
    check('keyPair', `${user}/${k.keyName}`, 'keyFingerprint', k.fingerprint, got?.fingerprint);
  }
  if (view.images.length > 0 || inventory.images.length === 0) {
    const byImage = new Map(view.images.map((x) => [x.imageId, x]));
    // DescribeImages shows users only available images; a deregistered one is not migrated.
    for (const im of inventory.images.filter((i) => i.imageState === 'available')) {
      const id = img(im.imageId);
      const got = byImage.get(id);
      if (got === undefined) {
        check('image', im.imageId, '(present)', true, false);
        continue;
      }
      check(
        'image',
        im.imageId,
        'imageOwnerId',
        projectOfOwner(im.owner, inventory),
        got.imageOwnerId,
      );
      check(
        'image',
        im.imageId,
        'isPublic',
        im.isPublic || im.launchPermissions.some((p) => 'group' in p),
        got.isPublic,
      );
      check('image', im.imageId, 'imageType', im.imageType, got.imageType);
      check('image', im.imageId, 'architecture', im.architecture, got.architecture);
      check('image', im.imageId, 'imageLocation', im.imageLocation ?? '', got.imageLocation);
      check(
        'image',
        im.imageId,
        'kernelId',
        im.kernelId === undefined ? undefined : img(im.kernelId),
        got.kernelId,
      );
      check(
        'image',
        im.imageId,
        'ramdiskId',
        im.ramdiskId === undefined ? undefined : img(im.ramdiskId),
        got.ramdiskId,
      );
    }
  }
  return diffs;
}
