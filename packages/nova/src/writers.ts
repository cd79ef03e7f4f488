import { createHash } from 'node:crypto';
import {
  NOVA_BEXAR_INSTANCE_TYPES,
  type Finding,
  type Instance,
  type Inventory,
  type PlanMappings,
} from '@euca2nova/model';
import { inTransaction, throwIfAborted, type Db } from './db.ts';
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
import type { NetworkPlan } from './network.ts';
import {
  addResults,
  assertIdsFit,
  bumpSequences,
  naiveUtc,
  withDb,
  writeRows,
  type Conflict,
  type Row,
  type WriteOptions,
  type WriteResult,
} from './upsert.ts';

/** Everything a writer needs: the inventory, the operator's choices and the derived plans. */
export interface NovaWriteInput {
  readonly inventory: Inventory;
  readonly mappings: PlanMappings;
  readonly ids: IdPlan;
  readonly network: NetworkPlan;
  readonly hosts: {
    /** nova-compute host for instances without a known node (`instances.host`). */
    readonly compute: string;
    /** nova-volume host (`volumes.host`, `iscsi_targets.host`). */
    readonly volume: string;
    /** nova-network host (`floating_ips.host`). */
    readonly network: string;
  };
}

export interface KindWriteResult extends WriteResult {
  readonly findings: readonly Finding[];
}

type Target = Db | string;

function result(r: WriteResult, findings: readonly Finding[] = []): KindWriteResult {
  return { ...r, findings };
}

// ---------------------------------------------------------------------------------------------
// Users, projects, memberships, roles (nova-bexar.md §3)

/** Per-project and global roles every migrated user gets so Eucalyptus-like rights are kept. */
export const MEMBER_ROLES = ['sysadmin', 'netadmin', 'developer'] as const;
/** Global-only roles of cloud administrators. */
export const ADMIN_ROLES = ['cloudadmin'] as const;

export interface UserRows {
  readonly users: Row[];
  readonly projects: Row[];
  readonly memberships: Row[];
  readonly globalRoles: Row[];
  readonly projectRoles: Row[];
  readonly findings: Finding[];
}

export function buildUserRows(inventory: Inventory): UserRows {
  const out: UserRows = {
    users: [],
    projects: [],
    memberships: [],
    globalRoles: [],
    projectRoles: [],
    findings: [],
  };
  const seen = new Set<string>();
  const projects = new Map<string, Row>();
  for (const u of inventory.users) {
    const id = novaUserIdOf(u);
    const project = novaProjectIdOf(u);
    if (seen.has(id)) {
      out.findings.push({
        ruleId: 'user.name-collision',
        severity: 'error',
        message: `Two Eucalyptus users would both become Nova user ${id}; Nova user ids are global.`,
        affectedIds: [id],
        remedy: 'Rename one of the users in Eucalyptus before migrating.',
      });
      continue;
    }
    seen.add(id);
    const key = novaAccessKeyOf(u);
    if (key?.secretKey === undefined) {
      out.findings.push({
        ruleId: 'user.secret-key-missing',
        severity: 'warning',
        message: `User ${id} has no readable secret key; Nova will not accept the old credentials.`,
        affectedIds: [id],
        remedy: 'Issue new credentials with "nova-manage user exports" after the migration.',
      });
    }
    if (id !== project && key !== undefined) {
      out.findings.push({
        ruleId: 'user.project-suffix-needed',
        severity: 'warning',
        message: `User ${u.userName} of account ${u.accountName ?? project} reaches the account's resources in Nova only with the project appended to the access key.`,
        affectedIds: [id],
        remedy: `Tell the user to set EC2_ACCESS_KEY=${key.accessKeyId}:${project} (the secret key is unchanged).`,
      });
    }
    out.users.push({
      id,
      name: id,
      access_key: key?.accessKeyId ?? null,
      secret_key: key?.secretKey ?? null,
      is_admin: u.admin,
    });
    // The project's manager is the user whose id it shares (2.0: itself; 3.x: the account's
    // admin), or the account's first user when the inventory has no admin for it.
    const existing = projects.get(project);
    if (existing === undefined || id === project) {
      projects.set(project, {
        id: project,
        name: u.accountName ?? project,
        description: u.accountName === undefined ? project : `Eucalyptus account ${u.accountName}`,
        project_manager: id,
      });
    }
    out.memberships.push({ user_id: id, project_id: project });
    const global = u.admin ? [...ADMIN_ROLES, ...MEMBER_ROLES] : [...MEMBER_ROLES];
    for (const role of global) out.globalRoles.push({ user_id: id, role });
    for (const role of MEMBER_ROLES)
      out.projectRoles.push({ user_id: id, project_id: project, role });
  }
  out.projects.push(...projects.values());
  return out;
}

