import { z } from 'zod';
import {
  EucalyptusImageIdSchema,
  EucalyptusKernelImageIdSchema,
  EucalyptusMachineImageIdSchema,
  EucalyptusRamdiskImageIdSchema,
  InstanceIdSchema,
  ReservationIdSchema,
  SnapshotIdSchema,
  VolumeIdSchema,
} from '../ids.ts';
import {
  AccountNameSchema,
  AccountNumberSchema,
  Cidrv4Schema,
  CountSchema,
  EndpointUrlSchema,
  Ipv4Schema,
  MacAddressSchema,
  OwnerSchema,
  ResourceNameSchema,
  TimestampSchema,
  UserNameSchema,
  UuidSchema,
  textSchema,
} from './common.ts';
import { FindingSchema } from './finding.ts';

// ---------------------------------------------------------------------------------------------
// Users (2.0 DescribeUsers / auth_users; 3.x+ Euare + auth_access_key)

/**
 * Nova splits the EC2 access key at `:` into `access:project` (nova-bexar.md §3.2), so a colon
 * in an access key would change its meaning.
 */
export const AccessKeyIdSchema = z.string().regex(/^[A-Za-z0-9+/=_.-]{1,255}$/, {
  message: 'access key id must be 1-255 of letters, digits and +/=_.-',
});

export const SecretKeySchema = z.string().regex(/^[\x21-\x7e]{1,255}$/, {
  message: 'secret key must be 1-255 printable characters without spaces',
});

export const AccessKeySchema = z.strictObject({
  accessKeyId: AccessKeyIdSchema,
  /**
   * Readable in 2.0 (DescribeUsers) and from the 3.x/4.x database (`auth_access_key_key`), never
   * through Euare. Missing means the user cannot keep this key; the inventory carries a finding.
   */
  secretKey: SecretKeySchema.optional(),
  active: z.boolean(),
  createdAt: TimestampSchema.optional(),
});
export type AccessKey = z.infer<typeof AccessKeySchema>;

export const UserSchema = z.strictObject({
  userName: UserNameSchema,
  /** 3.x/4.x only: 2.0 has no accounts. */
  accountName: AccountNameSchema.optional(),
  accountNumber: AccountNumberSchema.optional(),
  /** Euare `UserId` (`auth_user_id_external`), 3.x/4.x. */
  userId: textSchema(128, 1).optional(),
  path: textSchema(512, 1).optional(),
  email: textSchema(255).optional(),
  /**
   * Cloud administrator: 2.0 `admin` / `auth_user_is_admin`; 3.x/4.x a user of the `eucalyptus`
   * account (eucalyptus.md §1.3). Not "the admin user of an account".
   */
  admin: z.boolean(),
  enabled: z.boolean(),
  /** 2.0 has exactly one; Euare allows several (`ListAccessKeys`), Nova keeps one per user. */
  accessKeys: z.array(AccessKeySchema).max(16),
});
export type User = z.infer<typeof UserSchema>;

// ---------------------------------------------------------------------------------------------
// Images (DescribeImages + DescribeImageAttribute launchPermission + manifest)

/**
 * `bucket/key.manifest.xml`. The reader fetches it from Walrus, so it must be a relative path
 * without `..` or backslashes.
 */
export const ManifestLocationSchema = textSchema(1024, 3).refine(
  (s) =>
    s.includes('/') &&
    !s.startsWith('/') &&
    !s.includes('\\') &&
    !s.split('/').some((seg) => seg === '..' || seg === '.' || seg === ''),
  { message: 'image location must be a relative "bucket/manifest" path without "..", "." or "//"' },
);

export const IMAGE_STATES = [
  'available',
  'pending',
  'failed',
  'deregistered',
  'hidden',
  'unavailable',
] as const;
export const IMAGE_TYPES = ['machine', 'kernel', 'ramdisk'] as const;

export const LaunchPermissionSchema = z.union([
  z.strictObject({ group: z.literal('all') }),
  /** A user name in 2.0, an account number in 3.x/4.x (eucalyptus.md §3.4). */
  z.strictObject({ userId: textSchema(128, 1) }),
]);
export type LaunchPermission = z.infer<typeof LaunchPermissionSchema>;

const Sha1HexSchema = z.string().regex(/^[0-9a-fA-F]{40}$/, { message: 'expected 40 hex digits' });

