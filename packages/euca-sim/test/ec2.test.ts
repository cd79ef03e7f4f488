import {
  DescribeAddressesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeRegionsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator, type SimUser } from '../src/index.ts';
import { at, items, queryV2, type Creds } from './helpers.ts';

function ec2(sim: RunningSimulator, creds: Creds): EC2Client {
  return new EC2Client({
    endpoint: sim.urls.ec2,
    region: 'eucalyptus',
    credentials: { accessKeyId: creds.accessKey, secretAccessKey: creds.secretKey },
    maxAttempts: 1,
  });
}

function user(sim: RunningSimulator, name: string): SimUser {
  const u = sim.scenario.users.find((x) => x.name === name);
  if (!u) throw new Error(`no user ${name}`);
  return u;
}

describe('EC2 Query API, Eucalyptus 3.4 (AWS SDK v3, signature v4)', () => {
  let sim: RunningSimulator;
  let admin: EC2Client;
  let alice: EC2Client;
  let bob: EC2Client;

  beforeAll(async () => {
    sim = await startSimulator({
      port: 0,
      eucaVersion: '3.4',
      seed: 'T',
      imageSize: 64 * 1024,
      controllerDb: 'none',
    });
    admin = ec2(sim, sim.admin);
    alice = ec2(sim, user(sim, 'alice'));
    bob = ec2(sim, user(sim, 'bob'));
  });
  afterAll(async () => {
    await sim.close();
  });

  it("lists every account's instances only with verbose, with 12-digit owners", async () => {
    const own = await admin.send(new DescribeInstancesCommand({}));
    const ownIds = (own.Reservations ?? []).flatMap((r) =>
      (r.Instances ?? []).map((i) => i.InstanceId),
    );
    expect(new Set(ownIds)).toEqual(
      new Set(sim.scenario.instances.filter((i) => i.owner === 'admin').map((i) => i.id)),
    );
    const all = await admin.send(new DescribeInstancesCommand({ InstanceIds: ['verbose'] }));
    const got = (all.Reservations ?? []).flatMap((r) =>
      (r.Instances ?? []).map((i) => ({
        id: i.InstanceId,
        owner: r.OwnerId,
        ip: i.PrivateIpAddress,
        state: i.State?.Name,
      })),
    );
    expect(got).toHaveLength(sim.scenario.instances.length);
    for (const inst of sim.scenario.instances) {
      expect(got).toContainEqual({
        id: inst.id,
        owner: user(sim, inst.owner).accountNumber,
        ip: inst.privateIp,
        state: inst.state,
      });
    }
    const multi = (all.Reservations ?? []).find((r) => (r.Instances ?? []).length > 1);
    expect(multi?.Groups?.[0]?.GroupName).toBe('web');
  });

  it('shows a non-admin only its own, verbose or not', async () => {
    const res = await alice.send(new DescribeInstancesCommand({ InstanceIds: ['verbose'] }));
    const owners = new Set((res.Reservations ?? []).map((r) => r.OwnerId));
    expect(owners).toEqual(new Set([user(sim, 'alice').accountNumber]));
    const vols = await alice.send(new DescribeVolumesCommand({}));
    expect((vols.Volumes ?? []).map((v) => v.VolumeId).sort()).toEqual(
      sim.scenario.volumes
        .filter((v) => v.owner === 'alice')
        .map((v) => v.id)
        .sort(),
    );
  });

  it('describes images by launch permission; the admin sees all', async () => {
    const all = await admin.send(new DescribeImagesCommand({}));
    const available = sim.scenario.images.filter((i) => i.state === 'available');
    expect((all.Images ?? []).map((i) => i.ImageId).sort()).toEqual(
      available.map((i) => i.id).sort(),
    );
    const verbose = await admin.send(new DescribeImagesCommand({ ImageIds: ['verbose'] }));
    expect((verbose.Images ?? []).length).toBe(sim.scenario.images.length);
    expect(verbose.Images?.find((i) => i.State === 'deregistered')?.OwnerId).toBe(
      user(sim, 'dave').accountNumber,
    );
    const forBob = await bob.send(new DescribeImagesCommand({}));
    const expected = available.filter(
      (i) => i.isPublic || i.owner === 'bob' || i.launchPermissions.includes('bob'),
    );
    expect((forBob.Images ?? []).map((i) => i.ImageId).sort()).toEqual(
      expected.map((i) => i.id).sort(),
    );
    const carols = sim.scenario.images.find((i) => i.owner === 'carol');
    expect((forBob.Images ?? []).some((i) => i.ImageId === carols?.id)).toBe(false);
    const mine = await alice.send(new DescribeImagesCommand({ Owners: ['self'] }));
    expect((mine.Images ?? []).every((i) => i.OwnerId === user(sim, 'alice').accountNumber)).toBe(
      true,
    );
    const img = (all.Images ?? []).find((i) => i.ImageType === 'machine' && i.KernelId);
    expect(img?.ImageLocation).toMatch(/^[^/]+\/.+\.manifest\.xml$/);
    expect(img?.RamdiskId).toMatch(/^eri-[0-9A-F]{8}$/);
  });

  it('describes launch permissions with account numbers and group all', async () => {
    const shared = sim.scenario.images.find((i) => i.launchPermissions.length > 0);
    const res = await alice.send(
      new DescribeImageAttributeCommand({ ImageId: shared?.id, Attribute: 'launchPermission' }),
    );
    expect(res.LaunchPermissions).toEqual([{ UserId: user(sim, 'bob').accountNumber }]);
    const pub = sim.scenario.images.find((i) => i.isPublic);
    const res2 = await admin.send(
      new DescribeImageAttributeCommand({ ImageId: pub?.id, Attribute: 'launchPermission' }),
    );
    expect(res2.LaunchPermissions).toEqual([{ Group: 'all' }]);
    await expect(
      bob.send(
        new DescribeImageAttributeCommand({ ImageId: shared?.id, Attribute: 'launchPermission' }),
      ),
    ).rejects.toMatchObject({ name: 'AuthFailure' });
  });

  it('lists volumes, snapshots, key pairs and groups of every account with verbose', async () => {
    const vols = await admin.send(new DescribeVolumesCommand({ VolumeIds: ['verbose'] }));
    expect(vols.Volumes).toHaveLength(sim.scenario.volumes.length);
    const attached = (vols.Volumes ?? []).find((v) => v.State === 'in-use');
    expect(attached?.Attachments?.[0]?.InstanceId).toMatch(/^i-/);
    const snaps = await admin.send(new DescribeSnapshotsCommand({ SnapshotIds: ['verbose'] }));
    expect(snaps.Snapshots).toHaveLength(sim.scenario.snapshots.length);
    expect((snaps.Snapshots ?? []).every((s) => /^\d{12}$/.test(s.OwnerId ?? ''))).toBe(true);
    const ownKeys = await admin.send(new DescribeKeyPairsCommand({}));
    expect(ownKeys.KeyPairs).toHaveLength(1);
    const keys = await admin.send(new DescribeKeyPairsCommand({ KeyNames: ['verbose'] }));
    expect((keys.KeyPairs ?? []).map((k) => `${k.KeyName} ${k.KeyFingerprint}`).sort()).toEqual(
      sim.scenario.keyPairs.map((k) => `${k.name} ${k.fingerprint}`).sort(),
    );
    const groups = await admin.send(new DescribeSecurityGroupsCommand({ GroupNames: ['verbose'] }));
    expect(groups.SecurityGroups).toHaveLength(sim.scenario.securityGroups.length);
    const db = (groups.SecurityGroups ?? []).find(
      (g) => g.GroupName === 'db' && g.OwnerId === user(sim, 'alice').accountNumber,
    );
    expect(db?.GroupId).toMatch(/^sg-[0-9A-F]{8}$/);
    const grant = db?.IpPermissions?.find((p) => p.FromPort === 5432);
    expect(grant?.UserIdGroupPairs?.[0]).toMatchObject({
      UserId: user(sim, 'alice').accountNumber,
      GroupName: 'web',
    });
    const web = (groups.SecurityGroups ?? []).find((g) => g.GroupName === 'web');
    expect(
      web?.IpPermissions?.find((p) => p.FromPort === 22)?.IpRanges?.map((r) => r.CidrIp),
    ).toEqual(['10.0.0.0/8', '192.168.1.0/24']);
  });

  it('lists addresses in the admin form only with verbose', async () => {
    const own = await alice.send(new DescribeAddressesCommand({}));
    expect((own.Addresses ?? []).map((a) => a.PublicIp).sort()).toEqual(
      sim.scenario.addresses
        .filter((a) => a.owner === 'alice')
        .map((a) => a.publicIp)
        .sort(),
    );
    const all = await admin.send(new DescribeAddressesCommand({ PublicIps: ['verbose'] }));
    expect(all.Addresses).toHaveLength(sim.scenario.addresses.length);
    const aliceUser = user(sim, 'alice');
    const assoc = sim.scenario.addresses.find(
      (a) => a.owner === 'alice' && a.instanceId !== undefined,
    );
    expect((all.Addresses ?? []).find((a) => a.PublicIp === assoc?.publicIp)?.InstanceId).toBe(
      `${assoc?.instanceId} (arn:aws:euare::${aliceUser.accountNumber}:user/admin)`,
    );
    expect((all.Addresses ?? []).some((a) => a.InstanceId === 'nobody')).toBe(true);
    expect((all.Addresses ?? []).some((a) => a.InstanceId?.startsWith('available ('))).toBe(true);
  });

  it('lists zones, with the VM-type capacity table under verbose', async () => {
    const plain = await alice.send(new DescribeAvailabilityZonesCommand({}));
    expect(plain.AvailabilityZones?.map((z) => z.ZoneName)).toEqual(['cluster01']);
    const verbose = await admin.send(
      new DescribeAvailabilityZonesCommand({ ZoneNames: ['verbose'] }),
    );
    const zones = verbose.AvailabilityZones ?? [];
    expect(zones[1]).toMatchObject({
      ZoneName: '|- vm types',
      State: 'free / max   cpu   ram  disk',
    });
    expect(zones.find((z) => z.ZoneName === '|- m1.small')?.State).toMatch(
      /^\d{4} \/ \d{4} {3}1 {4}128 {4}10$/,
    );
    const regions = await alice.send(new DescribeRegionsCommand({}));
    expect(regions.Regions?.map((r) => [r.RegionName, r.Endpoint])).toEqual([
      ['Eucalyptus', sim.urls.ec2],
      ['Walrus', sim.urls.s3],
    ]);
  });

  it('answers AuthFailure to a wrong secret and to an unknown key', async () => {
    const bad = ec2(sim, { accessKey: sim.admin.accessKey, secretKey: 'wrong' });
    await expect(bad.send(new DescribeInstancesCommand({}))).rejects.toMatchObject({
      name: 'AuthFailure',
    });
    const unknown = ec2(sim, { accessKey: 'NOSUCHKEY', secretKey: 'x' });
    await expect(unknown.send(new DescribeInstancesCommand({}))).rejects.toMatchObject({
      name: 'AuthFailure',
    });
    const erin = ec2(sim, user(sim, 'erin'));
    await expect(erin.send(new DescribeInstancesCommand({}))).rejects.toMatchObject({
      name: 'AuthFailure',
    });
  });

  it('also accepts signature v2, echoes any Version, and rejects unknown actions', async () => {
    const r = await queryV2(
      sim.urls.ec2,
      { Action: 'DescribeKeyPairs', Version: '2016-11-15' },
      user(sim, 'alice'),
    );
    expect(r.status).toBe(200);
    expect(at(r.xml, 'DescribeKeyPairsResponse', '@_xmlns')).toBe(
      'http://ec2.amazonaws.com/doc/2016-11-15/',
    );
    expect(items(r.xml, 'DescribeKeyPairsResponse', 'keySet')).toHaveLength(2);
    const bad = await queryV2(
      sim.urls.ec2,
      { Action: 'RunInstancesPlease', Version: '2013-08-15' },
      sim.admin,
    );
    expect(bad.status).toBe(400);
    expect(at(bad.xml, 'Response', 'Errors', 'Error', 'Code')).toBe('InvalidAction');
    expect(at(bad.xml, 'Response', 'RequestID')).toMatch(/^[0-9a-f-]{36}$/);
    const tampered = await queryV2(
      sim.urls.ec2,
      { Action: 'DescribeVolumes', Version: '2013-08-15' },
      sim.admin,
      { tamper: true },
    );
    expect(at(tampered.xml, 'Response', 'Errors', 'Error', 'Code')).toBe('AuthFailure');
  });
});

