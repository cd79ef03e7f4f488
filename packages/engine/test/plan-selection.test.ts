import { describe, expect, it } from 'vitest';
import { demoInventory, demoMappings } from '@euca2nova/nova/testing';
import {
  InventoryBrowser,
  PREVIEW_PULLED_IN_LIMIT,
  PlanError,
  plan,
  previewSelection,
  selectWithDependencies,
  selectedInventory,
} from '../src/index.ts';
import { bexarTarget } from './plan-fixtures.ts';

const closureOf = (selection: Parameters<typeof selectWithDependencies>[1]) =>
  selectWithDependencies(demoInventory('MANAGED'), selection).resources.map((r) => ({
    kind: r.ref.kind,
    sourceId: r.ref.sourceId,
    pulledInBy: r.pulledInBy,
  }));

describe('selection closure', () => {
  it('selects everything, with nothing pulled in, when there is no filter', () => {
    const all = closureOf({});
    expect(all).toHaveLength(23); // 3 users, 2 key pairs, 3 groups, 3 addresses, 4 images, 3 volumes, 5 instances
    expect(all.filter((r) => r.pulledInBy !== undefined)).toEqual([]);
  });

  it('brings an instance its owner, key pair, groups, image, kernel, ramdisk, volumes and address', () => {
    const inv = demoInventory('MANAGED');
    const one = { ...inv, instances: inv.instances.filter((i) => i.instanceId === 'i-1A2B3C4D') };
    const c = selectWithDependencies(one, { kinds: ['instance'] });
    const by = (kind: string, id: string) =>
      c.resources.find((r) => r.ref.kind === kind && r.ref.sourceId === id)?.pulledInBy;
    const from = { kind: 'instance', sourceId: 'i-1A2B3C4D' };
    expect(by('user', 'alice')).toEqual({ ...from, relation: 'owner' });
    expect(by('keyPair', 'alice/alice-key')).toEqual({ ...from, relation: 'key-pair' });
    expect(by('securityGroup', 'alice/default')).toEqual({ ...from, relation: 'security-group' });
    expect(by('image', 'emi-AB12CD34')).toEqual({ ...from, relation: 'image' });
    expect(by('image', 'eki-11112222')).toEqual({ ...from, relation: 'kernel' });
    expect(by('image', 'eri-33334444')).toEqual({ ...from, relation: 'ramdisk' });
    expect(by('volume', 'vol-1234ABCD')).toEqual({ ...from, relation: 'attached-volume' });
    expect(by('address', '203.0.113.10')).toEqual({ ...from, relation: 'associated-address' });
    // Owners of what was pulled in come too: the kernel's owner is admin.
    expect(by('user', 'admin')).toEqual({
      kind: 'image',
      sourceId: 'eki-11112222',
      relation: 'owner',
    });
    expect(c.resources.map((r) => r.ref.kind)).not.toContain('snapshot');
    expect(c.includeNetworks).toBe(true);
    expect(c.includeAddressPool).toBe(false);
  });

  it('brings a security group the groups it grants to, across owners', () => {
    const c = closureOf({ users: ['bob'], kinds: ['securityGroup'] });
    expect(c).toEqual([
      {
        kind: 'user',
        sourceId: 'alice',
        pulledInBy: { kind: 'securityGroup', sourceId: 'alice/web', relation: 'owner' },
      },
      {
        kind: 'user',
        sourceId: 'bob',
        pulledInBy: { kind: 'securityGroup', sourceId: 'bob/default', relation: 'owner' },
      },
      {
        kind: 'securityGroup',
        sourceId: 'alice/default',
        pulledInBy: { kind: 'securityGroup', sourceId: 'alice/web', relation: 'granted-group' },
      },
      {
        kind: 'securityGroup',
        sourceId: 'alice/web',
        pulledInBy: { kind: 'securityGroup', sourceId: 'bob/default', relation: 'granted-group' },
      },
      { kind: 'securityGroup', sourceId: 'bob/default', pulledInBy: undefined },
    ]);
  });

  it('brings an image its owner, kernel and ramdisk, and needs no network for images alone', () => {
    const c = selectWithDependencies(demoInventory('MANAGED'), { kinds: ['image'] });
    expect(c.includeNetworks).toBe(false);
    expect(
      c.resources.filter((r) => r.pulledInBy !== undefined).map((r) => r.ref.sourceId),
    ).toEqual(['admin', 'alice', 'bob']);
  });

  it('pulls nothing in for an instance that has ended', () => {
    const c = closureOf({ users: ['bob'], kinds: ['instance'] });
    const pulledByEnded = c.filter((r) => r.pulledInBy?.sourceId === 'i-0BADBEEF');
    expect(pulledByEnded).toEqual([]);
    expect(c.map((r) => r.sourceId)).not.toContain('emi-AB12CD34');
  });

  it('restricts by user: the users themselves and what they own', () => {
    const c = closureOf({ users: ['alice'] });
    const direct = c.filter((r) => r.pulledInBy === undefined).map((r) => r.sourceId);
    expect(direct).toEqual([
      'alice',
      'alice/alice-key',
      'alice/default',
      'alice/web',
      '203.0.113.10',
      'emi-AB12CD34',
      'vol-1234ABCD',
      'i-1A2B3C4D',
      'i-9A3B1C2D',
    ]);
  });

  it('says in the plan what was pulled in and why', () => {
    const r = plan(
      demoInventory('MANAGED'),
      { kinds: ['instance'] },
      demoMappings({}, 'MANAGED'),
      bexarTarget(),
    );
    const kernel = r.items.find((i) => i.sourceId === 'eki-11112222');
    expect(kernel?.pulledInBy).toEqual({
      kind: 'instance',
      sourceId: 'i-00C0FFEE',
      relation: 'kernel',
    });
    const info = r.findings.find((f) => f.ruleId === 'selection.dependencies-pulled-in');
    expect(info?.severity).toBe('info');
    expect(info?.affectedIds).toContain('eki-11112222');
    expect(info?.message).toContain('image eki-11112222 (kernel of i-00C0FFEE)');
  });

  it('leaves a volume attached to an unselected instance out, saying so', () => {
    const r = plan(
      demoInventory('MANAGED'),
      { kinds: ['volume'] },
      demoMappings({}, 'MANAGED'),
      bexarTarget(),
    );
    const v = r.items.find((i) => i.sourceId === 'vol-1234ABCD');
    expect(v?.action).toBe('unsupported');
    expect(v?.reason).toMatch(/attached to i-1A2B3C4D, which is not in the plan/);
    expect(r.items.find((i) => i.sourceId === 'vol-8ABCDEF0')?.action).toBe('create');
  });
});

