import { Rng } from './rand.ts';
import { keyPairFingerprint, seededRsaKeyPair, sshPublicKey } from './rsa.ts';
import { buildNetwork, ipToInt, intToIp, type NetworkPlan } from './network.ts';

export type EucaVersion = '2.0' | '3.4';
export type NetworkMode = 'SYSTEM' | 'STATIC' | 'MANAGED' | 'MANAGED-NOVLAN';
export const NETWORK_MODES: readonly NetworkMode[] = [
  'SYSTEM',
  'STATIC',
  'MANAGED',
  'MANAGED-NOVLAN',
];

/** An account (3.x Euare). In 2.0 there are no accounts; every user stands alone. */
export interface SimAccount {
  name: string;
  /** 12 digits. */
  number: string;
  /** `(eucalyptus)…` internal accounts and `eucalyptus` itself. */
  system: boolean;
}

/** A user. In 2.0 `name` is the user name everywhere; in 3.4 the user is `iamUserName` of account `accountName`. */
export interface SimUser {
  /** The scenario's key for this user: the 2.0 user name, and the 3.4 account name. */
  name: string;
  accountName: string;
  accountNumber: string;
  /** The IAM user name inside the account (3.4): `admin` for every scenario user. */
  iamUserName: string;
  /** IAM user id (3.4), e.g. `AIDA…`. */
  userId: string;
  email: string;
  accessKey: string;
  secretKey: string;
  isAdmin: boolean;
  enabled: boolean;
  /** The credential-download token (`auth_user_token`). */
  token: string;
  certificateSerial: string;
  /**
   * X.509 credentials (users who own images, and the admin): the certificate issued by the cloud and
   * its private key, as in the user's credentials zip; the user bundled its images with them. Filled in
   * when the simulator starts.
   */
  x509?: { certificatePem: string; privateKeyPem: string };
}

export type ImageKind = 'machine' | 'kernel' | 'ramdisk';

export interface SimImage {
  id: string;
  kind: ImageKind;
  owner: string;
  name: string;
  description: string;
  architecture: 'i386' | 'x86_64';
  bucket: string;
  /** The manifest object key, `<prefix>.manifest.xml`. */
  manifestKey: string;
  /** `bucket/manifestKey`, DescribeImages' imageLocation. */
  location: string;
  /** The file name of the raw image inside the bundle's tar. */
  fileName: string;
  isPublic: boolean;
  /** Users (scenario names) granted launch permission. */
  launchPermissions: string[];
  kernelId?: string;
  ramdiskId?: string;
  /** `deregistered` images are listed only to an admin with `verbose` (3.4); their bundle stays in Walrus. */
  state: 'available' | 'deregistered';
  /** Unbundled size in bytes. */
  size: number;
  /** SHA-256 (hex) of the raw image: filled in when the simulator starts. */
  sha256: string;
}

export type InstanceState = 'running' | 'stopped' | 'pending';

export interface SimInstance {
  id: string;
  reservationId: string;
  owner: string;
  imageId: string;
  kernelId?: string;
  ramdiskId?: string;
  state: InstanceState;
  instanceType: string;
  keyName?: string;
  /** Security group names, all of the owner's. */
  groups: string[];
  zone: string;
  launchTime: string;
  launchIndex: number;
  privateIp: string;
  /** The public address shown (elastic or dynamic); equal to privateIp when the mode has none. */
  publicIp?: string;
  macAddress: string;
  /** MANAGED modes: the network tag (VLAN) of the instance's first group. */
  vlan?: number;
}

export interface SimVolume {
  id: string;
  owner: string;
  sizeGiB: number;
  snapshotId?: string;
  zone: string;
  status: 'available' | 'in-use';
  createTime: string;
  attachment?: { instanceId: string; device: string; attachTime: string };
}

export interface SimSnapshot {
  id: string;
  owner: string;
  volumeId: string;
  volumeSizeGiB: number;
  status: 'completed';
  progress: '100%';
  startTime: string;
  description: string;
}