export async function writeUsers(
  target: Target,
  inventory: Inventory,
  options: WriteOptions = {},
): Promise<KindWriteResult> {
  const rows = buildUserRows(inventory);
  return withDb(target, async (db) => {
    const r = addResults(
      await writeRows(
        db,
        {
          table: 'users',
          kind: 'user',
          key: ['id'],
          compare: ['access_key', 'secret_key', 'is_admin'],
          idOf: (r) => String(r.id),
        },
        rows.users,
        options,
      ),
      await writeRows(
        db,
        {
          table: 'projects',
          kind: 'project',
          key: ['id'],
          compare: ['project_manager'],
          idOf: (r) => String(r.id),
        },
        rows.projects,
        options,
      ),
      await writeRows(
        db,
        {
          table: 'user_project_association',
          kind: 'membership',
          key: ['user_id', 'project_id'],
          compare: [],
          idOf: (r) => `${String(r.user_id)}@${String(r.project_id)}`,
        },
        rows.memberships,
        options,
      ),
      await writeRows(
        db,
        {
          table: 'user_role_association',
          kind: 'global-role',
          key: ['user_id', 'role'],
          compare: [],
          idOf: (r) => `${String(r.user_id)}:${String(r.role)}`,
        },
        rows.globalRoles,
        options,
      ),
      await writeRows(
        db,
        {
          table: 'user_project_role_association',
          kind: 'project-role',
          key: ['user_id', 'project_id', 'role'],
          compare: [],
          idOf: (r) => `${String(r.user_id)}@${String(r.project_id)}:${String(r.role)}`,
        },
        rows.projectRoles,
        options,
      ),
    );
    return result(r, rows.findings);
  });
}

// ---------------------------------------------------------------------------------------------
// Key pairs

/** `ssh-keygen -l` MD5 fingerprint (colon hex) of an OpenSSH public key line. */
export function md5Fingerprint(publicKey: string): string {
  const blob = Buffer.from(publicKey.split(' ')[1] ?? '', 'base64');
  return createHash('md5')
    .update(blob)
    .digest('hex')
    .replace(/(..)(?!$)/g, '$1:');
}

export function buildKeyPairRows(inventory: Inventory): { rows: Row[]; findings: Finding[] } {
  const rows: Row[] = [];
  const findings: Finding[] = [];
  for (const k of inventory.keyPairs) {
    const user = projectOfOwner(k.owner, inventory);
    if (user === undefined || k.publicKey === undefined) {
      findings.push({
        ruleId: user === undefined ? 'keypair.owner-unknown' : 'keypair.public-key-missing',
        severity: 'warning',
        message: `Key pair ${k.keyName} is not migrated: its ${user === undefined ? 'owner' : 'public key'} is unknown.`,
        affectedIds: [`${user ?? '?'}/${k.keyName}`],
        remedy: 'The owner re-imports the key in Nova.',
      });
      continue;
    }
    const fp = k.fingerprint.toLowerCase();
    if (fp.length === 47 && fp !== md5Fingerprint(k.publicKey)) {
      findings.push({
        ruleId: 'keypair.fingerprint-mismatch',
        severity: 'error',
        message: `Key pair ${user}/${k.keyName}: the MD5 fingerprint of its public key is ${md5Fingerprint(k.publicKey)}, Eucalyptus reports ${k.fingerprint}.`,
        affectedIds: [`${user}/${k.keyName}`],
        remedy: 'Check the public key read from the Eucalyptus database.',
      });
      continue;
    }
    // 20-byte (SHA-1 of the private key) fingerprints cannot be checked from the public key;
    // both kinds are stored verbatim so DescribeKeyPairs shows what users knew.
    rows.push({
      user_id: user,
      name: k.keyName,
      fingerprint: k.fingerprint,
      public_key: k.publicKey,
    });
  }
  return { rows, findings };
}

