import { randomUUID } from 'node:crypto';
import {
  DescribeAddressesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  type Image as Ec2Image,
  type IpPermission,
  type Volume as Ec2Volume,
} from '@aws-sdk/client-ec2';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  AddressSchema,
  AvailabilityZoneSchema,
  EucalyptusImageIdSchema,
  ImageSchema,
  InstanceSchema,
  InventoryOfParsedItemsSchema,
  KeyPairSchema,
  SecurityGroupSchema,
  SnapshotSchema,
  UserSchema,
  VolumeSchema,
  ipv4ToNumber,
  type Address,
  type AvailabilityZone,
  type Finding,
  type Image,
  type Instance,
  type Inventory,
  type KeyPair,
  type Network,
  type Owner,
  type SecurityGroup,
  type SecurityGroupRule,
  type Snapshot,
  type User,
  type Volume,
} from '@euca2nova/model';
import pLimit from 'p-limit';
import pg from 'pg';
import type { z } from 'zod';
import type { Credentials, SourceConnection } from './connect.ts';
import { SourceError, classifyError } from './errors.ts';
import { dig, items, parseXmlSafe, queryError, text } from './http.ts';

export type DiscoveryKind =
  | 'users'
  | 'instances'
  | 'images'
  | 'volumes'
  | 'snapshots'
  | 'addresses'
  | 'securityGroups'
  | 'keyPairs'
  | 'availabilityZones'
  | 'manifests'
  | 'perUser';

export interface DiscoveryProgress {
  kind: DiscoveryKind;
  done: number;
  total: number;
}

export interface DiscoverOptions {
  signal?: AbortSignal;
  onProgress?: (p: DiscoveryProgress) => void;
  /** Parallel per-user / per-image calls. Default 16. */
  concurrency?: number;
  /** Read each image's manifest (sizes and digest). Default true. */
  readManifests?: boolean;
}

/** A user known with working keys, for calls made as that user. */
interface KnownUser {
  user: User;
  owner: Owner;
  creds?: Credentials;
}

interface Ctx {
  conn: SourceConnection;
  signal?: AbortSignal | undefined;
  findings: Finding[];
  progress: (kind: DiscoveryKind, done: number, total: number) => void;
  limit: <T>(fn: () => Promise<T>) => Promise<T>;
  /** 3.x account number -> name. */
  accountNames: Map<string, string>;
}

function finding(
  ruleId: string,
  severity: Finding['severity'],
  message: string,
  affectedIds: string[],
  remedy: string,
): Finding {
  return {
    ruleId,
    severity,
    message: message.slice(0, 3900),
    affectedIds: affectedIds.map((s) => s.slice(0, 255)),
    remedy,
  };
}

function opts(ctx: Ctx): { abortSignal?: AbortSignal } {
  return ctx.signal ? { abortSignal: ctx.signal } : {};
}

/** Validate one item; a bad one becomes a finding naming its raw id, never a crash. */
function keep<S extends z.ZodType>(
  ctx: Ctx,
  schema: S,
  kind: string,
  rawId: string,
  value: unknown,
): z.infer<S> | undefined {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  ctx.findings.push(
    finding(
      `${kind}.malformed`,
      'error',
      `The ${kind} "${printable(rawId)}" reported by the cloud is malformed (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}); it is left out of the inventory.`,
      [printable(rawId)],
      'Inspect this item in the cloud (euca-describe-*) and fix or remove it, then discover again.',
    ),
  );
  return undefined;
}

function printable(s: string): string {
  // eslint-disable-next-line no-control-regex -- escaping control characters is the point
  return s.slice(0, 120).replace(/[\u0000-\u001f\u007f]/g, '?');
}

function ownerFromId(ctx: Ctx, raw: string | undefined): Owner | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (ctx.conn.majorVersion === 2) return { userName: raw };
  if (/^\d{12}$/.test(raw)) {
    const name = ctx.accountNames.get(raw);
    return { accountNumber: raw, ...(name !== undefined ? { accountName: name } : {}) };
  }
  return { accountName: raw };
}

/** "i-… (owner)" / "available (owner)" / " (owner)" / "nobody" (eucalyptus.md §1.4, §7.2). */
function parseAdminAddress(
  ctx: Ctx,
  instanceText: string | undefined,
): { state: Address['state']; owner?: Owner; instanceId?: string } | undefined {
  const t = (instanceText ?? '').trim();
  if (t === 'nobody' || t === '') return { state: 'unallocated' };
  const m = /^(\S*)\s*\(([^)]*)\)$/.exec(t);
  if (!m) return undefined;
  const [, inst = '', who = ''] = m;
  let owner: Owner | undefined;
  const arn = /^arn:aws:euare::(\d{12}):user\/(?:.*\/)?([^/]+)$/.exec(who);
  if (arn) {
    const num = arn[1] ?? '';
    const name = ctx.accountNames.get(num);
    owner = { accountNumber: num, userName: arn[2] ?? '', ...(name ? { accountName: name } : {}) };
  } else if (who === 'nobody') {
    return { state: 'unallocated' };
  } else owner = ownerFromId(ctx, who);
  if (inst === '' || inst === 'available')
    return { state: 'allocated', ...(owner ? { owner } : {}) };
  return { state: 'associated', instanceId: inst, ...(owner ? { owner } : {}) };
}

function rules(perms: IpPermission[] | undefined, ctx: Ctx): SecurityGroupRule[] {
  return (perms ?? []).map((p) => ({
    ipProtocol: p.IpProtocol ?? '-1',
    ...(p.FromPort !== undefined ? { fromPort: p.FromPort } : {}),
    ...(p.ToPort !== undefined ? { toPort: p.ToPort } : {}),
    ipRanges: (p.IpRanges ?? []).flatMap((r) => (r.CidrIp ? [r.CidrIp] : [])),
    groups: (p.UserIdGroupPairs ?? []).map((g) => ({
      userId: g.UserId ?? '',
      groupName: g.GroupName ?? '',
      ...(g.GroupId && ctx.conn.majorVersion !== 2 ? { groupId: g.GroupId } : {}),
    })),
  }));
}

const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;