export interface SimAddress {
  publicIp: string;
  /** `elastic`: allocated by a user; `dynamic`: given by the system to an instance; `free`: unallocated. */
  kind: 'elastic' | 'dynamic' | 'free';
  /** The allocating user for elastic addresses. */
  owner?: string;
  instanceId?: string;
}

export interface SimGroupGrant {
  owner: string;
  groupName: string;
}

export interface SimRule {
  protocol: 'tcp' | 'udp' | 'icmp';
  fromPort: number;
  toPort: number;
  cidrs: string[];
  groups: SimGroupGrant[];
}

export interface SimSecurityGroup {
  /** `sg-XXXXXXXX` (shown from 3.4 on). */
  id: string;
  owner: string;
  name: string;
  description: string;
  rules: SimRule[];
  /** MANAGED modes: the network tag given to the group when its first instance started. */
  vlan?: number;
  /** MANAGED modes: the group's private subnet (network address/netmask bits). */
  subnet?: string;
}

export interface SimKeyPair {
  name: string;
  owner: string;
  fingerprint: string;
  /** The OpenSSH public key line, as the 3.4 `metadata_keypair_public_key` column holds it. */
  publicKey: string;
  /** PKCS#1 PEM of the private key (what CreateKeyPair returned to the user once). */
  privateKeyPem: string;
}

export interface SimVmType {
  name: string;
  cpu: number;
  memoryMiB: number;
  diskGiB: number;
}

export interface SimZone {
  name: string;
  /** The cluster controller host. */
  ccHost: string;
  /** Node capacity in "slots" of the smallest type (what `verbose` divides among VM types). */
  cores: number;
  memoryMiB: number;
  diskGiB: number;
}

/** An IAM group of an account (3.4 Euare), besides every user's private `_<user>` group. */
export interface SimIamGroup {
  accountName: string;
  name: string;
  path: string;
  groupId: string;
  /** Scenario user names. */
  members: string[];
}

export interface Scenario {
  kind: 'demo' | 'scale';
  /** `demo` or `scale:N`. */
  name: string;
  seed: string;
  eucaVersion: EucaVersion;
  networkMode: NetworkMode;
  accounts: SimAccount[];
  users: SimUser[];
  images: SimImage[];
  instances: SimInstance[];
  volumes: SimVolume[];
  snapshots: SimSnapshot[];
  addresses: SimAddress[];
  securityGroups: SimSecurityGroup[];
  keyPairs: SimKeyPair[];
  iamGroups: SimIamGroup[];
  vmTypes: SimVmType[];
  zones: SimZone[];
  network: NetworkPlan;
}

export interface ScenarioOptions {
  scenario: string;
  seed: string;
  eucaVersion: EucaVersion;
  networkMode: NetworkMode;
  /** Size in bytes of machine images (kernels and ramdisks are a quarter and an eighth of it). */
  imageSize?: number;
  /**
   * `scale:N` only: images in all (default 5: a kernel, a ramdisk and three public machine
   * images); the others are private machine images of the users in turn, for transfer benchmarks.
   */
  imageCount?: number;
}

export const DEFAULT_IMAGE_SIZE = 16 * 1024 * 1024;

/** 2.0's default VM types (E@2.0.1 VmTypes.java). */
const VM_TYPES: SimVmType[] = [
  { name: 'm1.small', cpu: 1, memoryMiB: 128, diskGiB: 10 },
  { name: 'c1.medium', cpu: 2, memoryMiB: 128, diskGiB: 10 },
  { name: 'm1.large', cpu: 2, memoryMiB: 512, diskGiB: 10 },
  { name: 'm1.xlarge', cpu: 2, memoryMiB: 1024, diskGiB: 10 },
  { name: 'c1.xlarge', cpu: 4, memoryMiB: 2048, diskGiB: 10 },
];