export async function writeKeyPairs(
  target: Target,
  inventory: Inventory,
  options: WriteOptions = {},
): Promise<KindWriteResult> {
  const { rows, findings } = buildKeyPairRows(inventory);
  return withDb(target, async (db) => {
    const r = await writeRows(
      db,
      {
        table: 'key_pairs',
        kind: 'keyPair',
        key: ['user_id', 'name'],
        compare: ['fingerprint', 'public_key'],
        idOf: (r) => `${String(r.user_id)}/${String(r.name)}`,
      },
      rows,
      options,
    );
    if (options.dryRun !== true) await bumpSequences(db, ['key_pairs']);
    return result(r, findings);
  });
}

// ---------------------------------------------------------------------------------------------
// Security groups and rules

interface RuleSpec {
  readonly parent: string; // project \0 name
  readonly protocol: string | null;
  readonly from: number | null;
  readonly to: number | null;
  readonly cidr: string | null;
  readonly source: string | null; // project \0 name
}

export function buildSecurityGroupRows(inventory: Inventory): {
  groups: Row[];
  rules: RuleSpec[];
  findings: Finding[];
} {
  const groups: Row[] = [];
  const rules: RuleSpec[] = [];
  const findings: Finding[] = [];
  const key = (p: string, n: string): string => `${p}\u0000${n}`;
  const have = new Set<string>();
  for (const g of inventory.securityGroups) {
    const project = projectOfOwner(g.owner, inventory);
    if (project === undefined) {
      findings.push({
        ruleId: 'securitygroup.owner-unknown',
        severity: 'warning',
        message: `Security group ${g.groupName} has no known owner.`,
        affectedIds: [g.groupName],
        remedy: 'Recreate it in Nova.',
      });
      continue;
    }
    have.add(key(project, g.groupName));
    groups.push({
      project_id: project,
      name: g.groupName,
      description: g.description,
      user_id: project,
    });
    for (const r of g.rules) {
      const proto = r.ipProtocol.toLowerCase();
      if (!['tcp', 'udp', 'icmp'].includes(proto)) {
        findings.push({
          ruleId: 'securitygroup.protocol-unsupported',
          severity: 'warning',
          message: `Rule with protocol ${r.ipProtocol} in ${project}/${g.groupName}: Bexar filters only tcp, udp and icmp.`,
          affectedIds: [`${project}/${g.groupName}`],
          remedy: 'Recreate the rule by hand if it matters.',
        });
        continue;
      }
      for (const cidr of r.ipRanges)
        rules.push({
          parent: key(project, g.groupName),
          protocol: proto,
          from: r.fromPort ?? null,
          to: r.toPort ?? null,
          cidr,
          source: null,
        });
      for (const grant of r.groups) {
        const sourceProject = projectOfGrantee(grant.userId, inventory);
        rules.push({
          parent: key(project, g.groupName),
          protocol: proto,
          from: r.fromPort ?? null,
          to: r.toPort ?? null,
          cidr: null,
          source: key(sourceProject, grant.groupName),
        });
      }
    }
  }
  // Nova creates `default` lazily with no rules; a pre-created one stops it (§3.3).
  for (const project of new Set(inventory.users.map(novaProjectIdOf))) {
    if (!have.has(key(project, 'default'))) {
      have.add(key(project, 'default'));
      groups.push({
        project_id: project,
        name: 'default',
        description: 'default',
        user_id: project,
      });
    }
  }
  return { groups, rules, findings };
}

async function groupIds(db: Db, projects: readonly string[]): Promise<Map<string, number>> {
  const res = await db.query<{ project_id: string; name: string; id: string }>(
    'SELECT project_id, name, min(id)::text AS id FROM security_groups WHERE deleted = false AND project_id = ANY($1) GROUP BY project_id, name',
    [projects],
  );
  return new Map(res.rows.map((r) => [`${r.project_id}\u0000${r.name}`, Number(r.id)]));
}

