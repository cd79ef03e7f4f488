import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  AddressSchema,
  ImageSchema,
  InstanceStateSchema,
  InventorySchema,
  KeyPairSchema,
  ManifestLocationSchema,
  OwnerSchema,
  SecurityGroupRuleSchema,
  UserSchema,
  VnetConfigSchema,
  stripInventorySecrets,
  type Inventory,
} from '../src/index.ts';
import { realisticInventory, without } from './fixtures.ts';

function issuePaths(result: z.ZodSafeParseResult<unknown>): string[] {
  return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
}

describe('Inventory', () => {
  it('parses a realistic 2.0 inventory unchanged', () => {
    const inv = realisticInventory();
    expect(InventorySchema.parse(inv)).toEqual(inv);
  });

  it('has exactly the agreed top-level keys', () => {
    expect(Object.keys(InventorySchema.shape).sort()).toEqual(
      [
        'addresses',
        'availabilityZones',
        'findings',
        'images',
        'instances',
        'keyPairs',
        'metadata',
        'network',
        'securityGroups',
        'snapshots',
        'users',
        'volumes',
      ].sort(),
    );
  });

  it('rejects a wrong type with the path of the field', () => {
    const inv = realisticInventory() as unknown as { volumes: { sizeGiB: unknown }[] };
    const vol = inv.volumes[0];
    if (vol) vol.sizeGiB = '10';
    expect(issuePaths(InventorySchema.safeParse(inv))).toEqual(['volumes.0.sizeGiB']);
  });

  it('rejects a missing required field with its path', () => {
    const inv = realisticInventory();
    const first = inv.instances[0];
    if (first === undefined) throw new Error('fixture has an instance');
    const broken = { ...inv, instances: [without(first, 'reservationId')] };
    expect(issuePaths(InventorySchema.safeParse(broken))).toEqual(['instances.0.reservationId']);
  });

  it('rejects a missing top-level list and an unknown top-level key', () => {
    const noFindings = without(realisticInventory(), 'findings');
    expect(issuePaths(InventorySchema.safeParse(noFindings))).toEqual(['findings']);
    const extra = { ...realisticInventory(), accounts: [] };
    const r = InventorySchema.safeParse(extra);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.code).toBe('unrecognized_keys');
  });

  it('rejects a bad EC2 id deep inside, naming where', () => {
    const inv = realisticInventory();
    const att = inv.volumes[0]?.attachments[0];
    if (att) att.instanceId = 'i-../../etc';
    const r = InventorySchema.safeParse(inv);
    expect(issuePaths(r)).toEqual(['volumes.0.attachments.0.instanceId']);
    expect(r.error?.issues[0]?.message).toContain('FORBIDDEN_CHARACTER');
  });

  it('rejects duplicate ids, case-insensitively', () => {
    const inv = realisticInventory();
    const first = inv.instances[0];
    if (first) inv.instances.push({ ...first, instanceId: first.instanceId.toLowerCase() });
    const r = InventorySchema.safeParse(inv);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/duplicate instances entry i-4917082c/);
  });

  it('accepts a user without a secret key (the finding tells why) and a 3.x user with an account', () => {
    const user = {
      userName: 'alice',
      accountName: 'engineering',
      accountNumber: '123456789012',
      admin: false,
      enabled: false,
      accessKeys: [
        { accessKeyId: 'AKIAEXAMPLE0123', active: true, createdAt: '2014-01-01T00:00:00Z' },
      ],
    };
    expect(UserSchema.parse(user)).toEqual(user);
    expect(UserSchema.safeParse({ ...user, accountNumber: '12345' }).success).toBe(false);
    expect(UserSchema.safeParse({ ...user, admin: 'yes' }).success).toBe(false);
    expect(UserSchema.safeParse({ ...user, password: 'x' }).success).toBe(false);
  });

  it('refuses an access key id containing ":" (Nova splits access:project)', () => {
    const user = {
      userName: 'alice',
      admin: false,
      enabled: true,
      accessKeys: [{ accessKeyId: 'AK:proj', active: true }],
    };
    expect(issuePaths(UserSchema.safeParse(user))).toEqual(['accessKeys.0.accessKeyId']);
  });

  it('stripInventorySecrets removes every secret key and nothing else', () => {
    const inv = realisticInventory();
    const stripped = stripInventorySecrets(inv);
    expect(JSON.stringify(stripped)).not.toContain('QmbXa9Fc');
    expect(JSON.stringify(inv)).toContain('QmbXa9Fc');
    expect(stripped.users[0]?.accessKeys[0]?.accessKeyId).toBe(
      inv.users[0]?.accessKeys[0]?.accessKeyId,
    );
    expect(InventorySchema.parse(stripped)).toEqual(stripped);
  });
});