const ALNUM_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const B64ISH = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Ids are `prefix-%08X` of a random 32-bit value, as Eucalyptus 2.0/3.x draw them. */
class IdMaker {
  private readonly used = new Set<string>();
  constructor(private readonly rng: Rng) {}

  make(prefix: string, forceHigh = false): string {
    for (;;) {
      let v = this.rng.u32();
      if (forceHigh) v = (v | 0x80000000) >>> 0;
      const hex = v.toString(16).toUpperCase().padStart(8, '0');
      const id = `${prefix}-${hex}`;
      if (!this.used.has(id)) {
        this.used.add(id);
        return id;
      }
    }
  }
}

function isoTime(rng: Rng, fromMs: number, spanDays: number): string {
  return new Date(fromMs + rng.int(spanDays * 86_400_000)).toISOString();
}

const EPOCH = Date.UTC(2013, 0, 7, 9, 0, 0);

interface Builder {
  rng: Rng;
  ids: IdMaker;
  opts: ScenarioOptions;
  s: Scenario;
}

function accountNumber(rng: Rng, used: Set<string>): string {
  for (;;) {
    const n = `${rng.range(1, 9)}${rng.chars(11, '0123456789')}`;
    if (!used.has(n)) {
      used.add(n);
      return n;
    }
  }
}

function addUser(
  b: Builder,
  name: string,
  isAdmin: boolean,
  enabled: boolean,
  usedNumbers: Set<string>,
): SimUser {
  const r = new Rng(b.opts.seed, `user:${name}`);
  const accountName = isAdmin ? 'eucalyptus' : name;
  let account = b.s.accounts.find((a) => a.name === accountName);
  if (!account) {
    account = { name: accountName, number: accountNumber(r, usedNumbers), system: isAdmin };
    b.s.accounts.push(account);
  }
  const user: SimUser = {
    name,
    accountName,
    accountNumber: account.number,
    iamUserName: 'admin',
    userId: `AIDA${r.chars(17, ALNUM_UPPER)}`,
    email: `${name}@example.com`,
    accessKey: r.chars(20, ALNUM_UPPER),
    secretKey: r.chars(40, B64ISH),
    isAdmin,
    enabled,
    token: r.chars(48, B64ISH),
    certificateSerial: r.hex(8).toUpperCase(),
  };
  b.s.users.push(user);
  return user;
}

function addImage(
  b: Builder,
  spec: {
    kind: ImageKind;
    owner: string;
    name: string;
    bucket: string;
    isPublic: boolean;
    launchPermissions?: string[];
    kernelId?: string;
    ramdiskId?: string;
    architecture?: 'i386' | 'x86_64';
    forceHigh?: boolean;
  },
): SimImage {
  const base = b.opts.imageSize ?? DEFAULT_IMAGE_SIZE;
  const prefix = spec.kind === 'machine' ? 'emi' : spec.kind === 'kernel' ? 'eki' : 'eri';
  const size =
    spec.kind === 'machine'
      ? base
      : spec.kind === 'kernel'
        ? Math.max(1, Math.floor(base / 4))
        : Math.max(1, Math.floor(base / 8));
  const fileName =
    spec.kind === 'kernel'
      ? `vmlinuz-${spec.name}`
      : spec.kind === 'ramdisk'
        ? `initrd-${spec.name}`
        : `${spec.name}.img`;
  const manifestKey = `${fileName}.manifest.xml`;
  const image: SimImage = {
    id: b.ids.make(prefix, spec.forceHigh),
    kind: spec.kind,
    owner: spec.owner,
    name: spec.name,
    description: `${spec.kind} image ${spec.name}`,
    architecture: spec.architecture ?? 'x86_64',
    bucket: spec.bucket,
    manifestKey,
    location: `${spec.bucket}/${manifestKey}`,
    fileName,
    isPublic: spec.isPublic,
    launchPermissions: spec.launchPermissions ?? [],
    ...(spec.kernelId !== undefined ? { kernelId: spec.kernelId } : {}),
    ...(spec.ramdiskId !== undefined ? { ramdiskId: spec.ramdiskId } : {}),
    state: 'available',
    size,
    sha256: '',
  };
  b.s.images.push(image);
  return image;
}