export async function writeSecurityGroups(
  target: Target,
  inventory: Inventory,
  options: WriteOptions = {},
): Promise<KindWriteResult> {
  const { groups, rules, findings } = buildSecurityGroupRows(inventory);
  return withDb(target, async (db) => {
    const g = await writeRows(
      db,
      {
        table: 'security_groups',
        kind: 'securityGroup',
        key: ['project_id', 'name'],
        compare: ['description'],
        idOf: (r) => `${String(r.project_id)}/${String(r.name)}`,
      },
      groups,
      options,
    );
    const ids = await groupIds(db, [...new Set(groups.map((r) => String(r.project_id)))]);
    const ruleRows: Row[] = [];
    const extra: Finding[] = [];
    for (const r of rules) {
      const parent = ids.get(r.parent);
      const source = r.source === null ? null : ids.get(r.source);
      if (parent === undefined || source === undefined) {
        extra.push({
          ruleId: 'securitygroup.grant-source-unknown',
          severity: 'warning',
          message: `A group grant of ${r.parent.replace('\u0000', '/')} names a group that is not migrated (${(r.source ?? '').replace('\u0000', '/')}).`,
          affectedIds: [r.parent.replace('\u0000', '/')],
          remedy: 'Recreate the grant by hand.',
        });
        continue;
      }
      ruleRows.push({
        parent_group_id: parent,
        protocol: r.protocol,
        from_port: r.from,
        to_port: r.to,
        cidr: r.cidr,
        group_id: source,
      });
    }
    const rr = await writeRows(
      db,
      {
        table: 'security_group_rules',
        kind: 'securityGroupRule',
        key: ['parent_group_id', 'protocol', 'from_port', 'to_port', 'cidr', 'group_id'],
        compare: [],
        idOf: (r) =>
          `${String(r.parent_group_id)}:${String(r.protocol)}:${String(r.from_port)}-${String(r.to_port)}:${String(r.cidr ?? r.group_id)}`,
      },
      ruleRows,
      options,
    );
    if (options.dryRun !== true)
      await bumpSequences(db, ['security_groups', 'security_group_rules']);
    return result(addResults(g, rr), [...findings, ...extra]);
  });
}

// ---------------------------------------------------------------------------------------------
// Networks and fixed IPs

export async function writeNetworks(
  target: Target,
  plan: NetworkPlan,
  options: WriteOptions = {},
): Promise<KindWriteResult> {
  return withDb(target, async (db) => {
    const netRows: Row[] = plan.networks.map((n) => ({
      injected: false,
      cidr: n.cidr,
      netmask: n.netmask,
      bridge: n.bridge,
      gateway: n.gateway,
      broadcast: n.broadcast,
      vlan: n.vlan,
      vpn_public_port: n.vpnPublicPort,
      vpn_private_address: n.vpnPrivateAddress,
      dhcp_start: n.dhcpStart,
      project_id: n.projectId,
    }));
    const nr = await writeRows(
      db,
      {
        table: 'networks',
        kind: 'network',
        key: ['cidr'],
        compare: [
          'netmask',
          'bridge',
          'gateway',
          'broadcast',
          'vlan',
          'vpn_public_port',
          'vpn_private_address',
          'dhcp_start',
          'project_id',
        ],
        idOf: (r) => String(r.cidr),
      },
      netRows,
      options,
    );
    const res = await db.query<{ cidr: string; id: string }>(
      'SELECT cidr, min(id)::text AS id FROM networks WHERE deleted = false AND cidr = ANY($1) GROUP BY cidr',
      [plan.networks.map((n) => n.cidr)],
    );
    const idOfCidr = new Map(res.rows.map((r) => [r.cidr, Number(r.id)]));
    const fixedRows: Row[] = plan.fixedIps.map((f) => ({
      address: f.address,
      network_id: idOfCidr.get(plan.networks[f.networkIndex]?.cidr ?? '') ?? null,
      reserved: f.reserved,
      allocated: false,
      leased: false,
    }));
    const fr = await writeRows(
      db,
      {
        table: 'fixed_ips',
        kind: 'fixedIp',
        key: ['address'],
        compare: ['network_id', 'reserved'],
        idOf: (r) => String(r.address),
      },
      fixedRows,
      { batchSize: 100_000, ...options },
    );
    if (options.dryRun !== true) await bumpSequences(db, ['networks', 'fixed_ips']);
    return result(addResults(nr, fr), []);
  });
}

