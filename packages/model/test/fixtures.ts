import type { Finding, Inventory, JobEvent, Plan, Report } from '../src/index.ts';

export const INVENTORY_ID = '0b7a2f5e-3c1d-4e8f-9a6b-1c2d3e4f5a6b';
export const PLAN_ID = '6f1e2d3c-4b5a-4978-8a1b-2c3d4e5f6a7b';
export const JOB_ID = '9a8b7c6d-5e4f-4a3b-9c1d-0e1f2a3b4c5d';

export const secretMissing: Finding = {
  ruleId: 'user.secret-key-missing',
  severity: 'warning',
  message: 'The secret key of user "mgreenway" could not be read.',
  affectedIds: ['mgreenway'],
  remedy: 'Give the database credentials of the CLC, or let the user get a new key after the move.',
};

/** A Eucalyptus 2.0 cloud, built from the captured responses in eucalyptus.md §7.1. */
export function realisticInventory(): Inventory {
  return {
    metadata: {
      inventoryId: INVENTORY_ID,
      discoveredAt: '2024-05-01T10:00:00.000Z',
      source: {
        endpoint: 'http://clc.example.org:8773/services/Eucalyptus',
        version: '2.0.1',
        majorVersion: 2,
        apiVersion: '2009-11-30',
        storageEndpoint: 'http://clc.example.org:8773/services/Walrus',
      },
    },
    users: [
      {
        userName: 'admin',
        email: 'root@example.org',
        admin: true,
        enabled: true,
        accessKeys: [
          {
            accessKeyId: 'WKy3rMzOWPouVOxK1p3Ar1C2uRBwa2FBXnCw',
            secretKey: 'QmbXa9Fc+8x/12Zp',
            active: true,
          },
        ],
      },
      {
        userName: 'mgreenway',
        admin: false,
        enabled: true,
        accessKeys: [{ accessKeyId: 'L8yQ3hZ0pA7bC2dE4fG6hJ9kL1mN3pQ5rS7tV9', active: true }],
      },
    ],
    images: [
      {
        imageId: 'emi-938D136D',
        imageType: 'machine',
        imageState: 'available',
        owner: { userName: 'admin' },
        isPublic: true,
        imageLocation: 'admin/prototypical-2011-08-04-t2.img.manifest.xml',
        architecture: 'x86_64',
        kernelId: 'eki-E7641078',
        ramdiskId: 'eri-1BF61154',
        rootDeviceType: 'instance-store',
        rootDeviceName: '/dev/sda1',
        launchPermissions: [{ group: 'all' }],
        sizeBytes: 1_073_741_824,
      },
      {
        imageId: 'eki-E7641078',
        imageType: 'kernel',
        imageState: 'available',
        owner: { userName: 'admin' },
        isPublic: true,
        imageLocation: 'kernels/vmlinuz-2.6.28-11-generic.manifest.xml',
        architecture: 'x86_64',
        launchPermissions: [{ group: 'all' }],
      },
      {
        imageId: 'eri-1BF61154',
        imageType: 'ramdisk',
        imageState: 'available',
        owner: { userName: 'admin' },
        isPublic: false,
        imageLocation: 'kernels/initrd.img-2.6.28-11-generic.manifest.xml',
        architecture: 'x86_64',
        launchPermissions: [{ userId: 'mgreenway' }],
      },
    ],
    volumes: [
      {
        volumeId: 'vol-5A0E0610',
        owner: { userName: 'mgreenway' },
        sizeGiB: 10,
        availabilityZone: 'kg12',
        status: 'in-use',
        createTime: '2013-06-20T09:01:02.000Z',
        attachments: [
          {
            instanceId: 'i-4917082C',
            device: '/dev/sdb',
            status: 'attached',
            attachTime: '2013-06-24T22:50:00.000Z',
          },
        ],
      },
    ],
    snapshots: [
      {
        snapshotId: 'snap-3C6F0A11',
        volumeId: 'vol-5A0E0610',
        owner: { userName: 'mgreenway' },
        status: 'completed',
        startTime: '2013-06-21T00:00:00.000Z',
        progress: '100%',
        volumeSizeGiB: 10,
      },
    ],
    addresses: [
      {
        publicIp: '192.0.2.10',
        state: 'associated',
        owner: { userName: 'mgreenway' },
        instanceId: 'i-4917082C',
      },
      { publicIp: '192.0.2.11', state: 'allocated', owner: { userName: 'admin' } },
      { publicIp: '192.0.2.12', state: 'unallocated' },
    ],
    securityGroups: [
      {
        groupName: 'default',
        owner: { userName: 'mgreenway' },
        description: 'default group',
        rules: [
          { ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: ['0.0.0.0/0'], groups: [] },
          {
            ipProtocol: 'tcp',
            fromPort: 1,
            toPort: 65535,
            ipRanges: [],
            groups: [{ userId: 'mgreenway', groupName: 'web' }],
          },
          { ipProtocol: 'icmp', fromPort: -1, toPort: -1, ipRanges: ['10.0.0.0/8'], groups: [] },
        ],
      },
      { groupName: 'web', owner: { userName: 'mgreenway' }, description: 'web servers', rules: [] },
    ],
    keyPairs: [
      {
        keyName: 'mykey',
        fingerprint: '1f:51:ae:28:bf:89:e9:d8:1f:25:5d:37:2d:7d:b8:ca:9f:f5:f1:6f',
        publicKey: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 mgreenway@laptop',
        owner: { userName: 'mgreenway' },
      },
    ],
    instances: [
      {
        instanceId: 'i-4917082C',
        reservationId: 'r-4CF809C2',
        owner: { userName: 'mgreenway' },
        imageId: 'emi-938D136D',
        kernelId: 'eki-E7641078',
        ramdiskId: 'eri-1BF61154',
        state: { code: 16, name: 'running' },
        instanceType: 'm1.small',
        launchTime: '2013-06-24T22:48:22.468Z',
        availabilityZone: 'kg12',
        privateIpAddress: '10.103.112.67',
        publicIpAddress: '192.0.2.10',
        privateDnsName: '10.103.112.67',
        dnsName: '192.0.2.10',
        macAddress: 'D0:0D:0A:67:70:43',
        keyName: 'mykey',
        groups: [{ groupName: 'default' }],
        launchIndex: 0,
        reason: 'NORMAL:  -- [UPDATE]',
      },
    ],
    availabilityZones: [
      {
        zoneName: 'kg12',
        zoneState: '10.103.112.2',
        clusterHost: '10.103.112.2',
        vmTypes: [
          { name: 'm1.small', cpu: 1, memoryMiB: 128, diskGiB: 10, available: 4, max: 4 },
          { name: 'c1.medium', cpu: 2, memoryMiB: 128, diskGiB: 10, available: 2, max: 2 },
        ],
      },
    ],
    network: {
      mode: 'MANAGED-NOVLAN',
      source: 'eucalyptus.conf',
      vnet: {
        subnet: '10.103.0.0',
        netmask: '255.255.0.0',
        addrsPerNet: 32,
        publicIps: [
          { first: '192.0.2.10', last: '192.0.2.20' },
          { first: '198.51.100.7', last: '198.51.100.7' },
        ],
        dns: '10.103.0.1',
        bridge: 'xenbr0',
        privInterface: 'eth1',
        pubInterface: 'eth0',
      },
      rawVnet: {
        VNET_MODE: 'MANAGED-NOVLAN',
        VNET_PUBLICIPS: '192.0.2.10-192.0.2.20 198.51.100.7',
      },
    },
    findings: [secretMissing],
  };
}