function ip(v: string | undefined): string | undefined {
  return v !== undefined && IPV4.test(v) && v !== '0.0.0.0' ? v : undefined;
}

function iso(d: Date | undefined): string | undefined {
  return d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : undefined;
}

/** An XML timestamp as ISO 8601, or undefined when it is not one. */
function isoText(t: string | undefined): string | undefined {
  return t === undefined ? undefined : iso(new Date(t));
}

async function listUsers2(ctx: Ctx): Promise<KnownUser[]> {
  const conn = ctx.conn;
  const res = await conn.raw(
    conn.endpoints.accounts,
    { Action: 'DescribeUsers', Version: 'eucalyptus' },
    ctx.signal,
  );
  if (res.status !== 200 || !res.xml)
    throw new SourceError('server', `DescribeUsers answered ${res.status}.`);
  const out: KnownUser[] = [];
  for (const u of items(dig(res.xml, 'DescribeUsersResponse', 'users'))) {
    const userName = text(u['userName']) ?? '';
    const accessKeyId = text(u['accessKey']);
    const secretKey = text(u['secretKey']);
    const enabled = text(u['enabled']) !== 'false';
    const user = keep(ctx, UserSchema, 'user', userName, {
      userName,
      ...(text(u['email']) ? { email: text(u['email']) } : {}),
      admin: text(u['admin']) === 'true',
      enabled,
      accessKeys: accessKeyId
        ? [{ accessKeyId, ...(secretKey ? { secretKey } : {}), active: enabled }]
        : [],
    });
    if (!user) continue;
    out.push({
      user,
      owner: { userName },
      ...(accessKeyId && secretKey && enabled
        ? { creds: { accessKeyId, secretAccessKey: secretKey } }
        : {}),
    });
  }
  return out;
}

/**
 * The URL of one of the controller's context databases. The URL given names the server (port
 * 8777) or one of its context databases (`…/eucalyptus_auth`); a prefix on that name is kept for
 * the other, as where the context databases of several clouds share one server (the simulator's
 * demo and tests do).
 */