describe('EC2 Query API, Eucalyptus 2.0 (signature v2)', () => {
  let sim: RunningSimulator;

  beforeAll(async () => {
    sim = await startSimulator({
      port: 0,
      eucaVersion: '2.0',
      seed: 'T',
      imageSize: 64 * 1024,
    });
  });
  afterAll(async () => {
    await sim.close();
  });

  it("shows an admin every user's instances without verbose, owners as user names, no ipAddress", async () => {
    const r = await queryV2(
      sim.urls.ec2,
      { Action: 'DescribeInstances', Version: '2010-08-31' },
      sim.admin,
    );
    expect(r.status).toBe(200);
    expect(at(r.xml, 'DescribeInstancesResponse', '@_xmlns')).toBe(
      'http://ec2.amazonaws.com/doc/2010-08-31/',
    );
    const reservations = items(r.xml, 'DescribeInstancesResponse', 'reservationSet');
    const seen = reservations.flatMap((res) =>
      items(res, 'instancesSet').map((i) => ({
        id: i['instanceId'],
        owner: res['ownerId'],
        group: at(items(res, 'groupSet')[0], 'groupId'),
      })),
    );
    expect(seen).toHaveLength(sim.scenario.instances.length);
    for (const inst of sim.scenario.instances)
      expect(seen).toContainEqual({ id: inst.id, owner: inst.owner, group: inst.groups[0] });
    const one = items(reservations[0], 'instancesSet')[0] ?? {};
    expect(one['ipAddress']).toBeUndefined();
    expect(one['privateDnsName']).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it('keeps key pairs private even from the admin', async () => {
    const r = await queryV2(
      sim.urls.ec2,
      { Action: 'DescribeKeyPairs', Version: '2009-11-30' },
      sim.admin,
    );
    expect(items(r.xml, 'DescribeKeyPairsResponse', 'keySet').map((k) => k['keyName'])).toEqual([
      'admin-key',
    ]);
    const fp = items(r.xml, 'DescribeKeyPairsResponse', 'keySet')[0]?.['keyFingerprint'];
    expect(fp).toMatch(/^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
  });

  it('lists every address in the admin form', async () => {
    const r = await queryV2(
      sim.urls.ec2,
      { Action: 'DescribeAddresses', Version: '2009-11-30' },
      sim.admin,
    );
    const list = items(r.xml, 'DescribeAddressesResponse', 'addressesSet');
    expect(list).toHaveLength(sim.scenario.addresses.length);
    const assoc = sim.scenario.addresses.find(
      (a) => a.kind === 'elastic' && a.owner === 'alice' && a.instanceId,
    );
    expect(list.find((a) => a['publicIp'] === assoc?.publicIp)?.['instanceId']).toBe(
      `${assoc?.instanceId} (alice)`,
    );
    expect(list.some((a) => a['instanceId'] === 'available (alice)')).toBe(true);
    expect(list.some((a) => a['instanceId'] === 'nobody')).toBe(true);
    expect(list.some((a) => String(a['instanceId']).endsWith('(eucalyptus)'))).toBe(true);
  });

  it('shows security groups with user-name owners and grants; admin may name user::group', async () => {
    const r = await queryV2(
      sim.urls.ec2,
      { Action: 'DescribeSecurityGroups', Version: '2009-11-30', 'GroupName.1': 'alice::db' },
      sim.admin,
    );
    const groups = items(r.xml, 'DescribeSecurityGroupsResponse', 'securityGroupInfo');
    expect(groups).toHaveLength(1);
    expect(groups[0]?.['ownerId']).toBe('alice');
    expect(groups[0]?.['groupId']).toBeUndefined();
    const perms = items(groups[0], 'ipPermissions');
    expect(items(perms[0], 'groups')[0]).toEqual({ userId: 'alice', groupName: 'web' });
  });

  it('shows a user only its own resources', async () => {
    const bob = sim.scenario.users.find((u) => u.name === 'bob');
    if (!bob) throw new Error('no bob');
    for (const [action, set, count] of [
      [
        'DescribeVolumes',
        'volumeSet',
        sim.scenario.volumes.filter((v) => v.owner === 'bob').length,
      ],
      [
        'DescribeSnapshots',
        'snapshotSet',
        sim.scenario.snapshots.filter((v) => v.owner === 'bob').length,
      ],
      [
        'DescribeAddresses',
        'addressesSet',
        sim.scenario.addresses.filter((v) => v.owner === 'bob').length,
      ],
    ] as const) {
      const r = await queryV2(sim.urls.ec2, { Action: action, Version: '2009-11-30' }, bob, {
        method: 'GET',
      });
      expect(items(r.xml, `${action}Response`, set)).toHaveLength(count);
    }
  });

  it('describes images, launch permissions, zones and regions with 2.0 owners', async () => {
    const images = await queryV2(
      sim.urls.ec2,
      { Action: 'DescribeImages', Version: '2009-11-30' },
      sim.admin,
    );
    const list = items(images.xml, 'DescribeImagesResponse', 'imagesSet');
    expect(list.map((i) => `${String(i['imageId'])} ${String(i['imageOwnerId'])}`).sort()).toEqual(
      sim.scenario.images
        .filter((i) => i.state === 'available')
        .map((i) => `${i.id} ${i.owner}`)
        .sort(),
    );
    const shared = sim.scenario.images.find((i) => i.launchPermissions.length > 0);
    const attr = await queryV2(
      sim.urls.ec2,
      {
        Action: 'DescribeImageAttribute',
        Version: '2009-11-30',
        ImageId: shared?.id ?? '',
        Attribute: 'launchPermission',
      },
      sim.admin,
    );
    expect(items(attr.xml, 'DescribeImageAttributeResponse', 'launchPermission')).toEqual([
      { userId: 'bob' },
    ]);
    const missing = await queryV2(
      sim.urls.ec2,
      {
        Action: 'DescribeImageAttribute',
        Version: '2009-11-30',
        ImageId: 'emi-00000000',
        Attribute: 'launchPermission',
      },
      sim.admin,
    );
    expect(at(missing.xml, 'Response', 'Errors', 'Error', 'Code')).toBe('InvalidAMIID.NotFound');
    const zones = await queryV2(
      sim.urls.ec2,
      { Action: 'DescribeAvailabilityZones', Version: '2009-11-30', 'ZoneName.1': 'verbose' },
      sim.admin,
    );
    const z = items(zones.xml, 'DescribeAvailabilityZonesResponse', 'availabilityZoneInfo');
    expect(z[0]).toEqual({ zoneName: 'cluster01', zoneState: sim.scenario.zones[0]?.ccHost });
    expect(z).toHaveLength(2 + sim.scenario.vmTypes.length);
    const regions = await queryV2(
      sim.urls.ec2,
      { Action: 'DescribeRegions', Version: '2009-11-30' },
      sim.admin,
    );
    expect(
      items(regions.xml, 'DescribeRegionsResponse', 'regionInfo').map((r) => r['regionName']),
    ).toEqual(['Eucalyptus', 'Walrus']);
  });

  it('accepts signature v1', async () => {
    const u = new URL(sim.urls.ec2);
    const params: Record<string, string> = {
      Action: 'DescribeRegions',
      Version: '2009-11-30',
      AWSAccessKeyId: sim.admin.accessKey,
      SignatureVersion: '1',
      Timestamp: new Date().toISOString(),
    };
    const toSign = Object.keys(params)
      .sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()))
      .map((k) => `${k}${params[k] ?? ''}`)
      .join('');
    params['Signature'] = createHmac('sha1', sim.admin.secretKey).update(toSign).digest('base64');
    const res = await fetch(`${u.origin}${u.pathname}?${new URLSearchParams(params).toString()}`);
    expect(res.status).toBe(200);
  });

  it('rejects signature v4, a bad signature, a missing Version and unknown actions', async () => {
    const client = ec2(sim, sim.admin);
    await expect(client.send(new DescribeInstancesCommand({}))).rejects.toMatchObject({
      name: 'AuthFailure',
    });
    const tampered = await queryV2(
      sim.urls.ec2,
      { Action: 'DescribeVolumes', Version: '2009-11-30' },
      sim.admin,
      { tamper: true },
    );
    expect(at(tampered.xml, 'Response', 'Errors', 'Error', 'Code')).toBe('AuthFailure');
    const noVersion = await queryV2(sim.urls.ec2, { Action: 'DescribeVolumes' }, sim.admin);
    expect(at(noVersion.xml, 'Response', 'Errors', 'Error', 'Code')).toBe('MissingParameter');
    const unknown = await queryV2(
      sim.urls.ec2,
      { Action: 'Bogus', Version: '2009-11-30' },
      sim.admin,
    );
    expect(at(unknown.xml, 'Response', 'Errors', 'Error', 'Code')).toBe('InvalidAction');
  });
});

describe('EC2 Query API in SYSTEM mode (2.0)', () => {
  it('has no elastic addresses and shows the DHCP address as both names', async () => {
    const sim = await startSimulator({
      port: 0,
      eucaVersion: '2.0',
      seed: 'T',
      networkMode: 'SYSTEM',
      imageSize: 4096,
    });
    try {
      const r = await queryV2(
        sim.urls.ec2,
        { Action: 'DescribeAddresses', Version: '2009-11-30' },
        sim.admin,
      );
      expect(items(r.xml, 'DescribeAddressesResponse', 'addressesSet')).toEqual([]);
      const inst = await queryV2(
        sim.urls.ec2,
        { Action: 'DescribeInstances', Version: '2009-11-30' },
        sim.admin,
      );
      const running = items(inst.xml, 'DescribeInstancesResponse', 'reservationSet')
        .flatMap((res) => items(res, 'instancesSet'))
        .filter((i) => at(i, 'instanceState', 'name') === 'running');
      expect(running.length).toBeGreaterThan(0);
      for (const i of running) expect(i['dnsName']).toBe(i['privateDnsName']);
    } finally {
      await sim.close();
    }
  });
});

describe('EC2 Query API on a scale:N scenario', () => {
  it('serves every resource of N users to the admin', async () => {
    const sim = await startSimulator({
      port: 0,
      eucaVersion: '3.4',
      scenario: 'scale:30',
      seed: 'T',
      imageSize: 4096,
      controllerDb: 'none',
    });
    try {
      const client = ec2(sim, sim.admin);
      const inst = await client.send(new DescribeInstancesCommand({ InstanceIds: ['verbose'] }));
      expect((inst.Reservations ?? []).flatMap((r) => r.Instances ?? [])).toHaveLength(300);
      const vols = await client.send(new DescribeVolumesCommand({ VolumeIds: ['verbose'] }));
      expect(vols.Volumes).toHaveLength(150);
      const groups = await client.send(
        new DescribeSecurityGroupsCommand({ GroupNames: ['verbose'] }),
      );
      expect(groups.SecurityGroups).toHaveLength(90);
      expect(groups.SecurityGroups?.every((g) => (g.IpPermissions ?? []).length === 5)).toBe(true);
      const keys = await client.send(new DescribeKeyPairsCommand({ KeyNames: ['verbose'] }));
      expect(keys.KeyPairs).toHaveLength(60);
    } finally {
      await sim.close();
    }
  });
});