/** A plan without its fingerprint (computed by the tests). */
export function planContent(): Omit<Plan, 'fingerprint'> {
  return {
    id: PLAN_ID,
    inventoryId: INVENTORY_ID,
    createdAt: '2024-05-01T10:05:00.000Z',
    selection: { users: ['mgreenway'] },
    mappings: {
      network: {
        manager: 'FlatDHCPManager',
        overrides: { fixed_range: '10.103.0.0/16', flat_network_bridge: 'br100' },
      },
      imageIdPrefix: 'keep',
      largeIdStrategy: 'renumber',
      instanceTypes: { 'm1.small': 'm1.tiny', 'c1.medium': 'm1.small' },
    },
    items: [
      { kind: 'user', sourceId: 'mgreenway', targetId: 'mgreenway', action: 'create' },
      {
        kind: 'image',
        sourceId: 'emi-938D136D',
        targetId: 'emi-938D136D',
        owner: 'admin',
        action: 'create',
        pulledInBy: { kind: 'instance', sourceId: 'i-4917082C', relation: 'image' },
      },
      {
        kind: 'instance',
        sourceId: 'i-4917082C',
        targetId: 'i-4917082c',
        owner: 'mgreenway',
        action: 'create',
      },
      {
        kind: 'snapshot',
        sourceId: 'snap-3C6F0A11',
        owner: 'mgreenway',
        action: 'unsupported',
        reason: 'Nova Bexar has no snapshots.',
      },
    ],
    findings: [],
  };
}

const zeroCounts = { created: 0, skipped: 0, conflict: 0, failed: 0, unsupported: 0 };