function addGroup(
  b: Builder,
  owner: string,
  name: string,
  description: string,
  rules: SimRule[],
): SimSecurityGroup {
  const g: SimSecurityGroup = { id: b.ids.make('sg'), owner, name, description, rules };
  b.s.securityGroups.push(g);
  return g;
}

function addKeyPair(b: Builder, owner: string, name: string, keyLabel: string): SimKeyPair {
  const pair = seededRsaKeyPair(b.opts.seed, keyLabel);
  const kp: SimKeyPair = {
    name,
    owner,
    fingerprint: keyPairFingerprint(pair),
    publicKey: sshPublicKey(pair, `${name}@eucalyptus`),
    privateKeyPem: pair.privatePem,
  };
  b.s.keyPairs.push(kp);
  return kp;
}

function addInstance(
  b: Builder,
  spec: {
    owner: string;
    image: SimImage;
    state: InstanceState;
    type: string;
    keyName?: string;
    groups: string[];
    reservationId?: string;
    launchIndex?: number;
    forceHigh?: boolean;
  },
): SimInstance {
  const id = b.ids.make('i', spec.forceHigh);
  const inst: SimInstance = {
    id,
    reservationId: spec.reservationId ?? b.ids.make('r'),
    owner: spec.owner,
    imageId: spec.image.id,
    ...(spec.image.kernelId !== undefined ? { kernelId: spec.image.kernelId } : {}),
    ...(spec.image.ramdiskId !== undefined ? { ramdiskId: spec.image.ramdiskId } : {}),
    state: spec.state,
    instanceType: spec.type,
    ...(spec.keyName !== undefined ? { keyName: spec.keyName } : {}),
    groups: spec.groups,
    zone: b.s.zones[0]?.name ?? 'cluster01',
    launchTime: isoTime(b.rng, EPOCH, 60),
    launchIndex: spec.launchIndex ?? 0,
    privateIp: '',
    // Eucalyptus derives an instance's MAC from its id: d0:0d: + the 8 hex digits.
    macAddress: `d0:0d:${(id.slice(2).toLowerCase().match(/../g) ?? []).join(':')}`,
  };
  b.s.instances.push(inst);
  return inst;
}

function addVolume(b: Builder, owner: string, sizeGiB: number, snapshotId?: string): SimVolume {
  const v: SimVolume = {
    id: b.ids.make('vol'),
    owner,
    sizeGiB,
    ...(snapshotId !== undefined ? { snapshotId } : {}),
    zone: b.s.zones[0]?.name ?? 'cluster01',
    status: 'available',
    createTime: isoTime(b.rng, EPOCH, 30),
  };
  b.s.volumes.push(v);
  return v;
}

function attach(b: Builder, v: SimVolume, inst: SimInstance, device: string): void {
  v.status = 'in-use';
  v.attachment = {
    instanceId: inst.id,
    device,
    attachTime: isoTime(b.rng, EPOCH + 40 * 86_400_000, 20),
  };
}

function addSnapshot(b: Builder, v: SimVolume, description: string): SimSnapshot {
  const s: SimSnapshot = {
    id: b.ids.make('snap'),
    owner: v.owner,
    volumeId: v.id,
    volumeSizeGiB: v.sizeGiB,
    status: 'completed',
    progress: '100%',
    startTime: isoTime(b.rng, EPOCH + 35 * 86_400_000, 20),
    description,
  };
  b.s.snapshots.push(s);
  return s;
}

function tcp(port: number, cidrs: string[], groups: SimGroupGrant[] = [], toPort = port): SimRule {
  return { protocol: 'tcp', fromPort: port, toPort, cidrs, groups };
}