export const ImageSchema = z
  .strictObject({
    imageId: EucalyptusImageIdSchema,
    imageType: z.enum(IMAGE_TYPES),
    imageState: z.enum(IMAGE_STATES),
    /** `imageOwnerId`. */
    owner: OwnerSchema,
    isPublic: z.boolean(),
    /** Absent for EBS-backed images, which have no bundle. */
    imageLocation: ManifestLocationSchema.optional(),
    /** `i386`, `x86_64` or `other` in 4.x; 2.0 copies the manifest's value. */
    architecture: textSchema(32, 1),
    kernelId: EucalyptusKernelImageIdSchema.optional(),
    ramdiskId: EucalyptusRamdiskImageIdSchema.optional(),
    platform: z.literal('windows').optional(),
    name: textSchema(255).optional(),
    description: textSchema(255).optional(),
    rootDeviceType: z.enum(['instance-store', 'ebs']).optional(),
    rootDeviceName: textSchema(64, 1).optional(),
    virtualizationType: z.enum(['paravirtual', 'hvm']).optional(),
    creationDate: TimestampSchema.optional(),
    launchPermissions: z.array(LaunchPermissionSchema),
    /** Manifest `image/size`: unbundled bytes. */
    sizeBytes: CountSchema.optional(),
    /** Manifest `image/bundled_size`. */
    bundledSizeBytes: CountSchema.optional(),
    /** Manifest `image/digest` (SHA-1 of the unencrypted tarball). */
    manifestDigestSha1: Sha1HexSchema.optional(),
  })
  .refine(
    (img) =>
      img.imageType === 'machine' || (img.kernelId === undefined && img.ramdiskId === undefined),
    {
      message: 'only machine images carry a kernel or ramdisk id',
      path: ['kernelId'],
    },
  );
export type Image = z.infer<typeof ImageSchema>;

// ---------------------------------------------------------------------------------------------
// Volumes and snapshots

/**
 * Status words are kept as Eucalyptus reports them (creating, available, in-use, deleting,
 * deleted, error, failed …); the reference lists no closed set, so only their shape is checked.
 */
const StatusWordSchema = z
  .string()
  .regex(/^[a-z][a-z-]{0,31}$/, { message: 'expected a lower-case status word' });

export const VolumeAttachmentSchema = z.strictObject({
  instanceId: InstanceIdSchema,
  /** `/dev/sdf` etc. */
  device: textSchema(64, 1),
  status: z.enum(['attaching', 'attached', 'detaching', 'detached']),
  attachTime: TimestampSchema.optional(),
});
export type VolumeAttachment = z.infer<typeof VolumeAttachmentSchema>;

export const VolumeSchema = z.strictObject({
  volumeId: VolumeIdSchema,
  /**
   * DescribeVolumes has no owner element (eucalyptus.md §5.1); it is known only from the
   * database or impersonation. Unknown owner -> absent, plus a finding.
   */
  owner: OwnerSchema.optional(),
  sizeGiB: CountSchema,
  snapshotId: SnapshotIdSchema.optional(),
  availabilityZone: textSchema(255, 1),
  status: StatusWordSchema,
  createTime: TimestampSchema,
  attachments: z.array(VolumeAttachmentSchema),
  volumeType: textSchema(64, 1).optional(),
  iops: CountSchema.optional(),
  encrypted: z.boolean().optional(),
});
export type Volume = z.infer<typeof VolumeSchema>;

export const SnapshotSchema = z.strictObject({
  snapshotId: SnapshotIdSchema,
  /** The volume may no longer exist. */
  volumeId: VolumeIdSchema,
  owner: OwnerSchema,
  status: StatusWordSchema,
  startTime: TimestampSchema,
  /** As reported, e.g. `100%`. */
  progress: z
    .string()
    .regex(/^(?:\d{1,3}%)?$/, { message: 'progress is a percentage like "100%"' }),
  volumeSizeGiB: CountSchema,
  description: textSchema(255).optional(),
  encrypted: z.boolean().optional(),
});
export type Snapshot = z.infer<typeof SnapshotSchema>;

// ---------------------------------------------------------------------------------------------
// Addresses (admin DescribeAddresses: "i-… (owner)", "available (owner)", "nobody")