describe('items picked one by one', () => {
  const inventory = demoInventory('MANAGED');
  const direct = (selection: Parameters<typeof selectWithDependencies>[1]) =>
    selectWithDependencies(inventory, selection)
      .resources.filter((r) => r.pulledInBy === undefined)
      .map((r) => `${r.ref.kind} ${r.ref.sourceId}`);

  it('selects just those, with what they need, and neither networks nor the address pool for an image', () => {
    const c = selectWithDependencies(inventory, {
      items: [{ kind: 'image', sourceId: 'emi-AB12CD34' }],
    });
    expect(
      c.resources.filter((r) => r.pulledInBy === undefined).map((r) => r.ref.sourceId),
    ).toEqual(['emi-AB12CD34']);
    // The image brings its owner, kernel and ramdisk, and those their owner.
    expect(c.resources.map((r) => r.ref.sourceId)).toEqual([
      'admin',
      'alice',
      'eki-11112222',
      'emi-AB12CD34',
      'eri-33334444',
    ]);
    expect(c.includeNetworks).toBe(false);
    expect(c.includeAddressPool).toBe(false);
  });

  it('brings the networks along with a picked instance, but not the address pool', () => {
    const c = selectWithDependencies(inventory, {
      items: [{ kind: 'instance', sourceId: 'i-1a2b3c4d' }],
    });
    // Matched case-insensitively, as plan items are; named as the inventory names them.
    expect(c.resources.find((r) => r.pulledInBy === undefined)?.ref.sourceId).toBe('i-1A2B3C4D');
    expect(c.includeNetworks).toBe(true);
    expect(c.includeAddressPool).toBe(false);
  });

  it('adds them to what a kind or user filter matches', () => {
    const volume = { kind: 'volume' as const, sourceId: 'vol-8ABCDEF0' };
    expect(direct({ kinds: ['keyPair'], items: [volume] })).toEqual([
      'keyPair alice/alice-key',
      'keyPair bob/bob-key',
      'volume vol-8ABCDEF0',
    ]);
    const bobs = direct({ users: ['bob'] });
    expect(bobs).not.toContain('image emi-AB12CD34');
    expect(
      direct({ users: ['bob'], items: [{ kind: 'image', sourceId: 'emi-AB12CD34' }] }).sort(),
    ).toEqual([...bobs, 'image emi-AB12CD34'].sort());
    // The whole cloud's address pool stays with whole-cloud selections.
    expect(
      selectWithDependencies(inventory, { kinds: ['address'], items: [volume] }).includeAddressPool,
    ).toBe(true);
  });

  it('refuses items the inventory does not have, naming them', () => {
    const refused = (() => {
      try {
        selectWithDependencies(inventory, {
          items: [
            { kind: 'instance', sourceId: 'i-1A2B3C4D' },
            { kind: 'instance', sourceId: 'i-DEADBEEF' },
            { kind: 'keyPair', sourceId: 'alice/no-such-key' },
          ],
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(PlanError);
    expect(refused).toMatchObject({ code: 'unknown-items' });
    expect((refused as Error).message).toContain(
      '2 item(s) this inventory does not have: instance i-DEADBEEF, keyPair alice/no-such-key',
    );
    // A snapshot id is no image id: the kind is part of the name.
    expect(() =>
      selectWithDependencies(inventory, { items: [{ kind: 'image', sourceId: 'vol-8ABCDEF0' }] }),
    ).toThrow(/image vol-8ABCDEF0/);
  });

  it('refuses a network picked by itself: networks follow from the network configuration', () => {
    expect(() =>
      selectWithDependencies(inventory, { items: [{ kind: 'network', sourceId: '10.0.0.0/24' }] }),
    ).toThrow(/Networks cannot be picked one by one/);
  });

  it('plans and writes only what was picked, without the address pool', () => {
    const mappings = demoMappings({}, 'MANAGED');
    const selection = { items: [{ kind: 'instance' as const, sourceId: 'i-1A2B3C4D' }] };
    const r = plan(inventory, selection, mappings, bexarTarget());
    expect(r.items.filter((i) => i.kind === 'instance').map((i) => i.sourceId)).toEqual([
      'i-1A2B3C4D',
    ]);
    expect(r.items.some((i) => i.kind === 'network')).toBe(true);
    const sel = selectedInventory(inventory, { items: r.items, selection });
    expect(sel.instances.map((i) => i.instanceId)).toEqual(['i-1A2B3C4D']);
    expect(sel.network.vnet.publicIps).toBeUndefined();
  });
});

describe('the selection preview', () => {
  it('counts per kind what is picked and what is pulled in, and lists the pulled-in with why', () => {
    const browser = new InventoryBrowser(demoInventory('MANAGED'));
    const preview = previewSelection(browser.index, {
      items: [{ kind: 'instance', sourceId: 'i-1A2B3C4D' }],
    });
    expect(preview.counts).toEqual({
      user: { selected: 0, pulledIn: 2 },
      keyPair: { selected: 0, pulledIn: 1 },
      securityGroup: { selected: 0, pulledIn: 1 },
      address: { selected: 0, pulledIn: 1 },
      image: { selected: 0, pulledIn: 3 },
      volume: { selected: 0, pulledIn: 1 },
      instance: { selected: 1, pulledIn: 0 },
    });
    expect(preview.pulledInTotal).toBe(9);
    expect(preview.pulledIn).toContainEqual({
      kind: 'image',
      sourceId: 'eki-11112222',
      owner: 'admin',
      pulledInBy: { kind: 'instance', sourceId: 'i-1A2B3C4D', relation: 'kernel' },
    });
    expect(preview.pulledIn).toContainEqual({
      kind: 'user',
      sourceId: 'alice',
      owner: null,
      pulledInBy: { kind: 'instance', sourceId: 'i-1A2B3C4D', relation: 'owner' },
    });
  });

  it('lists at most the first 500 pulled-in resources and counts them all', () => {
    // 600 instances, each pulling its own key pair in.
    const base = demoInventory('MANAGED');
    const template = base.instances.find((i) => i.instanceId === 'i-1A2B3C4D');
    const keyPair = base.keyPairs.find((k) => k.keyName === 'alice-key');
    if (template === undefined || keyPair === undefined) throw new Error('demo changed');
    const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
    const inventory = {
      ...base,
      instances: Array.from({ length: 600 }, (_, n) => ({
        ...template,
        instanceId: `i-${hex(0x10000 + n)}`,
        keyName: `key-${String(n)}`,
      })),
      keyPairs: Array.from({ length: 600 }, (_, n) => ({
        ...keyPair,
        keyName: `key-${String(n)}`,
      })),
      volumes: [],
      addresses: [],
    };
    const preview = previewSelection(inventory, { kinds: ['instance'] });
    expect(preview.counts.instance).toEqual({ selected: 600, pulledIn: 0 });
    expect(preview.counts.keyPair).toEqual({ selected: 0, pulledIn: 600 });
    expect(preview.pulledIn).toHaveLength(PREVIEW_PULLED_IN_LIMIT);
    expect(preview.pulledInTotal).toBeGreaterThan(600);
  });

  it('refuses items the inventory does not have, as planning does', () => {
    expect(() =>
      previewSelection(demoInventory('MANAGED'), {
        items: [{ kind: 'volume', sourceId: 'vol-00000000' }],
      }),
    ).toThrow(PlanError);
  });
});

describe('a 3.x cloud, where resources belong to accounts', () => {
  const base = demoInventory('MANAGED');
  const acct = { accountName: 'acme', accountNumber: '123456789012' };
  const owner = { accountNumber: acct.accountNumber };
  const inventory = {
    ...base,
    metadata: {
      ...base.metadata,
      source: { ...base.metadata.source, version: '3.4.2', majorVersion: 3 as const },
    },
    users: [
      { userName: 'admin', ...acct, admin: false, enabled: true, accessKeys: [] },
      { userName: 'dev', ...acct, admin: false, enabled: true, accessKeys: [] },
    ],
    images: base.images.map((i) => ({ ...i, owner })),
    volumes: base.volumes.map((v) => ({ ...v, owner })),
    addresses: [],
    securityGroups: base.securityGroups
      .filter((g) => g.owner.userName === 'alice')
      .map((g) => ({
        ...g,
        owner,
        rules: g.rules.map((r) => ({
          ...r,
          groups: r.groups.map((x) => ({ ...x, userId: acct.accountNumber })),
        })),
      })),
    keyPairs: base.keyPairs.map((k) => ({ ...k, owner })),
    instances: base.instances.map((i) => ({ ...i, owner, groups: [{ groupName: 'default' }] })),
  };

  it("names account resources after the account's admin and lands them in the account's project", () => {
    const r = plan(inventory, { kinds: ['instance'] }, demoMappings({}, 'MANAGED'), bexarTarget());
    const item = (id: string) => r.items.find((i) => i.sourceId === id);
    expect(item('acme/admin')).toMatchObject({
      targetId: '123456789012',
      pulledInBy: { relation: 'owner' },
    });
    expect(item('acme/dev')).toBeUndefined();
    expect(item('acme/admin/alice-key')).toMatchObject({
      targetId: '123456789012/alice-key',
      owner: 'acme/admin',
    });
    expect(item('acme/admin/default')?.targetId).toBe('123456789012/default');
    expect(item('i-1A2B3C4D')).toMatchObject({ owner: 'acme/admin', action: 'create' });
  });
});