function buildDemo(b: Builder): void {
  const used = new Set<string>();
  addUser(b, 'admin', true, true, used);
  for (const n of ['alice', 'bob', 'carol', 'dave']) addUser(b, n, false, true, used);
  addUser(b, 'erin', false, false, used);

  const eki = addImage(b, {
    kind: 'kernel',
    owner: 'admin',
    name: '2.6.28-11-generic',
    bucket: 'kernels',
    isPublic: true,
  });
  const eri = addImage(b, {
    kind: 'ramdisk',
    owner: 'admin',
    name: '2.6.28-11-generic',
    bucket: 'kernels',
    isPublic: true,
  });
  const kr = { kernelId: eki.id, ramdiskId: eri.id };
  const ubuntu = addImage(b, {
    kind: 'machine',
    owner: 'admin',
    name: 'ubuntu-10.04-x86_64',
    bucket: 'ubuntu-images',
    isPublic: true,
    forceHigh: true,
    ...kr,
  });
  const centos = addImage(b, {
    kind: 'machine',
    owner: 'admin',
    name: 'centos-5.5-x86_64',
    bucket: 'centos-images',
    isPublic: true,
    ...kr,
  });
  const aliceApp = addImage(b, {
    kind: 'machine',
    owner: 'alice',
    name: 'alice-webapp',
    bucket: 'alice-bundles',
    isPublic: false,
    launchPermissions: ['bob'],
    ...kr,
  });
  const bobTools = addImage(b, {
    kind: 'machine',
    owner: 'bob',
    name: 'bob-tools-i386',
    bucket: 'bob-bundles',
    isPublic: true,
    architecture: 'i386',
    ...kr,
  });
  addImage(b, {
    kind: 'machine',
    owner: 'carol',
    name: 'carol-secret',
    bucket: 'carol-bundles',
    isPublic: false,
    ...kr,
  });
  const retired = addImage(b, {
    kind: 'machine',
    owner: 'dave',
    name: 'dave-retired',
    bucket: 'dave-bundles',
    isPublic: false,
    ...kr,
  });
  retired.state = 'deregistered';

  const perUserGroups: Record<string, SimSecurityGroup[]> = {};
  for (const u of b.s.users) {
    perUserGroups[u.name] = [
      addGroup(b, u.name, 'default', 'default group', [tcp(22, ['0.0.0.0/0'])]),
    ];
  }
  const g = (owner: string, name: string): SimGroupGrant => ({ owner, groupName: name });
  perUserGroups['alice']?.push(
    addGroup(b, 'alice', 'web', 'alice web servers', [
      tcp(80, ['0.0.0.0/0']),
      tcp(443, ['0.0.0.0/0']),
      tcp(22, ['10.0.0.0/8', '192.168.1.0/24']),
    ]),
    addGroup(b, 'alice', 'db', 'alice databases', [
      tcp(5432, [], [g('alice', 'web')]),
      tcp(1, [], [g('alice', 'db')], 65535),
      { protocol: 'icmp', fromPort: -1, toPort: -1, cidrs: ['0.0.0.0/0'], groups: [] },
    ]),
  );
  perUserGroups['bob']?.push(
    addGroup(b, 'bob', 'workers', 'bob batch workers', [
      tcp(8080, ['172.16.0.0/12'], [g('alice', 'web')]),
      { protocol: 'udp', fromPort: 53, toPort: 53, cidrs: ['0.0.0.0/0'], groups: [] },
    ]),
  );
  perUserGroups['carol']?.push(
    addGroup(b, 'carol', 'ssh-only', 'bastion', [tcp(22, ['203.0.113.0/24'])]),
  );

  addKeyPair(b, 'admin', 'admin-key', 'demo:admin-key');
  addKeyPair(b, 'alice', 'alice-laptop', 'demo:alice-laptop');
  addKeyPair(b, 'alice', 'alice-ci', 'demo:alice-ci');
  addKeyPair(b, 'bob', 'bob', 'demo:bob');
  addKeyPair(b, 'carol', 'carol-key', 'demo:carol-key');
  addKeyPair(b, 'dave', 'dave-key', 'demo:dave-key');
  addKeyPair(b, 'erin', 'erin-old', 'demo:erin-old');

  const res = b.ids.make('r');
  const specs: {
    owner: string;
    image: SimImage;
    state: InstanceState;
    type: string;
    key?: string;
    groups: string[];
    res?: string;
    idx?: number;
    high?: boolean;
  }[] = [
    {
      owner: 'admin',
      image: ubuntu,
      state: 'running',
      type: 'm1.small',
      key: 'admin-key',
      groups: ['default'],
      high: true,
    },
    {
      owner: 'alice',
      image: aliceApp,
      state: 'running',
      type: 'c1.medium',
      key: 'alice-laptop',
      groups: ['web'],
      res,
      idx: 0,
      high: true,
    },
    {
      owner: 'alice',
      image: aliceApp,
      state: 'running',
      type: 'c1.medium',
      key: 'alice-laptop',
      groups: ['web'],
      res,
      idx: 1,
    },
    {
      owner: 'alice',
      image: centos,
      state: 'running',
      type: 'm1.large',
      key: 'alice-ci',
      groups: ['db'],
    },
    {
      owner: 'alice',
      image: ubuntu,
      state: 'stopped',
      type: 'm1.small',
      key: 'alice-ci',
      groups: ['default'],
    },
    {
      owner: 'bob',
      image: aliceApp,
      state: 'running',
      type: 'm1.small',
      key: 'bob',
      groups: ['workers'],
    },
    {
      owner: 'bob',
      image: bobTools,
      state: 'running',
      type: 'm1.small',
      key: 'bob',
      groups: ['workers'],
    },
    {
      owner: 'bob',
      image: bobTools,
      state: 'stopped',
      type: 'm1.xlarge',
      key: 'bob',
      groups: ['default'],
    },
    {
      owner: 'carol',
      image: centos,
      state: 'running',
      type: 'm1.small',
      key: 'carol-key',
      groups: ['ssh-only'],
    },
    { owner: 'carol', image: ubuntu, state: 'running', type: 'c1.xlarge', groups: ['default'] },
    {
      owner: 'dave',
      image: ubuntu,
      state: 'running',
      type: 'm1.small',
      key: 'dave-key',
      groups: ['default'],
      high: true,
    },
    {
      owner: 'erin',
      image: centos,
      state: 'stopped',
      type: 'm1.small',
      key: 'erin-old',
      groups: ['default'],
    },
  ];
  const inst = specs.map((s) =>
    addInstance(b, {
      owner: s.owner,
      image: s.image,
      state: s.state,
      type: s.type,
      ...(s.key !== undefined ? { keyName: s.key } : {}),
      groups: s.groups,
      ...(s.res !== undefined ? { reservationId: s.res } : {}),
      ...(s.idx !== undefined ? { launchIndex: s.idx } : {}),
      ...(s.high !== undefined ? { forceHigh: s.high } : {}),
    }),
  );
  const at = (i: number): SimInstance => {
    const x = inst[i];
    if (!x) throw new Error(`no instance ${i}`);
    return x;
  };

  const v1 = addVolume(b, 'alice', 10);
  attach(b, v1, at(3), '/dev/sdb');
  const v2 = addVolume(b, 'alice', 5);
  const s1 = addSnapshot(b, v1, 'alice db nightly');
  addSnapshot(b, v2, 'alice scratch');
  const v3 = addVolume(b, 'alice', 10, s1.id);
  attach(b, v3, at(1), '/dev/sdc');
  const v4 = addVolume(b, 'bob', 20);
  attach(b, v4, at(5), '/dev/sdb');
  const s3 = addSnapshot(b, v4, 'bob worker data');
  addVolume(b, 'bob', 20, s3.id);
  const v6 = addVolume(b, 'carol', 1);
  addSnapshot(b, v6, '');
  addVolume(b, 'dave', 2);
  addVolume(b, 'erin', 1);

  const gid = (): string => `AGPA${b.rng.chars(17, ALNUM_UPPER)}`;
  b.s.iamGroups.push(
    { accountName: 'alice', name: 'developers', path: '/', groupId: gid(), members: ['alice'] },
    { accountName: 'bob', name: 'operators', path: '/ops/', groupId: gid(), members: ['bob'] },
  );

  b.s.network = buildNetwork(b.opts.networkMode, b.opts.eucaVersion, b.s, {
    subnet: '10.1.0.0',
    netmask: '255.255.0.0',
    addrsPerNet: 32,
    publicIps: ['198.51.100.10', '198.51.100.41'],
    elastic: [
      { owner: 'alice', instanceId: at(1).id },
      { owner: 'alice' },
      { owner: 'bob', instanceId: at(6).id },
      { owner: 'carol' },
      { owner: 'admin', instanceId: at(0).id },
    ],
  });
}