// ---------------------------------------------------------------------------------------------
// Instances (+ compute services, group associations, fixed IP links)

/** Eucalyptus state -> Bexar power state code and description (nova-bexar.md §2.2). */
export function novaPowerStateOf(
  state: Instance['state']['name'],
): { state: number; description: string } | null {
  switch (state) {
    case 'pending':
      return { state: 0, description: 'pending' };
    case 'running':
      return { state: 1, description: 'running' };
    case 'stopping':
      return { state: 4, description: 'shutdown' };
    case 'stopped':
      return { state: 5, description: 'shutdown' };
    default:
      return null;
  }
}

/** `02:16:3e:xx:xx:xx` as Nova would generate, derived from the id so reruns agree. */
export function novaMacFor(instanceId: string): string {
  const h = createHash('sha256').update(instanceId.toLowerCase()).digest();
  return `02:16:3e:${[h[0], h[1], h[2]].map((b) => (b ?? 0).toString(16).padStart(2, '0')).join(':')}`;
}

export function buildInstanceRows(input: NovaWriteInput): {
  instances: Row[];
  services: Row[];
  findings: Finding[];
} {
  const { inventory, mappings, ids } = input;
  const instances: Row[] = [];
  const findings: Finding[] = [];
  const services = new Map<string, Row>();
  const pub = new Map<string, string>();
  for (const k of inventory.keyPairs) {
    const u = projectOfOwner(k.owner, inventory);
    if (u !== undefined && k.publicKey !== undefined) pub.set(`${u}/${k.keyName}`, k.publicKey);
  }
  for (const i of inventory.instances) {
    const st = novaPowerStateOf(i.state.name);
    const id = ids.instances.get(i.instanceId);
    const project = projectOfOwner(i.owner, inventory);
    if (st === null || id === undefined || project === undefined) {
      findings.push({
        ruleId: st === null ? 'instance.not-live' : 'instance.owner-unknown',
        severity: st === null ? 'info' : 'error',
        message: `Instance ${i.instanceId} is not migrated (${st === null ? `state ${i.state.name}` : 'owner unknown'}).`,
        affectedIds: [i.instanceId],
        remedy: st === null ? 'Nothing to do.' : 'Map the owner by hand.',
      });
      continue;
    }
    const type = mapInstanceType(i.instanceType, mappings);
    const spec = NOVA_BEXAR_INSTANCE_TYPES[type as keyof typeof NOVA_BEXAR_INSTANCE_TYPES];
    const host = i.nodeHost ?? input.hosts.compute;
    services.set(host, {
      host,
      binary: 'nova-compute',
      topic: 'compute',
      report_count: 0,
      disabled: false,
      availability_zone: i.availabilityZone,
    });
    const launch = naiveUtc(i.launchTime);
    instances.push({
      id: id.novaId,
      user_id: project,
      project_id: project,
      image_id: novaImageId(i.imageId, mappings.imageIdPrefix),
      kernel_id: i.kernelId === undefined ? '' : novaImageId(i.kernelId, mappings.imageIdPrefix),
      ramdisk_id: i.ramdiskId === undefined ? '' : novaImageId(i.ramdiskId, mappings.imageIdPrefix),
      launch_index: i.launchIndex,
      key_name: i.keyName ?? null,
      key_data: i.keyName === undefined ? null : (pub.get(`${project}/${i.keyName}`) ?? null),
      state: st.state,
      state_description: st.description,
      memory_mb: spec.memoryMb,
      vcpus: spec.vcpus,
      local_gb: spec.localGb,
      hostname: id.novaEc2Id,
      host,
      instance_type: type,
      user_data: i.userData ?? '',
      reservation_id: i.reservationId,
      mac_address: (i.macAddress ?? novaMacFor(i.instanceId)).toLowerCase(),
      scheduled_at: launch,
      launched_at: launch,
      created_at: launch,
      availability_zone: i.availabilityZone,
      locked: false,
    });
  }
  return { instances, services: [...services.values()], findings };
}