export function realisticReport(): Report {
  return {
    reportVersion: 1,
    jobId: JOB_ID,
    planId: PLAN_ID,
    inventoryId: INVENTORY_ID,
    planFingerprint: 'a'.repeat(64),
    generatedAt: '2024-05-01T11:00:00.000Z',
    outcome: 'succeeded',
    source: realisticInventory().metadata.source,
    target: {
      novaRelease: '2011.1',
      database: { host: 'nova-db.example.org', port: 5432, name: 'nova' },
      imagesPath: '/var/lib/nova/images',
    },
    selection: { users: ['mgreenway'] },
    idMap: [
      { kind: 'instance', sourceId: 'i-4917082C', targetId: 'i-4917082c', owner: 'mgreenway' },
      { kind: 'user', sourceId: 'mgreenway', targetId: 'mgreenway' },
    ],
    counts: {
      user: { ...zeroCounts, created: 1 },
      keyPair: { ...zeroCounts, created: 1 },
      securityGroup: { ...zeroCounts, created: 2 },
      network: { ...zeroCounts, created: 1 },
      address: { ...zeroCounts, created: 1 },
      image: { ...zeroCounts, created: 3 },
      volume: { ...zeroCounts, created: 1 },
      snapshot: { ...zeroCounts, unsupported: 1 },
      instance: { ...zeroCounts, created: 1 },
    },
    findings: [{ finding: { ...secretMissing, acknowledged: true }, resolution: 'acknowledged' }],
    images: [
      {
        sourceImageId: 'emi-938D136D',
        targetImageId: 'emi-938D136D',
        bytes: 1_073_741_824,
        sha256: 'b'.repeat(64),
      },
    ],
    timings: [
      {
        phase: 'users',
        startedAt: '2024-05-01T10:10:00.000Z',
        finishedAt: '2024-05-01T10:10:01.000Z',
        durationMs: 1000,
      },
    ],
    verification: {
      result: 'differing',
      at: '2024-05-01T10:59:00.000Z',
      users: [
        {
          user: 'mgreenway',
          result: 'differing',
          itemsCompared: 9,
          differences: [
            {
              kind: 'instance',
              sourceId: 'i-4917082C',
              field: 'instanceId',
              expected: 'i-4917082C',
              actual: 'i-4917082c',
            },
          ],
        },
      ],
    },
    novaConf: {
      network_manager: 'nova.network.manager.FlatDHCPManager',
      fixed_range: '10.103.0.0/16',
      flat_network_bridge: 'br100',
    },
  };
}

export function sampleEvents(): JobEvent[] {
  const base = { jobId: JOB_ID, at: '2024-05-01T10:10:00.000Z' };
  return [
    { ...base, seq: 1, type: 'job-status-changed', from: 'queued', to: 'running' },
    { ...base, seq: 2, type: 'phase-started', phase: 'images', itemsTotal: 3 },
    {
      ...base,
      seq: 3,
      type: 'bytes-progress',
      kind: 'image',
      sourceId: 'emi-938D136D',
      bytesDone: 1024,
      bytesTotal: 4096,
      bytesPerSecond: 512,
      etaSeconds: 6,
    },
    {
      ...base,
      seq: 4,
      type: 'transfer-stalled',
      kind: 'image',
      sourceId: 'emi-938D136D',
      bytesDone: 1024,
      stalledForSeconds: 30,
    },
    {
      ...base,
      seq: 5,
      type: 'item-done',
      kind: 'image',
      sourceId: 'emi-938D136D',
      targetId: 'emi-938D136D',
      action: 'created',
    },
    {
      ...base,
      seq: 6,
      type: 'item-failed',
      kind: 'volume',
      sourceId: 'vol-5A0E0610',
      error: { code: 'SC_UNREACHABLE', message: 'connection refused' },
      willRetry: true,
    },
    {
      ...base,
      seq: 7,
      type: 'item-skipped',
      kind: 'snapshot',
      sourceId: 'snap-3C6F0A11',
      reason: 'unsupported',
    },
    { ...base, seq: 8, type: 'finding', finding: secretMissing },
    { ...base, seq: 9, type: 'log', level: 'info', message: 'images done' },
    { ...base, seq: 9, type: 'discovery-progress', resource: 'manifests', done: 2, total: 5 },
    {
      ...base,
      seq: 10,
      type: 'phase-finished',
      phase: 'images',
      outcome: 'succeeded',
      durationMs: 1200,
    },
    {
      ...base,
      seq: 11,
      type: 'run-totals',
      phases: [
        { phase: 'users', items: 2 },
        { phase: 'images', items: 3, bytes: 3 * 1024 },
      ],
      skipped: 1,
    },
  ];
}

/** A copy of `obj` without `key` (tests use it to drop required fields). */
export function without<T extends object, K extends keyof T>(obj: T, key: K): Omit<T, K> {
  return Object.fromEntries(Object.entries(obj).filter(([k]) => k !== key)) as Omit<T, K>;
}