function buildScale(b: Builder, n: number): void {
  const used = new Set<string>();
  addUser(b, 'admin', true, true, used);
  const eki = addImage(b, {
    kind: 'kernel',
    owner: 'admin',
    name: 'vmlinuz-scale',
    bucket: 'kernels',
    isPublic: true,
  });
  const eri = addImage(b, {
    kind: 'ramdisk',
    owner: 'admin',
    name: 'initrd-scale',
    bucket: 'kernels',
    isPublic: true,
  });
  const kr = { kernelId: eki.id, ramdiskId: eri.id };
  const images = [
    addImage(b, {
      kind: 'machine',
      owner: 'admin',
      name: 'ubuntu-12.04',
      bucket: 'images',
      isPublic: true,
      ...kr,
    }),
    addImage(b, {
      kind: 'machine',
      owner: 'admin',
      name: 'centos-6',
      bucket: 'images',
      isPublic: true,
      ...kr,
    }),
    addImage(b, {
      kind: 'machine',
      owner: 'admin',
      name: 'debian-7',
      bucket: 'images',
      isPublic: true,
      ...kr,
    }),
  ];
  const width = Math.max(4, String(n).length);
  const elastic: { owner: string; instanceId?: string }[] = [];
  for (let i = 1; i <= n; i++) {
    const name = `user${String(i).padStart(width, '0')}`;
    addUser(b, name, false, i % 50 !== 0, used);
    const groups = ['default', 'web', 'db'].map((gn, gi) =>
      addGroup(b, name, gn, gn === 'default' ? 'default group' : `${gn} tier`, [
        tcp(22, ['0.0.0.0/0']),
        tcp(80 + gi, ['10.0.0.0/8']),
        tcp(443, [], [{ owner: name, groupName: 'default' }]),
        { protocol: 'udp', fromPort: 53, toPort: 53, cidrs: ['0.0.0.0/0'], groups: [] },
        { protocol: 'icmp', fromPort: -1, toPort: -1, cidrs: ['0.0.0.0/0'], groups: [] },
      ]),
    );
    // Real key pairs, drawn from a pool of 16 so that 2N RSA keys do not cost minutes.
    const k1 = addKeyPair(b, name, `${name}-a`, `scale:pool:${i % 16}`);
    addKeyPair(b, name, `${name}-b`, `scale:pool:${(i + 7) % 16}`);
    const insts: SimInstance[] = [];
    for (let j = 0; j < 10; j++) {
      insts.push(
        addInstance(b, {
          owner: name,
          image: images[j % 3] ?? ubuntuFallback(images),
          state: j < 7 ? 'running' : 'stopped',
          type: VM_TYPES[j % VM_TYPES.length]?.name ?? 'm1.small',
          keyName: k1.name,
          groups: [groups[j % 3]?.name ?? 'default'],
        }),
      );
    }
    const vols: SimVolume[] = [];
    for (let j = 0; j < 5; j++) {
      const v = addVolume(b, name, 1 + (j % 4));
      if (j < 2) {
        const target = insts[j];
        if (target) attach(b, v, target, j === 0 ? '/dev/sdb' : '/dev/sdc');
      }
      vols.push(v);
    }
    for (let j = 0; j < 2; j++) {
      const v = vols[j];
      if (v) addSnapshot(b, v, `${name} backup ${j}`);
    }
    elastic.push({ owner: name, ...(insts[0] ? { instanceId: insts[0].id } : {}) });
  }
  const extra = (b.opts.imageCount ?? 5) - 5;
  for (let k = 0; k < extra; k++) {
    addImage(b, {
      kind: 'machine',
      owner: `user${String((k % n) + 1).padStart(width, '0')}`,
      name: `custom-${String(k + 1)}`,
      bucket: 'user-images',
      isPublic: false,
      ...kr,
    });
  }
  b.s.network = buildNetwork(b.opts.networkMode, b.opts.eucaVersion, b.s, {
    subnet: '10.0.0.0',
    netmask: '255.0.0.0',
    addrsPerNet: 32,
    publicIps: ['100.64.0.1', intToIp(ipToInt('100.64.0.1') + n * 12 + 64)],
    elastic,
  });
}