export const AddressSchema = z
  .strictObject({
    publicIp: Ipv4Schema,
    /**
     * `unallocated`: listed as `nobody`; `allocated`: owned, no instance; `associated`: owned and
     * bound to `instanceId`.
     */
    state: z.enum(['unallocated', 'allocated', 'associated']),
    owner: OwnerSchema.optional(),
    instanceId: InstanceIdSchema.optional(),
    /** 4.x: `standard` (or `vpc`). */
    domain: z.enum(['standard', 'vpc']).optional(),
    allocationId: textSchema(64, 1).optional(),
    associationId: textSchema(64, 1).optional(),
    privateIpAddress: Ipv4Schema.optional(),
  })
  .superRefine((a, ctx) => {
    if (a.state === 'unallocated' && (a.owner !== undefined || a.instanceId !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'an unallocated address has no owner or instance',
        path: ['state'],
      });
    }
    if (a.state !== 'unallocated' && a.owner === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'an allocated address needs an owner',
        path: ['owner'],
      });
    }
    if ((a.state === 'associated') !== (a.instanceId !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'instanceId is required for, and only for, an associated address',
        path: ['instanceId'],
      });
    }
  });
export type Address = z.infer<typeof AddressSchema>;

// ---------------------------------------------------------------------------------------------
// Security groups

const PortSchema = z.int().min(-1).max(65535);

export const SecurityGroupGrantSchema = z.strictObject({
  /** The source group's owner: a user name in 2.0, an account number in 3.x/4.x. */
  userId: textSchema(128, 1),
  groupName: ResourceNameSchema,
  /** `sg-…`, 4.x only. */
  groupId: textSchema(64, 1).optional(),
});
export type SecurityGroupGrant = z.infer<typeof SecurityGroupGrantSchema>;

export const SecurityGroupRuleSchema = z
  .strictObject({
    /** `tcp`, `udp`, `icmp`; 4.x also `-1` (all) or a protocol number. */
    ipProtocol: z.string().regex(/^(?:tcp|udp|icmp|-1|\d{1,3})$/, {
      message: 'protocol must be tcp, udp, icmp, -1 or a protocol number',
    }),
    /** For icmp: type and code; -1 means any. */
    fromPort: PortSchema.optional(),
    toPort: PortSchema.optional(),
    ipRanges: z.array(Cidrv4Schema),
    groups: z.array(SecurityGroupGrantSchema),
  })
  .refine((r) => r.ipRanges.length + r.groups.length > 0, {
    message: 'a rule grants to at least one CIDR or group',
    path: ['ipRanges'],
  });
export type SecurityGroupRule = z.infer<typeof SecurityGroupRuleSchema>;

export const SecurityGroupSchema = z.strictObject({
  groupName: ResourceNameSchema,
  /** `sg-…`, 4.x only. 2.0 reports the name in `groupId`. */
  groupId: textSchema(64, 1).optional(),
  owner: OwnerSchema,
  description: textSchema(255),
  vpcId: textSchema(64, 1).optional(),
  rules: z.array(SecurityGroupRuleSchema),
  /** 4.x VPC egress rules; Bexar has no egress filtering, kept so the plan can say so. */
  egressRules: z.array(SecurityGroupRuleSchema).optional(),
});
export type SecurityGroup = z.infer<typeof SecurityGroupSchema>;

// ---------------------------------------------------------------------------------------------
// Key pairs

export const KeyFingerprintSchema = z.string().regex(/^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){0,63}$/, {
  message: 'fingerprint must be colon-separated hex bytes',
});

export const KeyPairSchema = z.strictObject({
  keyName: ResourceNameSchema,
  /**
   * As DescribeKeyPairs shows it: 20 bytes (SHA-1) for keys Eucalyptus generated, 16 (MD5) for
   * imported ones; kept verbatim so users see the same value.
   */
  fingerprint: KeyFingerprintSchema,
  /**
   * OpenSSH public key line. Never returned by the API; read from `metadata_keypairs` (3.x/4.x)
   * or `metadata_keypair` (2.0). Missing -> a finding.
   */
  publicKey: z
    .string()
    .regex(
      /^(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp(?:256|384|521)) [A-Za-z0-9+/=]+(?: [^\r\n]*)?$/,
      {
        message: 'public key must be one OpenSSH public key line',
      },
    )
    .max(16_384)
    .optional(),
  /** 3.x/4.x verbose listings do not say whose key it is (eucalyptus.md §1.4). */
  owner: OwnerSchema.optional(),
});
export type KeyPair = z.infer<typeof KeyPairSchema>;

// ---------------------------------------------------------------------------------------------
// Instances

export const INSTANCE_STATE_NAMES = [
  'pending',
  'running',
  'shutting-down',
  'terminated',
  'stopping',
  'stopped',
] as const;