export async function writeInstances(
  target: Target,
  input: NovaWriteInput,
  options: WriteOptions = {},
): Promise<KindWriteResult> {
  const { instances, services, findings } = buildInstanceRows(input);
  return withDb(target, async (db) => {
    await assertIdsFit(
      db,
      'instances',
      instances.map((r) => Number(r.id)),
    );
    const sr = await writeRows(
      db,
      {
        table: 'services',
        kind: 'service',
        key: ['host', 'binary'],
        compare: ['availability_zone'],
        idOf: (r) => `${String(r.host)}/${String(r.binary)}`,
      },
      services,
      options,
    );
    const ir = await writeRows(
      db,
      {
        table: 'instances',
        kind: 'instance',
        key: ['id'],
        compare: [
          'user_id',
          'project_id',
          'image_id',
          'kernel_id',
          'ramdisk_id',
          'key_name',
          'state',
          'state_description',
          'instance_type',
          'reservation_id',
          'mac_address',
          'host',
          'availability_zone',
          'launch_index',
        ],
        idOf: (r) => `i-${Number(r.id).toString(16).padStart(8, '0')}`,
      },
      instances,
      options,
    );
    // Security group associations.
    const migrated = new Set(instances.map((r) => Number(r.id)));
    const projects = [...new Set(instances.map((r) => String(r.project_id)))];
    const gids = await groupIds(db, projects);
    const assoc: Row[] = [];
    const extra: Finding[] = [];
    for (const i of input.inventory.instances) {
      const a = input.ids.instances.get(i.instanceId);
      const project = projectOfOwner(i.owner, input.inventory);
      if (a === undefined || project === undefined || !migrated.has(a.novaId)) continue;
      const names = i.groups.length > 0 ? i.groups.map((g) => g.groupName) : ['default'];
      for (const n of names) {
        const gid = gids.get(`${project}\u0000${n}`);
        if (gid === undefined) {
          extra.push({
            ruleId: 'instance.group-missing',
            severity: 'warning',
            message: `Instance ${i.instanceId}: security group ${n} is not in Nova (write security groups first).`,
            affectedIds: [i.instanceId],
            remedy: 'Write security groups before instances.',
          });
          continue;
        }
        assoc.push({ security_group_id: gid, instance_id: a.novaId });
      }
    }
    const ar = await writeRows(
      db,
      {
        table: 'security_group_instance_association',
        kind: 'instanceGroup',
        key: ['security_group_id', 'instance_id'],
        compare: [],
        idOf: (r) => `${String(r.instance_id)}:${String(r.security_group_id)}`,
      },
      assoc,
      options,
    );
    const fr = await linkFixedIps(db, input, migrated, options);
    if (options.dryRun !== true)
      await bumpSequences(db, ['instances', 'services', 'security_group_instance_association']);
    return result(addResults(sr, ir, ar, fr), [...findings, ...extra]);
  });
}

/**
 * Give each instance its planned fixed IP as Nova's allocation would (`instance_id`,
 * `allocated = true`, `leased = true`): only rows with no instance yet; a row held by another
 * instance is a conflict, never taken over.
 */
async function linkFixedIps(
  db: Db,
  input: NovaWriteInput,
  migrated: ReadonlySet<number>,
  options: WriteOptions,
): Promise<WriteResult> {
  const links: { address: string; id: number; ec2: string }[] = [];
  for (const p of input.network.perInstance) {
    const a = input.ids.instances.get(p.instanceId);
    if (
      a === undefined ||
      p.novaIp === undefined ||
      p.status === 'external' ||
      !migrated.has(a.novaId)
    )
      continue;
    links.push({ address: p.novaIp, id: a.novaId, ec2: a.novaEc2Id });
  }
  if (links.length === 0 || options.dryRun === true)
    return { inserted: 0, skipped: 0, conflicts: [] };
  throwIfAborted(options.signal);
  const now = naiveUtc(options.now ?? new Date());
  return inTransaction(db, async () => {
    await db.query('LOCK TABLE fixed_ips IN SHARE ROW EXCLUSIVE MODE');
    const updated = await db.query<{ address: string }>(
      `UPDATE fixed_ips f SET instance_id = k.iid, allocated = true, leased = true, updated_at = $3::timestamp
         FROM unnest($1::text[], $2::bigint[]) AS k(addr, iid)
        WHERE f.address = k.addr AND f.instance_id IS NULL AND f.deleted = false
        RETURNING f.address`,
      [links.map((l) => l.address), links.map((l) => l.id), now],
    );
    const done = new Set(updated.rows.map((r) => r.address));
    const rest = links.filter((l) => !done.has(l.address));
    const existing = await db.query<{ address: string; instance_id: string | null }>(
      'SELECT address, instance_id::text FROM fixed_ips WHERE deleted = false AND address = ANY($1)',
      [rest.map((l) => l.address)],
    );
    const holder = new Map(existing.rows.map((r) => [r.address, r.instance_id]));
    const conflicts: Conflict[] = [];
    let skipped = 0;
    for (const l of rest) {
      const h = holder.get(l.address);
      if (h === String(l.id)) skipped++;
      else
        conflicts.push({
          kind: 'fixedIp',
          id: l.address,
          fields: [
            { field: 'instance_id', existing: h ?? '(no such fixed IP)', wanted: String(l.id) },
          ],
        });
    }
    return { inserted: done.size, skipped, conflicts };
  });
}