/** Build a scenario: pure and deterministic in (scenario, seed, version, network mode, image size). */
export function generateScenario(opts: ScenarioOptions): Scenario {
  const rng = new Rng(opts.seed, `scenario:${opts.scenario}`);
  const s: Scenario = {
    kind: 'demo',
    name: opts.scenario,
    seed: opts.seed,
    eucaVersion: opts.eucaVersion,
    networkMode: opts.networkMode,
    accounts: [],
    users: [],
    images: [],
    instances: [],
    volumes: [],
    snapshots: [],
    addresses: [],
    securityGroups: [],
    keyPairs: [],
    iamGroups: [],
    vmTypes: VM_TYPES.map((t) => ({ ...t })),
    zones: [
      { name: 'cluster01', ccHost: '192.168.7.10', cores: 64, memoryMiB: 65536, diskGiB: 2000 },
    ],
    network: { mode: opts.networkMode, conf: {} },
  };
  const b: Builder = { rng, ids: new IdMaker(rng), opts, s };
  const scale = /^scale:(\d+)$/.exec(opts.scenario);
  if (opts.scenario === 'demo') {
    buildDemo(b);
  } else if (scale) {
    const n = Number(scale[1]);
    if (!(n >= 1 && n <= 20000))
      throw new Error(`scale:N needs 1 <= N <= 20000, got ${opts.scenario}`);
    s.kind = 'scale';
    s.zones[0] = {
      name: 'cluster01',
      ccHost: '192.168.7.10',
      cores: 64 * n,
      memoryMiB: 65536 * n,
      diskGiB: 2000 * n,
    };
    buildScale(b, n);
  } else {
    throw new Error(`unknown scenario ${opts.scenario} (demo or scale:N)`);
  }
  if (opts.eucaVersion === '2.0') {
    // 2.0 has no accounts: users stand alone (their account fields are unused).
    s.accounts = [];
  } else {
    // 3.4's Euare lists internal system accounts too; a migration must skip them.
    const used = new Set(s.accounts.map((a) => a.number));
    const r = new Rng(opts.seed, 'system-accounts');
    for (const name of ['(eucalyptus)blockstorage', '(eucalyptus)loadbalancing']) {
      s.accounts.push({ name, number: accountNumber(r, used), system: true });
    }
  }
  return s;
}

export function userByName(s: Scenario, name: string): SimUser | undefined {
  return s.users.find((u) => u.name === name);
}

function ubuntuFallback(images: SimImage[]): SimImage {
  const first = images[0];
  if (!first) throw new Error('no images');
  return first;
}