/** EC2 state codes: pending 0, running 16, shutting-down 32, terminated 48, stopping 64, stopped 80. */
export const EC2_INSTANCE_STATE_CODES: Readonly<
  Record<(typeof INSTANCE_STATE_NAMES)[number], number>
> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export const InstanceStateSchema = z
  .strictObject({
    code: z.int().min(0).max(255),
    name: z.enum(INSTANCE_STATE_NAMES),
  })
  .refine((s) => (s.code & 0xff) === EC2_INSTANCE_STATE_CODES[s.name], {
    message: 'state code does not match the state name',
    path: ['code'],
  });
export type InstanceState = z.infer<typeof InstanceStateSchema>;

/** VM type names (`m1.small`, `c1.medium`, …); admins can define their own. */
export const VmTypeNameSchema = z.string().regex(/^[a-z0-9][a-z0-9.-]{0,63}$/, {
  message: 'VM type name must be lower-case letters, digits, "." and "-"',
});

export const InstanceGroupRefSchema = z.strictObject({
  groupName: ResourceNameSchema,
  /** `sg-…` in 4.x. */
  groupId: textSchema(64, 1).optional(),
});

export const InstanceSchema = z.strictObject({
  instanceId: InstanceIdSchema,
  reservationId: ReservationIdSchema,
  /** Reservation `ownerId`, plus the user when the database or impersonation told us. */
  owner: OwnerSchema,
  imageId: EucalyptusMachineImageIdSchema,
  kernelId: EucalyptusKernelImageIdSchema.optional(),
  ramdiskId: EucalyptusRamdiskImageIdSchema.optional(),
  state: InstanceStateSchema,
  instanceType: VmTypeNameSchema,
  launchTime: TimestampSchema,
  /** `placement/availabilityZone`: the cluster name. */
  availabilityZone: textSchema(255, 1),
  /** 2.0 has no `privateIpAddress`: it comes from `privateDnsName`; `0.0.0.0` means none yet. */
  privateIpAddress: Ipv4Schema.optional(),
  publicIpAddress: Ipv4Schema.optional(),
  privateDnsName: textSchema(255).optional(),
  dnsName: textSchema(255).optional(),
  /** Not in the EC2 API before 4.4's network interfaces; from the CC/NC or VNET_MACMAP. */
  macAddress: MacAddressSchema.optional(),
  keyName: ResourceNameSchema.optional(),
  groups: z.array(InstanceGroupRefSchema),
  launchIndex: CountSchema,
  reason: textSchema(1024).optional(),
  platform: z.literal('windows').optional(),
  rootDeviceType: z.enum(['instance-store', 'ebs']).optional(),
  rootDeviceName: textSchema(64, 1).optional(),
  architecture: textSchema(32, 1).optional(),
  /** Base64 text as given at RunInstances (DescribeInstanceAttribute, 3.x+). */
  userData: z.base64().max(65_536).optional(),
  /** The node controller running it, when the reader knows (admin zone listing, NC state). */
  nodeHost: textSchema(255, 1).optional(),
});
export type Instance = z.infer<typeof InstanceSchema>;

// ---------------------------------------------------------------------------------------------
// Availability zones (DescribeAvailabilityZones verbose, eucalyptus.md §6.3)

export const VmTypeSchema = z.strictObject({
  name: VmTypeNameSchema,
  cpu: CountSchema,
  memoryMiB: CountSchema,
  diskGiB: CountSchema,
  /** "free / max" columns of the verbose listing. */
  available: CountSchema.optional(),
  max: CountSchema.optional(),
});
export type VmType = z.infer<typeof VmTypeSchema>;

export const AvailabilityZoneSchema = z.strictObject({
  zoneName: textSchema(255, 1),
  /** Raw `zoneState` of the cluster line: the CC host in 2.0, `"<host> <component>"` in 4.4. */
  zoneState: textSchema(1024),
  clusterHost: textSchema(255, 1).optional(),
  regionName: textSchema(255, 1).optional(),
  vmTypes: z.array(VmTypeSchema),
});
export type AvailabilityZone = z.infer<typeof AvailabilityZoneSchema>;

// ---------------------------------------------------------------------------------------------
// Network (eucalyptus.md §4)

/**
 * The brief's four modes are the 2.0/3.x set; 4.x clouds run EDGE or VPCMIDO (§4.1), which must
 * be recordable so the plan can refuse them with a finding instead of discovery crashing.
 */