function dbUrl(server: string, database: 'eucalyptus_auth' | 'eucalyptus_cloud'): string {
  const u = new URL(server);
  const named = decodeURIComponent(u.pathname.replace(/^\//, ''));
  const prefix = /^([a-z0-9_]*)eucalyptus_(?:auth|cloud)$/.exec(named)?.[1] ?? '';
  u.pathname = `/${prefix}${database}`;
  return u.toString();
}

async function withDb<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: url,
    options: '-c default_transaction_read_only=on',
    connectionTimeoutMillis: 10_000,
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

interface DbSecrets {
  /** access key id -> secret */
  secrets: Map<string, string>;
}

async function readDbSecrets(ctx: Ctx): Promise<DbSecrets | undefined> {
  const url = ctx.conn.controllerDbUrl;
  if (url === undefined) return undefined;
  try {
    return await withDb(dbUrl(url, 'eucalyptus_auth'), async (c) => {
      // auth_access_key -> auth_user (eucalyptus.md §2.3); the secret is stored in plain text.
      const r = await c.query<{ q: string; k: string }>(
        'select auth_access_key_query_id as q, auth_access_key_key as k from auth_access_key',
      );
      return { secrets: new Map(r.rows.map((x) => [x.q, x.k])) };
    });
  } catch (e) {
    ctx.findings.push(
      finding(
        'source.controller-db-unreadable',
        'warning',
        `The controller database could not be read (${e instanceof Error ? e.message.slice(0, 200) : String(e)}); secret keys and key-pair public keys are missing.`,
        [],
        'Check the database URL (port 8777, database eucalyptus_auth / eucalyptus_cloud) and that this host may connect.',
      ),
    );
    return undefined;
  }
}

/** 3.x: every account (number -> name into `ctx.accountNames`, which owners are resolved with). */
async function listAccounts(ctx: Ctx): Promise<{ name: string; number: string }[]> {
  const conn = ctx.conn;
  const res = await conn.raw(
    conn.endpoints.euare ?? '',
    { Action: 'ListAccounts', Version: IAM_VERSION },
    ctx.signal,
  );
  if (res.status !== 200) throw queryError(res, 'ListAccounts');
  const accounts = items(
    dig(res.xml, 'ListAccountsResponse', 'ListAccountsResult', 'Accounts'),
    'member',
  )
    .map((a) => ({ name: text(a['AccountName']) ?? '', number: text(a['AccountId']) ?? '' }))
    .filter((a) => a.name !== '');
  for (const a of accounts) ctx.accountNames.set(a.number, a.name);
  return accounts;
}

const IAM_VERSION = '2010-05-08';

/** A Euare call made on behalf of an account (Eucalyptus' `DelegateAccount`), every page of it. */
async function euareAll(
  ctx: Ctx,
  action: 'ListUsers' | 'ListAccessKeys',
  list: 'Users' | 'AccessKeyMetadata',
  params: Record<string, string>,
): Promise<Record<string, unknown>[]> {
  const conn = ctx.conn;
  const out: Record<string, unknown>[] = [];
  let marker: string | undefined;
  do {
    const res = await ctx.limit(() =>
      conn.raw(
        conn.endpoints.euare ?? '',
        {
          Action: action,
          Version: IAM_VERSION,
          ...params,
          ...(marker !== undefined ? { Marker: marker } : {}),
        },
        ctx.signal,
      ),
    );
    if (res.status !== 200) throw queryError(res, action);
    const result = dig(res.xml, `${action}Response`, `${action}Result`);
    out.push(...items(dig(result, list), 'member'));
    marker = text(dig(result, 'IsTruncated')) === 'true' ? text(dig(result, 'Marker')) : undefined;
  } while (marker !== undefined);
  return out;
}

async function listUsers3(
  ctx: Ctx,
  accounts: { name: string; number: string }[],
  db: DbSecrets | undefined,
): Promise<KnownUser[]> {
  const real = accounts.filter((a) => !a.name.startsWith('(eucalyptus)'));
  let done = 0;
  // One task per account and one per user, each holding a slot of the limit only for its request,
  // so the users of one account are listed in parallel rather than one after another.
  const perAccount = await Promise.all(
    real.map(async (acct) => {
      const delegate = { DelegateAccount: acct.name };
      const listed = await euareAll(ctx, 'ListUsers', 'Users', delegate);
      const users = await Promise.all(
        listed.map(async (u) => {
          const userName = text(u['UserName']) ?? '';
          const keys = await euareAll(ctx, 'ListAccessKeys', 'AccessKeyMetadata', {
            ...delegate,
            UserName: userName,
          });
          return { u, userName, keys };
        }),
      );
      ctx.progress('users', ++done, real.length);
      return { acct, users };
    }),
  );
  const out: KnownUser[] = [];
  for (const { acct, users } of perAccount) {
    for (const { u, userName, keys } of users) {
      const accessKeys = keys.map((k) => {
        const id = text(k['AccessKeyId']);
        const secretKey = id ? db?.secrets.get(id) : undefined;
        const created = isoText(text(k['CreateDate']));
        return {
          accessKeyId: id ?? '',
          ...(secretKey ? { secretKey } : {}),
          active: text(k['Status']) === 'Active',
          ...(created ? { createdAt: created } : {}),
        };
      });
      const enabled = accessKeys.some((k) => k.active);
      const userId = text(u['UserId']);
      const path = text(u['Path']);
      const user = keep(ctx, UserSchema, 'user', `${acct.name}/${userName}`, {
        userName,
        accountName: acct.name,
        accountNumber: acct.number,
        ...(userId ? { userId } : {}),
        ...(path ? { path } : {}),
        admin: acct.name === 'eucalyptus',
        enabled,
        accessKeys,
      });
      if (!user) continue;
      const withSecret = accessKeys.find((k) => k.active && k.secretKey);
      out.push({
        user,
        owner: { accountNumber: acct.number, accountName: acct.name, userName },
        ...(withSecret?.secretKey
          ? {
              creds: {
                accessKeyId: withSecret.accessKeyId,
                secretAccessKey: withSecret.secretKey,
              },
            }
          : {}),
      });
      const missing = accessKeys.filter((k) => !k.secretKey).map((k) => k.accessKeyId);
      if (missing.length > 0)
        ctx.findings.push(
          finding(
            'user.secret-key-missing',
            'warning',
            `The secret key of ${acct.name}/${userName} cannot be read through Euare${db ? ' and is not in the controller database' : ''}; in Nova this user would need a new key.`,
            [`${acct.name}/${userName}`],
            'Give the controller database URL (PostgreSQL on the CLC, port 8777) so secrets can be read, or plan to issue new keys.',
          ),
        );
    }
  }
  return out;
}

async function readKeyPairsFromDb(ctx: Ctx): Promise<KeyPair[] | undefined> {
  const url = ctx.conn.controllerDbUrl;
  if (url === undefined) return undefined;
  try {
    return await withDb(dbUrl(url, 'eucalyptus_cloud'), async (c) => {
      const r = await c.query<{
        account_id: string | null;
        account_name: string | null;
        user_name: string | null;
        name: string;
        pub: string | null;
        fp: string | null;
      }>(
        `select metadata_account_id as account_id, metadata_account_name as account_name, metadata_user_name as user_name,
           metadata_display_name as name, metadata_keypair_public_key as pub, metadata_keypair_finger_print as fp
         from metadata_keypairs`,
      );
      const out: KeyPair[] = [];
      for (const row of r.rows) {
        const owner: Owner = {
          ...(row.account_id && /^\d{12}$/.test(row.account_id)
            ? { accountNumber: row.account_id }
            : {}),
          ...(row.account_name ? { accountName: row.account_name } : {}),
          ...(row.user_name ? { userName: row.user_name } : {}),
        };
        const kp = keep(ctx, KeyPairSchema, 'keyPair', row.name, {
          keyName: row.name,
          fingerprint: row.fp ?? '',
          ...(row.pub ? { publicKey: row.pub.trim() } : {}),
          owner,
        });
        if (kp) out.push(kp);
      }
      return out;
    });
  } catch {
    return undefined;
  }
}

/** Everything in one admin pass, every user's resources; see eucalyptus.md §1.4 for `verbose`. */
export async function discover(
  conn: SourceConnection,
  options: DiscoverOptions = {},
): Promise<Inventory> {
  const { signal } = options;
  if (signal?.aborted) throw new SourceError('aborted', 'Discovery was cancelled.');
  try {
    return await discoverAll(conn, options);
  } catch (e) {
    // Whatever was in flight when the signal fired, the caller sees one `aborted` error.
    if (signal?.aborted)
      throw e instanceof SourceError && e.code === 'aborted'
        ? e
        : new SourceError('aborted', 'Discovery was cancelled.', { cause: e });
    throw e;
  }
}

async function discoverAll(conn: SourceConnection, options: DiscoverOptions): Promise<Inventory> {
  const limit = pLimit(options.concurrency ?? 16);
  const ctx: Ctx = {
    conn,
    signal: options.signal,
    findings: [],
    progress: (kind, done, total) => options.onProgress?.({ kind, done, total }),
    limit: (fn) =>
      limit(() => {
        options.signal?.throwIfAborted();
        return fn();
      }),
    accountNames: new Map(),
  };
  const v3 = conn.majorVersion === 3;
  /** 3.x needs `verbose` in the id list to see other accounts; 2.0 shows all without it. */
  const verbose = v3 ? ['verbose'] : undefined;
  const ec2 = conn.ec2();
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw classifyError(e, `${what} (${conn.endpoints.ec2})`);
    }
  };

  // Everything that does not depend on another answer starts at once: the admin's listings, the
  // controller database, the cloud properties, the accounts. Every promise made here is awaited
  // through the one Promise.all below, so a failure of any rejects the discovery (never unhandled).
  const accountsP = v3 ? listAccounts(ctx) : Promise.resolve([]);
  const describeImagesP = call('DescribeImages', () =>
    ec2.send(new DescribeImagesCommand(verbose ? { ImageIds: verbose } : {}), opts(ctx)),
  );
  const describedP = Promise.all([
    call('DescribeInstances', () =>
      ec2.send(new DescribeInstancesCommand(verbose ? { InstanceIds: verbose } : {}), opts(ctx)),
    ),
    describeImagesP,
    call('DescribeVolumes', () =>
      ec2.send(new DescribeVolumesCommand(verbose ? { VolumeIds: verbose } : {}), opts(ctx)),
    ),
    call('DescribeSnapshots', () =>
      ec2.send(new DescribeSnapshotsCommand(verbose ? { SnapshotIds: verbose } : {}), opts(ctx)),
    ),
    call('DescribeAddresses', () =>
      ec2.send(new DescribeAddressesCommand(verbose ? { PublicIps: verbose } : {}), opts(ctx)),
    ),
    call('DescribeSecurityGroups', () =>
      ec2.send(
        new DescribeSecurityGroupsCommand(verbose ? { GroupNames: verbose } : {}),
        opts(ctx),
      ),
    ),
    call('DescribeKeyPairs', () =>
      ec2.send(new DescribeKeyPairsCommand(verbose ? { KeyNames: verbose } : {}), opts(ctx)),
    ),
    call('DescribeAvailabilityZones', () =>
      ec2.send(new DescribeAvailabilityZonesCommand({ ZoneNames: ['verbose'] }), opts(ctx)),
    ),
  ]);
  const dbSecretsP = v3 ? readDbSecrets(ctx) : Promise.resolve(undefined);
  const dbKeysP = v3 ? readKeyPairsFromDb(ctx) : Promise.resolve(undefined);
  const propertiesP = readNetworkProperties(ctx);

  // Users need the accounts (and on 3.x the database's secrets); the calls made as each user need
  // the users. Images need the account names to name their owners. Both fan out under one limit.
  const knownP = (async (): Promise<KnownUser[]> => {
    const known = await call('users', async () =>
      v3 ? listUsers3(ctx, await accountsP, await dbSecretsP) : listUsers2(ctx),
    );
    ctx.progress('users', known.length, known.length);
    return known;
  })();
  const perUserP = knownP.then((known) => listAsUsers(ctx, known));
  const imagesP = Promise.all([accountsP, describeImagesP]).then(([, d]) =>
    readImages(ctx, d.Images ?? [], options.readManifests !== false),
  );
  const [described, known, perUser, images, dbKeys, fromProperties] = await Promise.all([
    describedP,
    knownP,
    perUserP,
    imagesP,
    dbKeysP,
    propertiesP,
  ]);
  const [res, , vols, snaps, addrs, groups, keys, zones] = described;
  const { volumeOwner, adminVolumes, keyPairs } = perUser;

  // ---- instances
  const instances: Instance[] = [];
  for (const r of res.Reservations ?? []) {
    const owner = ownerFromId(ctx, r.OwnerId);
    const groupsOf = (r.Groups ?? []).map((g) =>
      v3
        ? {
            groupName: g.GroupName ?? g.GroupId ?? '',
            ...(g.GroupId ? { groupId: g.GroupId } : {}),
          }
        : { groupName: g.GroupId ?? g.GroupName ?? '' },
    );
    for (const i of r.Instances ?? []) {
      const privateIp = ip(i.PrivateIpAddress) ?? ip(i.PrivateDnsName);
      const publicIp = v3 ? ip(i.PublicIpAddress) : ip(i.PublicDnsName);
      const inst = keep(ctx, InstanceSchema, 'instance', i.InstanceId ?? '?', {
        instanceId: i.InstanceId,
        reservationId: r.ReservationId,
        owner,
        imageId: i.ImageId,
        ...(i.KernelId ? { kernelId: i.KernelId } : {}),
        ...(i.RamdiskId ? { ramdiskId: i.RamdiskId } : {}),
        state: { code: i.State?.Code ?? -1, name: i.State?.Name },
        instanceType: i.InstanceType,
        launchTime: iso(i.LaunchTime),
        availabilityZone: i.Placement?.AvailabilityZone,
        ...(privateIp ? { privateIpAddress: privateIp } : {}),
        ...(publicIp && (v3 || publicIp !== privateIp) ? { publicIpAddress: publicIp } : {}),
        ...(i.PrivateDnsName ? { privateDnsName: i.PrivateDnsName } : {}),
        ...(i.PublicDnsName ? { dnsName: i.PublicDnsName } : {}),
        ...(i.KeyName ? { keyName: i.KeyName } : {}),
        groups: groupsOf,
        launchIndex: i.AmiLaunchIndex ?? 0,
        ...(i.StateReason?.Message || i.StateTransitionReason
          ? { reason: i.StateTransitionReason ?? i.StateReason?.Message }
          : {}),
        ...(String(i.Platform).toLowerCase() === 'windows' ? { platform: 'windows' } : {}),
        ...(i.RootDeviceType ? { rootDeviceType: i.RootDeviceType } : {}),
        ...(i.RootDeviceName ? { rootDeviceName: i.RootDeviceName } : {}),
        ...(i.Architecture ? { architecture: i.Architecture } : {}),
      });
      if (inst) instances.push(inst);
    }
  }
  ctx.progress('instances', instances.length, instances.length);

  const noCreds = known.filter((k) => k.creds === undefined).map((k) => userLabel(k.user));
  const firstAdmin = known.find((k) => k.user.admin && k.creds !== undefined);
  if (!v3 && firstAdmin && noCreds.length === 0) {
    for (const id of adminVolumes) if (!volumeOwner.has(id)) volumeOwner.set(id, firstAdmin.owner);
  }
  if (noCreds.length > 0)
    ctx.findings.push(
      finding(
        'user.not-listable',
        'warning',
        `${noCreds.length} user(s) have no usable key (disabled, or no secret known), so their ${v3 ? 'volumes' : 'key pairs and volumes'} could not be listed as them: ${noCreds.slice(0, 20).join(', ')}${noCreds.length > 20 ? ', …' : ''}. Volume owners were inferred from attachments and snapshots where possible.`,
        noCreds,
        v3
          ? "Give the controller database URL so every user's secret is known, or enable the users for the discovery."
          : 'Enable these users for the time of the discovery, or re-create their key pairs after the migration.',
      ),
    );

  // ---- key pairs (3.x): verbose listing, owners and public keys from the controller database
  if (v3) {
    if (dbKeys) {
      keyPairs.push(...dbKeys);
      const inDb = new Set(dbKeys.map((k) => `${k.keyName}\u0000${k.fingerprint}`));
      for (const p of keys.KeyPairs ?? [])
        if (!inDb.has(`${p.KeyName ?? ''}\u0000${p.KeyFingerprint ?? ''}`))
          ctx.findings.push(
            finding(
              'keypair.not-in-database',
              'warning',
              `Key pair ${p.KeyName ?? '?'} is listed by the cloud but not in metadata_keypairs.`,
              [p.KeyName ?? '?'],
              'Check that the controller database URL points at this cloud.',
            ),
          );
    } else {
      for (const p of keys.KeyPairs ?? []) {
        const pair = keep(ctx, KeyPairSchema, 'keyPair', p.KeyName ?? '?', {
          keyName: p.KeyName,
          fingerprint: p.KeyFingerprint,
        });
        if (pair) keyPairs.push(pair);
      }
      if ((keys.KeyPairs ?? []).length > 0)
        ctx.findings.push(
          finding(
            'keypair.owner-and-public-key-missing',
            'warning',
            'Eucalyptus 3.x lists key pairs without their owner or public key; without the controller database they cannot be migrated to the right user.',
            (keys.KeyPairs ?? []).map((p) => p.KeyName ?? '?'),
            'Give the controller database URL (metadata_keypairs holds owners and public keys).',
          ),
        );
    }
  } else if (keyPairs.length > 0) {
    ctx.findings.push(
      finding(
        'keypair.public-key-missing',
        'warning',
        'Eucalyptus 2.0 never returns key-pair public keys through the API; users will keep the names and fingerprints only once the public keys are supplied.',
        keyPairs.map((k) => `${k.owner?.userName ?? '?'}/${k.keyName}`),
        'Export metadata_keypair from the 2.0 database, or have users re-import their public keys.',
      ),
    );
  }

  // ---- volumes
  const instOwner = new Map(instances.map((i) => [i.instanceId.toLowerCase(), i.owner]));
  const snapOwnerByVolume = new Map<string, Owner>();
  const snapshots: Snapshot[] = [];
  for (const s of snaps.Snapshots ?? []) {
    const snap = keep(ctx, SnapshotSchema, 'snapshot', s.SnapshotId ?? '?', {
      snapshotId: s.SnapshotId,
      volumeId: s.VolumeId,
      owner: ownerFromId(ctx, s.OwnerId),
      status: s.State,
      startTime: iso(s.StartTime),
      progress: s.Progress ?? '',
      volumeSizeGiB: s.VolumeSize ?? 0,
      ...(s.Description ? { description: s.Description } : {}),
      ...(s.Encrypted !== undefined && v3 && s.Encrypted ? { encrypted: s.Encrypted } : {}),
    });
    if (snap) {
      snapshots.push(snap);
      snapOwnerByVolume.set(snap.volumeId.toLowerCase(), snap.owner);
    }
  }
  const volumes: Volume[] = [];
  const unknownOwner: string[] = [];
  for (const v of vols.Volumes ?? ([] as Ec2Volume[])) {
    const id = (v.VolumeId ?? '').toLowerCase();
    const att = (v.Attachments ?? [])[0];
    const owner =
      volumeOwner.get(id) ??
      (att?.InstanceId ? instOwner.get(att.InstanceId.toLowerCase()) : undefined) ??
      snapOwnerByVolume.get(id);
    if (!owner) unknownOwner.push(v.VolumeId ?? '?');
    const vol = keep(ctx, VolumeSchema, 'volume', v.VolumeId ?? '?', {
      volumeId: v.VolumeId,
      ...(owner ? { owner } : {}),
      sizeGiB: v.Size ?? 0,
      ...(v.SnapshotId ? { snapshotId: v.SnapshotId } : {}),
      availabilityZone: v.AvailabilityZone,
      status: v.State,
      createTime: iso(v.CreateTime),
      attachments: (v.Attachments ?? []).map((a) => ({
        instanceId: a.InstanceId,
        device: a.Device,
        status: a.State,
        ...(iso(a.AttachTime) ? { attachTime: iso(a.AttachTime) } : {}),
      })),
    });
    if (vol) volumes.push(vol);
  }
  if (unknownOwner.length > 0)
    ctx.findings.push(
      finding(
        'volume.owner-unknown',
        'warning',
        `DescribeVolumes has no owner element and ${unknownOwner.length} volume(s) could not be attributed (not attached, no snapshot, owner's keys unknown).`,
        unknownOwner,
        v3
          ? "Give the controller database URL so every user's volumes can be listed as that user, or assign owners in the plan."
          : 'Enable the owning users for the discovery, or assign owners in the plan.',
      ),
    );

  // ---- addresses
  const addresses: Address[] = [];
  for (const a of addrs.Addresses ?? []) {
    const parsed = parseAdminAddress(ctx, a.InstanceId);
    if (!parsed) {
      ctx.findings.push(
        finding(
          'address.malformed',
          'error',
          `Address ${a.PublicIp ?? '?'} has an unreadable owner "${printable(a.InstanceId ?? '')}".`,
          [a.PublicIp ?? '?'],
          'Inspect it with euca-describe-addresses verbose.',
        ),
      );
      continue;
    }
    const addr = keep(ctx, AddressSchema, 'address', a.PublicIp ?? '?', {
      publicIp: a.PublicIp,
      ...parsed,
      ...(v3 && a.Domain ? { domain: a.Domain } : {}),
    });
    if (addr) addresses.push(addr);
  }

  // ---- security groups
  const securityGroups: SecurityGroup[] = [];
  for (const g of groups.SecurityGroups ?? []) {
    const sg = keep(
      ctx,
      SecurityGroupSchema,
      'securityGroup',
      `${g.OwnerId ?? '?'}/${g.GroupName ?? '?'}`,
      {
        groupName: g.GroupName,
        ...(v3 && g.GroupId ? { groupId: g.GroupId } : {}),
        owner: ownerFromId(ctx, g.OwnerId),
        description: g.Description ?? '',
        rules: rules(g.IpPermissions, ctx),
      },
    );
    if (sg) securityGroups.push(sg);
  }

  // ---- zones (verbose table, eucalyptus.md §6.3)
  const availabilityZones = parseZones(ctx, zones.AvailabilityZones ?? []);

  // ---- network
  const network = resolveNetwork(ctx, instances, addresses, fromProperties);

  const users = known.map((k) => k.user);
  ctx.progress('users', users.length, users.length);
  const inventory: Inventory = {
    metadata: {
      inventoryId: randomUUID(),
      discoveredAt: new Date().toISOString(),
      source: {
        endpoint: conn.endpoints.ec2,
        version: conn.version,
        majorVersion: conn.majorVersion,
        apiVersion: conn.apiVersion,
        ...(conn.endpoints.euare ? { euareEndpoint: conn.endpoints.euare } : {}),
        storageEndpoint: conn.endpoints.s3,
      },
    },
    users,
    images,
    volumes,
    snapshots,
    addresses,
    securityGroups,
    keyPairs,
    instances,
    availabilityZones,
    network,
    findings: ctx.findings,
  };
  // Every item went through keep() above: only the rules of the whole are left to check.
  const checked = InventoryOfParsedItemsSchema.safeParse(inventory);
  if (!checked.success) {
    throw new SourceError(
      'malformed',
      `The discovered inventory does not validate: ${checked.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return checked.data;
}

async function readImages(ctx: Ctx, raw: Ec2Image[], readManifests: boolean): Promise<Image[]> {
  const images: Image[] = [];
  let done = 0;
  await Promise.all(
    raw.map((img) =>
      ctx.limit(async () => {
        const image = await readImage(ctx, img, readManifests);
        if (image) images.push(image);
        ctx.progress('images', ++done, raw.length);
      }),
    ),
  );
  return images.sort((a, b) => a.imageId.localeCompare(b.imageId));
}

interface PerUser {
  /** volume id (lower case) -> owner, from the volumes each user lists as itself. */
  volumeOwner: Map<string, Owner>;
  /** 2.0: the volumes an admin lists as itself (it sees everyone's). */
  adminVolumes: string[];
  /** 2.0: key pairs, which only their owner can list. */
  keyPairs: KeyPair[];
}

/**
 * The calls made as each user with a known secret: 2.0 key pairs (no verbose at all) and volumes'
 * owners (DescribeVolumes has no owner element). Query calls, not SDK clients: a client per user
 * would cost more than the request itself.
 */
async function listAsUsers(ctx: Ctx, known: KnownUser[]): Promise<PerUser> {
  const conn = ctx.conn;
  const v3 = conn.majorVersion === 3;
  const out: PerUser = { volumeOwner: new Map(), adminVolumes: [], keyPairs: [] };
  const withCreds = known.filter((k) => k.creds !== undefined);
  let done = 0;
  const asUser = async (
    k: KnownUser,
    creds: Credentials,
    action: string,
    set: string,
  ): Promise<Record<string, unknown>[]> => {
    const where = `${action} as ${k.user.userName} (${conn.endpoints.ec2})`;
    try {
      const res = await conn.raw(
        conn.endpoints.ec2,
        { Action: action, Version: conn.apiVersion },
        ctx.signal,
        creds,
      );
      if (res.status !== 200) throw queryError(res, action);
      return items(dig(res.xml, `${action}Response`, set));
    } catch (e) {
      throw classifyError(e, where);
    }
  };
  await Promise.all(
    withCreds.map((k) =>
      ctx.limit(async () => {
        const creds = k.creds;
        if (creds === undefined) return;
        const [kp, vs] = await Promise.all([
          v3 ? [] : asUser(k, creds, 'DescribeKeyPairs', 'keySet'),
          asUser(k, creds, 'DescribeVolumes', 'volumeSet'),
        ]);
        for (const p of kp) {
          const keyName = text(p['keyName']);
          const pair = keep(ctx, KeyPairSchema, 'keyPair', `${k.user.userName}/${keyName ?? '?'}`, {
            keyName,
            fingerprint: text(p['keyFingerprint']),
            owner: k.owner,
          });
          if (pair) out.keyPairs.push(pair);
        }
        const ids = vs.flatMap((v) => {
          const id = text(v['volumeId']);
          return id ? [id.toLowerCase()] : [];
        });
        // A 2.0 admin sees every volume even as itself: its own are what no one else listed.
        if (!v3 && k.user.admin) out.adminVolumes.push(...ids);
        else for (const id of ids) out.volumeOwner.set(id, accountLevel(ctx, k.owner));
        ctx.progress('perUser', ++done, withCreds.length);
      }),
    ),
  );
  return out;
}

function userLabel(u: User): string {
  return u.accountName ? `${u.accountName}/${u.userName}` : u.userName;
}

/** 3.x resources belong to accounts: drop the user name so owners compare equal across calls. */
function accountLevel(ctx: Ctx, o: Owner): Owner {
  if (ctx.conn.majorVersion === 2) return o;
  return {
    ...(o.accountNumber ? { accountNumber: o.accountNumber } : {}),
    ...(o.accountName ? { accountName: o.accountName } : {}),
  };
}

async function readImage(
  ctx: Ctx,
  img: Ec2Image,
  readManifest: boolean,
): Promise<Image | undefined> {
  const conn = ctx.conn;
  const id = img.ImageId ?? '?';
  // The id is checked before it goes into any request (DescribeImageAttribute, manifests).
  if (keep(ctx, EucalyptusImageIdSchema, 'image', id, id) === undefined) return undefined;
  const launchPermissions: Image['launchPermissions'] = [];
  try {
    const attr = await conn
      .ec2()
      .send(
        new DescribeImageAttributeCommand({ ImageId: id, Attribute: 'launchPermission' }),
        opts(ctx),
      );
    for (const p of attr.LaunchPermissions ?? []) {
      if (p.Group === 'all') launchPermissions.push({ group: 'all' });
      else if (p.UserId) launchPermissions.push({ userId: p.UserId });
    }
  } catch (e) {
    if (ctx.signal?.aborted) throw e;
    ctx.findings.push(
      finding(
        'image.launch-permissions-unreadable',
        'warning',
        `Launch permissions of ${printable(id)} could not be read (${classifyError(e, 'DescribeImageAttribute').code}).`,
        [printable(id)],
        'Check the image with euca-describe-image-attribute -l.',
      ),
    );
    if (img.Public) launchPermissions.push({ group: 'all' });
  }
  let manifest: { size?: number; bundledSize?: number; digest?: string } = {};
  if (readManifest && img.ImageLocation) {
    manifest = await readManifestSummary(ctx, id, img.ImageLocation);
  }
  const kernel = img.ImageType === 'machine';
  return keep(ctx, ImageSchema, 'image', id, {
    imageId: id,
    imageType: img.ImageType,
    imageState: img.State,
    owner: ownerFromId(ctx, img.OwnerId),
    isPublic: img.Public === true,
    ...(img.ImageLocation ? { imageLocation: img.ImageLocation } : {}),
    architecture: img.Architecture ?? 'other',
    ...(kernel && img.KernelId ? { kernelId: img.KernelId } : {}),
    ...(kernel && img.RamdiskId ? { ramdiskId: img.RamdiskId } : {}),
    ...(String(img.Platform).toLowerCase() === 'windows' ? { platform: 'windows' } : {}),
    ...(img.Name ? { name: img.Name } : {}),
    ...(img.Description ? { description: img.Description } : {}),
    ...(img.RootDeviceType ? { rootDeviceType: img.RootDeviceType } : {}),
    ...(img.RootDeviceName ? { rootDeviceName: img.RootDeviceName } : {}),
    launchPermissions,
    ...(manifest.size !== undefined ? { sizeBytes: manifest.size } : {}),
    ...(manifest.bundledSize !== undefined ? { bundledSizeBytes: manifest.bundledSize } : {}),
    ...(manifest.digest ? { manifestDigestSha1: manifest.digest } : {}),
  });
}

/** Read a manifest from Walrus (admins may read any object; eucalyptus.md §3.3), capped at 1 MiB. */
export async function fetchManifest(
  conn: SourceConnection,
  location: string,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  const slash = location.indexOf('/');
  if (slash <= 0 || location.split('/').some((s) => s === '..' || s === '.' || s === ''))
    throw new SourceError(
      'malformed',
      `Image location "${printable(location)}" is not bucket/key.`,
    );
  const out = await conn
    .s3()
    .send(
      new GetObjectCommand({ Bucket: location.slice(0, slash), Key: location.slice(slash + 1) }),
      signal ? { abortSignal: signal } : {},
    );
  if ((out.ContentLength ?? 0) > 1024 * 1024)
    throw new SourceError('too-large', `Manifest ${location} is larger than 1 MiB.`);
  const body = await out.Body?.transformToString('utf8');
  return parseXmlSafe(body ?? '', location);
}

async function readManifestSummary(
  ctx: Ctx,
  id: string,
  location: string,
): Promise<{ size?: number; bundledSize?: number; digest?: string }> {
  try {
    const m = await fetchManifest(ctx.conn, location, ctx.signal);
    const image = dig(m, 'manifest', 'image');
    const num = (v: unknown): number | undefined => {
      const n = Number(text(v));
      return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
    };
    const digest = text(dig(image, 'digest'));
    const size = num(dig(image, 'size'));
    const bundledSize = num(dig(image, 'bundled_size'));
    return {
      ...(size !== undefined ? { size } : {}),
      ...(bundledSize !== undefined ? { bundledSize } : {}),
      ...(digest && /^[0-9a-fA-F]{40}$/.test(digest) ? { digest } : {}),
    };
  } catch (e) {
    if (ctx.signal?.aborted) throw e;
    ctx.findings.push(
      finding(
        'image.manifest-unreadable',
        'warning',
        `The manifest of ${printable(id)} (${printable(location)}) could not be read: ${e instanceof Error ? e.message.slice(0, 200) : String(e)}.`,
        [printable(id)],
        'Check that the bundle is still in Walrus (euca-download-bundle).',
      ),
    );
    return {};
  }
}

function parseZones(
  ctx: Ctx,
  raw: { ZoneName?: string; State?: string; RegionName?: string }[],
): AvailabilityZone[] {
  const zones: AvailabilityZone[] = [];
  let current: AvailabilityZone | undefined;
  for (const z of raw) {
    const name = z.ZoneName ?? '';
    const state = z.State ?? '';
    if (name.startsWith('|- ')) {
      if (!current || name === '|- vm types') continue;
      const m = /^\s*(\d+)\s*\/\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(state);
      if (!m) continue;
      current.vmTypes.push({
        name: name.slice(3).trim(),
        available: Number(m[1]),
        max: Number(m[2]),
        cpu: Number(m[3]),
        memoryMiB: Number(m[4]),
        diskGiB: Number(m[5]),
      });
      continue;
    }
    const host = state.split(/\s+/)[0];
    current = {
      zoneName: name,
      zoneState: state,
      ...(host && host !== 'available' ? { clusterHost: host } : {}),
      ...(z.RegionName ? { regionName: z.RegionName } : {}),
      vmTypes: [],
    };
    zones.push(current);
  }
  return zones.flatMap((z) => {
    const ok = keep(ctx, AvailabilityZoneSchema, 'availabilityZone', z.zoneName, z);
    return ok ? [ok] : [];
  });
}

function inSubnet(ipAddr: string, subnet: string, netmask: string): boolean {
  const mask = ipv4ToNumber(netmask);
  return (ipv4ToNumber(ipAddr) & mask) >>> 0 === (ipv4ToNumber(subnet) & mask) >>> 0;
}

/** 3.x without a configured mode: the mode and vnet keys from the cloud properties, if readable. */
async function readNetworkProperties(ctx: Ctx): Promise<Network | undefined> {
  const conn = ctx.conn;
  if (conn.network || conn.majorVersion !== 3) return undefined;
  try {
    const res = await conn.raw(
      conn.endpoints.properties,
      { Action: 'DescribeProperties', Version: 'eucalyptus' },
      ctx.signal,
    );
    const props = new Map(
      items(dig(res.xml, 'DescribePropertiesResponse', 'properties')).map((p) => [
        text(p['name']) ?? '',
        text(p['value']) ?? '',
      ]),
    );
    const modeEntry = [...props].find(([k]) => k.endsWith('.cluster.networkmode'));
    const mode = modeEntry?.[1];
    if (mode === 'SYSTEM' || mode === 'STATIC' || mode === 'MANAGED' || mode === 'MANAGED-NOVLAN') {
      const zone = modeEntry?.[0].replace(/\.cluster\.networkmode$/, '') ?? '';
      const get = (k: string): string | undefined => props.get(`${zone}.cluster.${k}`) || undefined;
      const subnet = get('vnetsubnet');
      const netmask = get('vnetnetmask');
      const per = Number(get('addressespernetwork'));
      return {
        mode,
        source: 'cloud-properties',
        vnet: {
          ...(subnet && IPV4.test(subnet) ? { subnet } : {}),
          ...(netmask && IPV4.test(netmask) ? { netmask } : {}),
          ...(Number.isInteger(per) && per > 0 ? { addrsPerNet: per } : {}),
        },
      };
    }
  } catch (e) {
    // Properties are a convenience; the inferred mode still works. A cancellation is not lost.
    if (ctx.signal?.aborted) throw e;
  }
  return undefined;
}

function resolveNetwork(
  ctx: Ctx,
  instances: Instance[],
  addresses: Address[],
  fromProperties: Network | undefined,
): Network {
  let network: Network | undefined = ctx.conn.network ?? fromProperties;
  const elastic = addresses.filter((a) => a.state !== 'unallocated');
  if (!network) {
    network = { mode: addresses.length > 0 ? 'MANAGED' : 'SYSTEM', source: 'inferred', vnet: {} };
    ctx.findings.push(
      finding(
        'network.mode-inferred',
        'warning',
        `The network mode was not given and could not be read; ${network.mode} was inferred from ${addresses.length > 0 ? 'the presence of' : 'the absence of'} public addresses.`,
        [],
        "Upload the cloud controller's eucalyptus.conf, or choose the mode by hand.",
      ),
    );
  }
  // Cross-check the configuration with what the instances' addresses show.
  if ((network.mode === 'SYSTEM' || network.mode === 'STATIC') && elastic.length > 0)
    ctx.findings.push(
      finding(
        'network.mode-mismatch',
        'error',
        `The configuration says ${network.mode}, but the cloud has ${elastic.length} allocated public address(es), which only MANAGED modes have.`,
        elastic.map((a) => a.publicIp),
        "Check that eucalyptus.conf is the cloud controller's current one.",
      ),
    );
  // SYSTEM and STATIC hand instances one address (public = private) and have no public pool;
  // MANAGED modes list their public pool in DescribeAddresses and give instances other addresses.
  const hasIp = (ip: string | undefined): ip is string => ip !== undefined && ip !== '0.0.0.0';
  // 2.0 keeps the public address only in dnsName (without the DNS component).
  const pub = (i: Instance): string | undefined =>
    hasIp(i.publicIpAddress)
      ? i.publicIpAddress
      : i.dnsName !== undefined && IPV4.test(i.dnsName) && hasIp(i.dnsName)
        ? i.dnsName
        : undefined;
  const withBoth = instances.filter((i) => hasIp(i.privateIpAddress) && pub(i) !== undefined);
  const sameIp = withBoth.filter((i) => pub(i) === i.privateIpAddress);
  const otherIp = withBoth.filter((i) => pub(i) !== i.privateIpAddress);
  if (
    (network.mode === 'MANAGED' || network.mode === 'MANAGED-NOVLAN') &&
    addresses.length === 0 &&
    sameIp.length > 0 &&
    otherIp.length === 0
  )
    ctx.findings.push(
      finding(
        'network.mode-mismatch',
        'error',
        `The configuration says ${network.mode}, but the cloud lists no public addresses and its ${sameIp.length} addressed instance(s) have public addresses equal to their private ones, as in SYSTEM or STATIC mode.`,
        sameIp.map((i) => i.instanceId),
        "Check that eucalyptus.conf is the cloud controller's current one, or choose SYSTEM or STATIC.",
      ),
    );
  if (
    (network.mode === 'SYSTEM' || network.mode === 'STATIC') &&
    elastic.length === 0 &&
    otherIp.length > 0
  )
    ctx.findings.push(
      finding(
        'network.mode-mismatch',
        'error',
        `The configuration says ${network.mode}, but ${otherIp.length} instance(s) have a public address different from their private one, which only MANAGED modes give.`,
        otherIp.map((i) => i.instanceId),
        "Check that eucalyptus.conf is the cloud controller's current one, or choose a MANAGED mode.",
      ),
    );
  const { subnet, netmask, macMap } = network.vnet;
  if (
    (network.mode === 'MANAGED' ||
      network.mode === 'MANAGED-NOVLAN' ||
      network.mode === 'STATIC') &&
    subnet &&
    netmask
  ) {
    const outside = instances.filter(
      (i) => i.privateIpAddress !== undefined && !inSubnet(i.privateIpAddress, subnet, netmask),
    );
    if (outside.length > 0)
      ctx.findings.push(
        finding(
          'network.address-outside-subnet',
          'warning',
          `${outside.length} instance(s) have private addresses outside VNET_SUBNET ${subnet}/${netmask}.`,
          outside.map((i) => i.instanceId),
          'Check VNET_SUBNET and VNET_NETMASK in eucalyptus.conf.',
        ),
      );
  }
  if (network.mode === 'STATIC' && macMap) {
    const byIp = new Map(macMap.map((m) => [m.ip, m.mac]));
    const missing: string[] = [];
    for (const i of instances) {
      const mac = i.privateIpAddress ? byIp.get(i.privateIpAddress) : undefined;
      if (mac) i.macAddress = mac.toLowerCase();
      else if (i.privateIpAddress) missing.push(i.instanceId);
    }
    if (missing.length > 0)
      ctx.findings.push(
        finding(
          'network.address-not-in-macmap',
          'warning',
          `${missing.length} instance(s) have private addresses that VNET_MACMAP does not list.`,
          missing,
          'Check VNET_MACMAP in eucalyptus.conf.',
        ),
      );
  }
  return network;
}