describe('item schemas', () => {
  it('owner needs at least one identity', () => {
    expect(OwnerSchema.safeParse({}).success).toBe(false);
    expect(OwnerSchema.safeParse({ accountNumber: '123456789012' }).success).toBe(true);
    expect(OwnerSchema.safeParse({ userName: 'mgreenway' }).success).toBe(true);
    expect(OwnerSchema.safeParse({ userName: 'bad name' }).success).toBe(false);
    expect(OwnerSchema.safeParse({ accountName: '(eucalyptus)loadbalancing' }).success).toBe(true);
  });

  it('image location must be a relative bucket/manifest path', () => {
    expect(ManifestLocationSchema.safeParse('admin/a.img.manifest.xml').success).toBe(true);
    for (const bad of [
      '/etc/passwd',
      'bucket/../other/m.xml',
      'noslash',
      'a//b',
      'a\\b/c',
      'a/b\n',
    ]) {
      expect(ManifestLocationSchema.safeParse(bad).success, bad).toBe(false);
    }
  });

  it('only machine images carry kernel and ramdisk ids; image ids use Eucalyptus prefixes', () => {
    const kernel = realisticInventory().images[1];
    expect(ImageSchema.safeParse({ ...kernel, ramdiskId: 'eri-1BF61154' }).success).toBe(false);
    expect(ImageSchema.safeParse({ ...kernel, imageId: 'aki-E7641078' }).success).toBe(false);
    expect(ImageSchema.safeParse({ ...kernel, imageState: 'decrypting' }).success).toBe(false);
  });

  it('instance state code must match its name', () => {
    expect(InstanceStateSchema.safeParse({ code: 16, name: 'running' }).success).toBe(true);
    expect(InstanceStateSchema.safeParse({ code: 48, name: 'running' }).success).toBe(false);
    expect(InstanceStateSchema.safeParse({ code: 64, name: 'buried' }).success).toBe(false);
  });

  it('address state, owner and instance agree', () => {
    expect(AddressSchema.safeParse({ publicIp: '192.0.2.1', state: 'unallocated' }).success).toBe(
      true,
    );
    expect(AddressSchema.safeParse({ publicIp: '192.0.2.1', state: 'allocated' }).success).toBe(
      false,
    );
    expect(
      AddressSchema.safeParse({
        publicIp: '192.0.2.1',
        state: 'associated',
        owner: { userName: 'a' },
      }).success,
    ).toBe(false);
    expect(
      AddressSchema.safeParse({
        publicIp: '192.0.2.1',
        state: 'allocated',
        owner: { userName: 'a' },
        instanceId: 'i-00000001',
      }).success,
    ).toBe(false);
    expect(AddressSchema.safeParse({ publicIp: '192.0.2.300', state: 'unallocated' }).success).toBe(
      false,
    );
  });

  it('security group rules need a target and valid CIDRs and ports', () => {
    expect(
      SecurityGroupRuleSchema.safeParse({ ipProtocol: 'tcp', ipRanges: [], groups: [] }).success,
    ).toBe(false);
    expect(
      SecurityGroupRuleSchema.safeParse({
        ipProtocol: 'tcp',
        fromPort: 22,
        toPort: 22,
        ipRanges: ['0.0.0.0/33'],
        groups: [],
      }).success,
    ).toBe(false);
    expect(
      SecurityGroupRuleSchema.safeParse({
        ipProtocol: 'tcp',
        fromPort: 70000,
        ipRanges: ['0.0.0.0/0'],
        groups: [],
      }).success,
    ).toBe(false);
    expect(
      SecurityGroupRuleSchema.safeParse({ ipProtocol: 'gre', ipRanges: ['0.0.0.0/0'], groups: [] })
        .success,
    ).toBe(false);
  });

  it('key pairs: fingerprint shape, optional public key that must be one OpenSSH line', () => {
    const kp = { keyName: 'k', fingerprint: '1f:51:ae:28' };
    expect(KeyPairSchema.safeParse(kp).success).toBe(true);
    expect(KeyPairSchema.safeParse({ ...kp, fingerprint: '1f51ae28' }).success).toBe(false);
    expect(
      KeyPairSchema.safeParse({ ...kp, publicKey: 'ssh-rsa AAAA\nssh-rsa BBBB' }).success,
    ).toBe(false);
    expect(
      KeyPairSchema.safeParse({ ...kp, publicKey: '-----BEGIN RSA PRIVATE KEY-----' }).success,
    ).toBe(false);
  });

  it('network: VNET values are typed and public IP ranges ordered', () => {
    expect(VnetConfigSchema.safeParse({ subnet: '10.0.0.0', addrsPerNet: 32 }).success).toBe(true);
    expect(VnetConfigSchema.safeParse({ addrsPerNet: '32' }).success).toBe(false);
    expect(
      VnetConfigSchema.safeParse({ publicIps: [{ first: '192.0.2.9', last: '192.0.2.1' }] })
        .success,
    ).toBe(false);
    expect(VnetConfigSchema.safeParse({ bridge: 'br0; rm -rf /' }).success).toBe(false);
    expect(
      VnetConfigSchema.safeParse({ macMap: [{ mac: 'AA:DD:11:CE:FF:ED', ip: '192.168.1.2' }] })
        .success,
    ).toBe(true);
    const inv: Inventory = realisticInventory();
    expect(
      InventorySchema.safeParse({ ...inv, network: { ...inv.network, mode: 'FLAT' } }).success,
    ).toBe(false);
    expect(
      InventorySchema.safeParse({
        ...inv,
        network: { ...inv.network, mode: 'EDGE', source: 'cloud-properties' },
      }).success,
    ).toBe(true);
  });

  it('metadata: endpoints carry no credentials and the major version matches', () => {
    const inv = realisticInventory();
    const withCreds = {
      ...inv,
      metadata: {
        ...inv.metadata,
        source: { ...inv.metadata.source, endpoint: 'http://admin:pw@clc:8773/' },
      },
    };
    expect(InventorySchema.safeParse(withCreds).success).toBe(false);
    const mismatch = {
      ...inv,
      metadata: { ...inv.metadata, source: { ...inv.metadata.source, majorVersion: 4 } },
    };
    expect(issuePaths(InventorySchema.safeParse(mismatch))).toEqual([
      'metadata.source.majorVersion',
    ]);
  });
});