export const NETWORK_MODES = [
  'SYSTEM',
  'STATIC',
  'MANAGED',
  'MANAGED-NOVLAN',
  'EDGE',
  'VPCMIDO',
] as const;
export const NetworkModeSchema = z.enum(NETWORK_MODES);
export type NetworkMode = z.infer<typeof NetworkModeSchema>;

/**
 * `cloud-properties`: 3.x `<partition>.cluster.networkmode` etc. or 4.x
 * `cloud.network.network_configuration` (§4.4).
 */
export const NETWORK_CONFIG_SOURCES = [
  'eucalyptus.conf',
  'cloud-properties',
  'manual',
  'inferred',
] as const;

export const PublicIpRangeSchema = z
  .strictObject({ first: Ipv4Schema, last: Ipv4Schema })
  .refine((r) => ipv4ToNumber(r.first) <= ipv4ToNumber(r.last), {
    message: 'range must not end before it starts',
    path: ['last'],
  });
export type PublicIpRange = z.infer<typeof PublicIpRangeSchema>;

/** Dotted quad to unsigned 32-bit integer; assumes a valid address. */
export function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

const InterfaceNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,32}$/, { message: 'not a network interface name' });

/** The parsed VNET_* keys of eucalyptus.conf (or the same values entered by hand). */
export const VnetConfigSchema = z.strictObject({
  /** VNET_SUBNET */
  subnet: Ipv4Schema.optional(),
  /** VNET_NETMASK */
  netmask: Ipv4Schema.optional(),
  /** VNET_ADDRSPERNET: 16..2048, a power of two once 3.x has clamped it. */
  addrsPerNet: z.int().min(1).max(65_536).optional(),
  /** VNET_PUBLICIPS: IPs and `a-b` ranges, a single IP as first = last. */
  publicIps: z.array(PublicIpRangeSchema).optional(),
  /** VNET_DNS */
  dns: Ipv4Schema.optional(),
  /** VNET_DOMAINNAME (3.x) */
  domainName: textSchema(255, 1).optional(),
  /** VNET_BRIDGE */
  bridge: InterfaceNameSchema.optional(),
  /** VNET_PRIVINTERFACE */
  privInterface: InterfaceNameSchema.optional(),
  /** VNET_PUBINTERFACE */
  pubInterface: InterfaceNameSchema.optional(),
  /** VNET_BROADCAST (STATIC) */
  broadcast: Ipv4Schema.optional(),
  /** VNET_ROUTER (STATIC) */
  router: Ipv4Schema.optional(),
  /** VNET_MACMAP (STATIC): `MAC=IP …` */
  macMap: z.array(z.strictObject({ mac: MacAddressSchema, ip: Ipv4Schema })).optional(),
  /** VNET_LOCALIP */
  localIp: Ipv4Schema.optional(),
  /** VNET_CLOUDIP (2.0) */
  cloudIp: Ipv4Schema.optional(),
  /** VNET_DHCPDAEMON */
  dhcpDaemon: textSchema(1024, 1).optional(),
  /** VNET_DHCPUSER */
  dhcpUser: textSchema(64, 1).optional(),
});
export type VnetConfig = z.infer<typeof VnetConfigSchema>;

export const NetworkSchema = z.strictObject({
  mode: NetworkModeSchema,
  source: z.enum(NETWORK_CONFIG_SOURCES),
  vnet: VnetConfigSchema,
  /** Every VNET_* line as read, for display and for keys this model does not parse. */
  rawVnet: z.record(z.string().regex(/^VNET_[A-Z0-9_]+$/), textSchema(4096)).optional(),
});
export type Network = z.infer<typeof NetworkSchema>;

// ---------------------------------------------------------------------------------------------
// Inventory

export const SourceCloudSchema = z.strictObject({
  /** The EC2 endpoint, e.g. `http://clc:8773/services/Eucalyptus`. */
  endpoint: EndpointUrlSchema,
  /** As detected: `3.4.2`, or only `3` when the version was inferred from the services present. */
  version: z
    .string()
    .regex(/^[234](?:\.\d+){0,3}$/, { message: 'expected a 2.x, 3.x or 4.x version' }),
  /** Owner fields, id case and admin listing rules all depend on it. */
  majorVersion: z.union([z.literal(2), z.literal(3), z.literal(4)]),
  /** EC2 API `Version` the reader used. */
  apiVersion: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
  euareEndpoint: EndpointUrlSchema.optional(),
  storageEndpoint: EndpointUrlSchema.optional(),
});
export type SourceCloud = z.infer<typeof SourceCloudSchema>;