// ---------------------------------------------------------------------------------------------
// Floating IPs

export async function writeFloatingIps(
  target: Target,
  input: NovaWriteInput,
  options: WriteOptions = {},
): Promise<KindWriteResult> {
  return withDb(target, async (db) => {
    const ipOf = new Map(input.network.perInstance.map((p) => [p.instanceId, p.novaIp]));
    const wanted = input.network.floatingIps
      .map((f) => (f.instanceId === null ? undefined : ipOf.get(f.instanceId)))
      .filter((x): x is string => x !== undefined);
    const res = await db.query<{ address: string; id: string }>(
      'SELECT address, min(id)::text AS id FROM fixed_ips WHERE deleted = false AND address = ANY($1) GROUP BY address',
      [wanted],
    );
    const fixedId = new Map(res.rows.map((r) => [r.address, Number(r.id)]));
    const findings: Finding[] = [];
    const rows: Row[] = input.network.floatingIps.map((f) => {
      const ip = f.instanceId === null ? undefined : ipOf.get(f.instanceId);
      const fid = ip === undefined ? null : (fixedId.get(ip) ?? null);
      if (f.instanceId !== null && fid === null) {
        findings.push({
          ruleId: 'address.association-lost',
          severity: 'warning',
          message: `Elastic IP ${f.address} was associated with ${f.instanceId}, which has no fixed IP in Nova.`,
          affectedIds: [f.address],
          remedy: 'Associate it again after the migration.',
        });
      }
      return {
        address: f.address,
        project_id: f.projectId,
        fixed_ip_id: fid,
        host: input.hosts.network,
      };
    });
    const r = await writeRows(
      db,
      {
        table: 'floating_ips',
        kind: 'address',
        key: ['address'],
        compare: ['project_id', 'fixed_ip_id', 'host'],
        idOf: (r) => String(r.address),
      },
      rows,
      options,
    );
    if (options.dryRun !== true) await bumpSequences(db, ['floating_ips']);
    return result(r, findings);
  });
}

// ---------------------------------------------------------------------------------------------
// Volumes (+ iSCSI targets, nova-bexar.md §6)

export const ISCSI_NUM_TARGETS = 100;

