import { createHash, createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NETWORK_MODES, generateScenario } from '../src/scenario.ts';
import { ipToInt } from '../src/network.ts';
import { renderEucalyptusConf } from '../src/network.ts';
import { imageKey, imageSha256, imageStream } from '../src/content.ts';

describe('scenario generator', () => {
  const demo = generateScenario({
    scenario: 'demo',
    seed: 'T',
    eucaVersion: '2.0',
    networkMode: 'MANAGED',
  });

  it('is deterministic in the seed', () => {
    const again = generateScenario({
      scenario: 'demo',
      seed: 'T',
      eucaVersion: '2.0',
      networkMode: 'MANAGED',
    });
    expect(again).toEqual(demo);
    const other = generateScenario({
      scenario: 'demo',
      seed: 'T2',
      eucaVersion: '2.0',
      networkMode: 'MANAGED',
    });
    expect(other.instances.map((i) => i.id)).not.toEqual(demo.instances.map((i) => i.id));
  });

  it('has the demo cloud: 6 users, one disabled, one admin, and every kind of resource', () => {
    expect(demo.users).toHaveLength(6);
    expect(demo.users.filter((u) => !u.enabled)).toHaveLength(1);
    expect(demo.users.filter((u) => u.isAdmin)).toHaveLength(1);
    expect(new Set(demo.images.map((i) => i.kind))).toEqual(
      new Set(['machine', 'kernel', 'ramdisk']),
    );
    expect(demo.images.some((i) => !i.isPublic && i.launchPermissions.length > 0)).toBe(true);
    expect(new Set(demo.instances.map((i) => i.state))).toEqual(new Set(['running', 'stopped']));
    expect(new Set(demo.instances.map((i) => i.owner)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(demo.volumes.map((v) => v.status))).toEqual(new Set(['available', 'in-use']));
    expect(demo.snapshots.length).toBeGreaterThan(2);
    expect(demo.addresses.some((a) => a.kind === 'elastic' && a.instanceId)).toBe(true);
    expect(demo.addresses.some((a) => a.kind === 'elastic' && !a.instanceId)).toBe(true);
    expect(demo.securityGroups.some((g) => g.rules.some((r) => r.groups.length > 0))).toBe(true);
    expect(demo.securityGroups.some((g) => g.rules.some((r) => r.cidrs.length > 0))).toBe(true);
  });

  it('draws upper-case 8-hex ids, some above 7FFFFFFF', () => {
    const ids = [...demo.instances, ...demo.volumes, ...demo.snapshots, ...demo.images].map(
      (x) => x.id,
    );
    for (const id of ids) expect(id).toMatch(/^(i|vol|snap|emi|eki|eri)-[0-9A-F]{8}$/);
    expect(ids.some((id) => parseInt(id.split('-')[1] ?? '0', 16) > 0x7fffffff)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has real RSA key pairs whose fingerprint is the SHA-1 of the PKCS#8 private key', () => {
    for (const kp of demo.keyPairs) {
      const key = createPrivateKey(kp.privateKeyPem);
      expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
      const der = key.export({ type: 'pkcs8', format: 'der' });
      const fp = (createHash('sha1').update(der).digest('hex').match(/../g) ?? []).join(':');
      expect(kp.fingerprint).toBe(fp);
      expect(kp.publicKey).toMatch(/^ssh-rsa AAAAB3NzaC1yc2E/);
    }
  });

  it('puts MANAGED instances in per-group subnets consistent with eucalyptus.conf', () => {
    const conf = demo.network.conf;
    expect(conf['VNET_MODE']).toBe('MANAGED');
    const base = ipToInt(conf['VNET_SUBNET'] ?? '');
    const size = Number(conf['VNET_ADDRSPERNET']);
    const [lo, hi] = (conf['VNET_PUBLICIPS'] ?? '').split('-').map(ipToInt);
    for (const inst of demo.instances) {
      const block = Math.floor((ipToInt(inst.privateIp) - base) / size);
      expect(block).toBe((inst.vlan ?? 0) - 2);
      const host = (ipToInt(inst.privateIp) - base) % size;
      expect(host).toBeGreaterThanOrEqual(2);
      expect(host).toBeLessThanOrEqual(size - 2);
      if (inst.publicIp !== undefined) {
        expect(ipToInt(inst.publicIp)).toBeGreaterThanOrEqual(lo ?? 0);
        expect(ipToInt(inst.publicIp)).toBeLessThanOrEqual(hi ?? 0);
      }
    }
    expect(renderEucalyptusConf(demo.network, '2.0')).toContain('VNET_MODE="MANAGED"');
  });

  it('writes a consistent configuration for every network mode', () => {
    for (const mode of NETWORK_MODES) {
      const s = generateScenario({
        scenario: 'demo',
        seed: 'T',
        eucaVersion: '3.4',
        networkMode: mode,
      });
      expect(s.network.conf['VNET_MODE']).toBe(mode);
      if (mode === 'STATIC') {
        for (const inst of s.instances)
          expect(s.network.conf['VNET_MACMAP']).toContain(
            `${inst.macAddress.toUpperCase()}=${inst.privateIp}`,
          );
      }
      if (mode === 'SYSTEM' || mode === 'STATIC') expect(s.addresses).toHaveLength(0);
      else expect(s.addresses.length).toBeGreaterThan(0);
    }
    const s34 = generateScenario({
      scenario: 'demo',
      seed: 'T',
      eucaVersion: '3.4',
      networkMode: 'MANAGED',
    });
    for (const inst of s34.instances)
      expect((ipToInt(inst.privateIp) - ipToInt('10.1.0.0')) % 32).toBeGreaterThanOrEqual(9);
    expect(s34.accounts.some((a) => a.name.startsWith('(eucalyptus)'))).toBe(true);
    for (const a of s34.accounts) expect(a.number).toMatch(/^\d{12}$/);
  });

  it('scales in proportion', () => {
    const s = generateScenario({
      scenario: 'scale:20',
      seed: 'T',
      eucaVersion: '2.0',
      networkMode: 'MANAGED',
    });
    expect(s.users).toHaveLength(21);
    expect(s.instances).toHaveLength(200);
    expect(s.volumes).toHaveLength(100);
    expect(s.snapshots).toHaveLength(40);
    expect(s.securityGroups).toHaveLength(60);
    expect(s.keyPairs).toHaveLength(40);
    expect(s.addresses.filter((a) => a.kind === 'elastic')).toHaveLength(20);
  });

  it('streams image bytes deterministically, with any range reachable', async () => {
    const key = imageKey('T', 'emi-00000001');
    const chunks: Buffer[] = [];
    for await (const c of imageStream(key, 100_000)) chunks.push(c as Buffer);
    const all = Buffer.concat(chunks);
    expect(all.length).toBe(100_000);
    const part: Buffer[] = [];
    for await (const c of imageStream(key, 100_000, 12_345, 54_321)) part.push(c as Buffer);
    expect(Buffer.concat(part).equals(all.subarray(12_345, 54_321))).toBe(true);
    expect(await imageSha256(key, 100_000)).toBe(createHash('sha256').update(all).digest('hex'));
  });
});

describe('scale:N with more images', () => {
  it('adds private machine images owned by the users in turn', () => {
    const s = generateScenario({
      scenario: 'scale:3',
      seed: 'images',
      eucaVersion: '2.0',
      networkMode: 'MANAGED',
      imageCount: 9,
    });
    expect(s.images).toHaveLength(9);
    const extra = s.images.filter((i) => i.name.startsWith('custom-'));
    expect(extra).toHaveLength(4);
    expect(extra.every((i) => !i.isPublic && i.kind === 'machine')).toBe(true);
    expect(new Set(extra.map((i) => i.owner))).toEqual(
      new Set(['user0001', 'user0002', 'user0003']),
    );
  });
});