export const InventoryMetadataSchema = z
  .strictObject({
    inventoryId: UuidSchema,
    discoveredAt: TimestampSchema,
    source: SourceCloudSchema,
  })
  .refine((m) => m.source.version.startsWith(String(m.source.majorVersion)), {
    message: 'majorVersion does not match version',
    path: ['source', 'majorVersion'],
  });
export type InventoryMetadata = z.infer<typeof InventoryMetadataSchema>;

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) dup.add(v);
    seen.add(v);
  }
  return [...dup];
}

/** The keys each kind of item must not repeat (`InventorySchema`'s own rules). */
interface UniqueKeys {
  users: readonly { accountName?: string | undefined; userName: string }[];
  images: readonly { imageId: string }[];
  volumes: readonly { volumeId: string }[];
  snapshots: readonly { snapshotId: string }[];
  instances: readonly { instanceId: string }[];
  addresses: readonly { publicIp: string }[];
  availabilityZones: readonly { zoneName: string }[];
}

function checkUnique(inv: UniqueKeys, ctx: z.RefinementCtx): void {
  const check = (key: string, values: readonly string[]): void => {
    for (const d of duplicates(values)) {
      ctx.addIssue({ code: 'custom', message: `duplicate ${key} entry ${d}`, path: [key] });
    }
  };
  const lower = (s: string): string => s.toLowerCase();
  check(
    'users',
    inv.users.map((u) => `${u.accountName ?? ''}/${u.userName}`),
  );
  check(
    'images',
    inv.images.map((i) => lower(i.imageId)),
  );
  check(
    'volumes',
    inv.volumes.map((v) => lower(v.volumeId)),
  );
  check(
    'snapshots',
    inv.snapshots.map((s) => lower(s.snapshotId)),
  );
  check(
    'instances',
    inv.instances.map((i) => lower(i.instanceId)),
  );
  check(
    'addresses',
    inv.addresses.map((a) => a.publicIp),
  );
  check(
    'availabilityZones',
    inv.availabilityZones.map((z) => z.zoneName),
  );
}

const inventoryShape = {
  metadata: InventoryMetadataSchema,
  users: z.array(UserSchema),
  images: z.array(ImageSchema),
  volumes: z.array(VolumeSchema),
  snapshots: z.array(SnapshotSchema),
  addresses: z.array(AddressSchema),
  securityGroups: z.array(SecurityGroupSchema),
  keyPairs: z.array(KeyPairSchema),
  instances: z.array(InstanceSchema),
  availabilityZones: z.array(AvailabilityZoneSchema),
  network: NetworkSchema,
  findings: z.array(FindingSchema),
};

/**
 * The immutable snapshot of a source cloud. Items that could not be read cleanly are not here:
 * they are `findings` naming the raw id, so one bad item never stops a discovery.
 * EC2 ids are compared case-insensitively when checking uniqueness (4.x accepts either case).
 */
export const InventorySchema = z.strictObject(inventoryShape).superRefine(checkUnique);

/** An array whose items the caller has already parsed, one by one, with their own schema. */
const parsedItems = <T>() => z.custom<T[]>((v) => Array.isArray(v));

/**
 * `InventorySchema` for an inventory assembled from items that were each parsed with their own
 * schema already (a discovery does that so one bad item becomes a finding): the rules of the
 * whole (metadata, network, findings, uniqueness) without parsing every item a second time, which
 * cost ~0.4 s at 10,000 instances. Its output is an `Inventory` only under that precondition.
 */
export const InventoryOfParsedItemsSchema = z
  .strictObject({
    ...inventoryShape,
    users: parsedItems<User>(),
    images: parsedItems<Image>(),
    volumes: parsedItems<Volume>(),
    snapshots: parsedItems<Snapshot>(),
    addresses: parsedItems<Address>(),
    securityGroups: parsedItems<SecurityGroup>(),
    keyPairs: parsedItems<KeyPair>(),
    instances: parsedItems<Instance>(),
    availabilityZones: parsedItems<AvailabilityZone>(),
  })
  .superRefine(checkUnique);
export type Inventory = z.infer<typeof InventorySchema>;

/** A copy of an inventory with every secret key removed, for the browser and for logs. */
export function stripInventorySecrets(inventory: Inventory): Inventory {
  return {
    ...inventory,
    users: inventory.users.map((u) => ({
      ...u,
      accessKeys: u.accessKeys.map(({ secretKey: _secret, ...rest }) => rest),
    })),
  };
}