export function buildVolumeRows(input: NovaWriteInput): {
  volumes: Row[];
  targets: Row[];
  findings: Finding[];
} {
  const { inventory, ids } = input;
  const volumes: Row[] = [];
  const findings: Finding[] = [];
  for (const v of inventory.volumes) {
    const id = ids.volumes.get(v.volumeId);
    const project = projectOfOwner(v.owner, inventory);
    const att = v.attachments.find((a) => a.status === 'attached' || a.status === 'attaching');
    const instance = att === undefined ? undefined : ids.instances.get(att.instanceId);
    const ok = v.status === 'available' || v.status === 'in-use';
    if (
      id === undefined ||
      project === undefined ||
      !ok ||
      (att !== undefined && instance === undefined)
    ) {
      findings.push({
        ruleId: 'volume.not-migrated',
        severity: 'warning',
        message: `Volume ${v.volumeId} is not migrated (${project === undefined ? 'owner unknown' : !ok ? `status ${v.status}: Bexar's nova-volume only starts with available/in-use volumes` : 'its instance is not migrated'}).`,
        affectedIds: [v.volumeId],
        remedy: 'Resolve it in Eucalyptus first.',
      });
      continue;
    }
    volumes.push({
      id: id.novaId,
      user_id: project,
      project_id: project,
      host: input.hosts.volume,
      size: v.sizeGiB,
      availability_zone: v.availabilityZone,
      instance_id: instance?.novaId ?? null,
      mountpoint: att?.device ?? null,
      attach_time: att?.attachTime ?? null,
      status: att === undefined ? 'available' : 'in-use',
      attach_status: att === undefined ? 'detached' : 'attached',
      created_at: naiveUtc(v.createTime),
    });
  }
  // The complete target set 1..N per volume host (never a partial set), in volume id order.
  const sorted = [...volumes].sort((a, b) => Number(a.id) - Number(b.id));
  const n = Math.max(ISCSI_NUM_TARGETS, sorted.length);
  const targets: Row[] = [];
  for (let t = 1; t <= n; t++)
    targets.push({ target_num: t, host: input.hosts.volume, volume_id: sorted[t - 1]?.id ?? null });
  if (sorted.length > ISCSI_NUM_TARGETS) {
    findings.push({
      ruleId: 'volume.iscsi-targets',
      severity: 'warning',
      message: `${String(sorted.length)} volumes on one host need --iscsi_num_targets=${String(n)}.`,
      affectedIds: [input.hosts.volume],
      remedy: `Set --iscsi_num_targets=${String(n)} in nova.conf.`,
    });
  }
  return { volumes, targets, findings };
}

export async function writeVolumes(
  target: Target,
  input: NovaWriteInput,
  options: WriteOptions = {},
): Promise<KindWriteResult> {
  const { volumes, targets, findings } = buildVolumeRows(input);
  return withDb(target, async (db) => {
    await assertIdsFit(
      db,
      'volumes',
      volumes.map((r) => Number(r.id)),
    );
    const vr = await writeRows(
      db,
      {
        table: 'volumes',
        kind: 'volume',
        key: ['id'],
        compare: [
          'user_id',
          'project_id',
          'host',
          'size',
          'availability_zone',
          'instance_id',
          'mountpoint',
          'status',
          'attach_status',
        ],
        idOf: (r) => `vol-${Number(r.id).toString(16).padStart(8, '0')}`,
      },
      volumes,
      options,
    );
    const tr = await writeRows(
      db,
      {
        table: 'iscsi_targets',
        kind: 'iscsiTarget',
        key: ['host', 'target_num'],
        compare: ['volume_id'],
        idOf: (r) => `${String(r.host)}#${String(r.target_num)}`,
      },
      targets,
      options,
    );
    if (options.dryRun !== true) await bumpSequences(db, ['volumes', 'iscsi_targets']);
    return result(addResults(vr, tr), findings);
  });
}

// ---------------------------------------------------------------------------------------------
// Quotas

/** Per-project limits from the source; a missing value means "the flag default". */
export interface ProjectQuota {
  readonly projectId: string;
  readonly instances?: number;
  readonly cores?: number;
  readonly volumes?: number;
  readonly gigabytes?: number;
  readonly floatingIps?: number;
}

export async function writeQuotas(
  target: Target,
  quotas: readonly ProjectQuota[],
  options: WriteOptions = {},
): Promise<KindWriteResult> {
  const rows: Row[] = quotas.map((q) => ({
    project_id: q.projectId,
    instances: q.instances ?? null,
    cores: q.cores ?? null,
    volumes: q.volumes ?? null,
    gigabytes: q.gigabytes ?? null,
    floating_ips: q.floatingIps ?? null,
  }));
  return withDb(target, async (db) => {
    const r = await writeRows(
      db,
      {
        table: 'quotas',
        kind: 'quota',
        key: ['project_id'],
        compare: ['instances', 'cores', 'volumes', 'gigabytes', 'floating_ips'],
        idOf: (r) => String(r.project_id),
      },
      rows,
      options,
    );
    if (options.dryRun !== true) await bumpSequences(db, ['quotas']);
    return result(r, []);
  });
}

/** The dependency order the engine should call the writers in (FKs point backwards). */
export const WRITE_ORDER = [
  'users',
  'keyPairs',
  'securityGroups',
  'networks',
  'instances',
  'floatingIps',
  'volumes',
  'quotas',
] as const;
