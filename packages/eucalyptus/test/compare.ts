import type { startSimulator, Scenario } from '@euca2nova/euca-sim';
import { expect } from 'vitest';
import type { Inventory, Owner } from '@euca2nova/model';

export type Sim = Awaited<ReturnType<typeof startSimulator>>;

/** The scenario owner (a user name) as the inventory should show it for this version. */
function expectedOwner(s: Scenario, owner: string): Owner {
  if (s.eucaVersion === '2.0') return { userName: owner };
  const u = s.users.find((x) => x.name === owner);
  return { accountNumber: u?.accountNumber ?? '', accountName: u?.accountName ?? '' };
}
const acct = (o: Owner | undefined): Owner | undefined =>
  o === undefined
    ? undefined
    : o.userName !== undefined && o.accountNumber === undefined
      ? { userName: o.userName }
      : { accountNumber: o.accountNumber ?? '', accountName: o.accountName ?? '' };

export function compare(sim: Sim, inv: Inventory): void {
  const s = sim.scenario;
  const v2 = s.eucaVersion === '2.0';
  // Users: 2.0 every user with its secret; 3.4 every non-system account's user, secrets from the DB.
  expect(inv.users.map((u) => u.accountName ?? u.userName).sort()).toEqual(
    s.users.map((u) => (v2 ? u.name : u.accountName)).sort(),
  );
  for (const su of s.users) {
    const u = inv.users.find(
      (x) => (x.accountName ?? x.userName) === (v2 ? su.name : su.accountName),
    );
    expect(u?.accessKeys[0]?.accessKeyId).toBe(su.accessKey);
    expect(u?.accessKeys[0]?.secretKey).toBe(su.secretKey);
    expect(u?.admin).toBe(su.isAdmin);
  }
  // Instances with owners, images, groups, keys, addresses.
  const visibleImages = s.images.filter((i) => (v2 ? i.state === 'available' : true));
  expect(inv.images.map((i) => i.imageId).sort()).toEqual(visibleImages.map((i) => i.id).sort());
  for (const si of visibleImages) {
    const i = inv.images.find((x) => x.imageId === si.id);
    expect(i?.owner).toEqual(v2 ? { userName: si.owner } : expectedOwner(s, si.owner));
    expect(i?.imageLocation).toBe(si.location);
    expect(i?.isPublic).toBe(si.isPublic);
    expect(i?.kernelId).toBe(si.kernelId);
    expect(i?.sizeBytes).toBe(si.size);
    expect(i?.imageState).toBe(si.state);
    const perms = (i?.launchPermissions ?? []).map((p) => ('group' in p ? 'all' : p.userId)).sort();
    const want = [
      ...(si.isPublic ? ['all'] : []),
      ...si.launchPermissions.map((u) =>
        v2 ? u : (s.users.find((x) => x.name === u)?.accountNumber ?? ''),
      ),
    ].sort();
    expect(perms).toEqual(want);
  }
  expect(inv.instances).toHaveLength(s.instances.length);
  for (const si of s.instances) {
    const i = inv.instances.find((x) => x.instanceId === si.id);
    expect(i, si.id).toBeDefined();
    expect(acct(i?.owner)).toEqual(expectedOwner(s, si.owner));
    expect(i?.reservationId).toBe(si.reservationId);
    expect(i?.imageId).toBe(si.imageId);
    expect(i?.state.name).toBe(si.state);
    expect(i?.keyName).toBe(si.keyName);
    expect(i?.groups.map((g) => g.groupName)).toEqual(si.groups);
    expect(i?.privateIpAddress).toBe(si.privateIp);
    if (si.publicIp !== undefined && si.publicIp !== si.privateIp)
      expect(i?.publicIpAddress).toBe(si.publicIp);
    expect(i?.instanceType).toBe(si.instanceType);
    expect(i?.launchIndex).toBe(si.launchIndex);
  }
  expect(inv.volumes).toHaveLength(s.volumes.length);
  for (const sv of s.volumes) {
    const v = inv.volumes.find((x) => x.volumeId === sv.id);
    expect(v?.sizeGiB).toBe(sv.sizeGiB);
    expect(v?.snapshotId).toBe(sv.snapshotId);
    expect(v?.attachments[0]?.instanceId).toBe(sv.attachment?.instanceId);
    const owner = s.users.find((u) => u.name === sv.owner);
    // Owners come from per-user listings; a disabled user's unattached volume is a finding instead.
    if (v?.owner) expect(acct(v.owner)).toEqual(expectedOwner(s, sv.owner));
    else {
      expect(owner?.enabled).toBe(false);
      expect(
        inv.findings.some(
          (f) => f.ruleId === 'volume.owner-unknown' && f.affectedIds.includes(sv.id),
        ),
      ).toBe(true);
    }
  }
  expect(inv.snapshots.map((x) => x.snapshotId).sort()).toEqual(
    s.snapshots.map((x) => x.id).sort(),
  );
  for (const ss of s.snapshots) {
    const x = inv.snapshots.find((y) => y.snapshotId === ss.id);
    expect(x?.volumeId).toBe(ss.volumeId);
    expect(acct(x?.owner)).toEqual(expectedOwner(s, ss.owner));
  }
  expect(inv.securityGroups).toHaveLength(s.securityGroups.length);
  for (const sg of s.securityGroups) {
    const g = inv.securityGroups.find(
      (x) =>
        x.groupName === sg.name &&
        JSON.stringify(acct(x.owner)) === JSON.stringify(expectedOwner(s, sg.owner)),
    );
    expect(g, `${sg.owner}/${sg.name}`).toBeDefined();
    expect(g?.rules.length).toBe(sg.rules.length);
    expect(g?.rules.flatMap((r) => r.ipRanges)).toEqual(sg.rules.flatMap((r) => r.cidrs));
    expect(g?.rules.flatMap((r) => r.groups.map((x) => x.groupName))).toEqual(
      sg.rules.flatMap((r) => r.groups.map((x) => x.groupName)),
    );
  }
  // Key pairs: 2.0 listed as each enabled user; 3.4 from the controller database, with public keys.
  const listable = s.keyPairs.filter(
    (k) => !v2 || s.users.find((u) => u.name === k.owner)?.enabled,
  );
  expect(inv.keyPairs.map((k) => k.keyName).sort()).toEqual(listable.map((k) => k.name).sort());
  for (const sk of listable) {
    const k = inv.keyPairs.find((x) => x.keyName === sk.name);
    expect(k?.fingerprint).toBe(sk.fingerprint);
    expect(acct(k?.owner)).toEqual(expectedOwner(s, sk.owner));
    if (!v2) expect(k?.publicKey).toBe(sk.publicKey);
  }
  // Addresses.
  expect(inv.addresses.map((a) => a.publicIp).sort()).toEqual(
    s.addresses.map((a) => a.publicIp).sort(),
  );
  for (const sa of s.addresses) {
    const a = inv.addresses.find((x) => x.publicIp === sa.publicIp);
    if (sa.kind === 'free') expect(a?.state).toBe('unallocated');
    else {
      expect(a?.instanceId).toBe(sa.instanceId);
      if (sa.kind === 'elastic') expect(acct(a?.owner)).toEqual(expectedOwner(s, sa.owner ?? ''));
    }
  }
  expect(inv.availabilityZones.map((z) => z.zoneName)).toEqual(s.zones.map((z) => z.name));
  expect(inv.availabilityZones[0]?.vmTypes.map((t) => t.name)).toEqual(
    s.vmTypes.map((t) => t.name),
  );
  expect(inv.network.mode).toBe(s.networkMode);
}
