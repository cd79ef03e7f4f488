import { describe, expect, it } from 'vitest';
import {
  InventorySchema,
  PlanSchema,
  verifyPlanFingerprint,
  type Inventory,
} from '@euca2nova/model';
import { prepareWriteInput } from '@euca2nova/nova';
import { DEMO_HOSTS, demoInventory, demoMappings, scaleInventory } from '@euca2nova/nova/testing';
import {
  PlanBlockedError,
  PlanError,
  acknowledgeFindings,
  assertRunnable,
  blockingFindings,
  createPlan,
  findingKey,
  plan,
  selectedInventory,
  unacknowledgedWarnings,
} from '../src/index.ts';
import { bexarTarget } from './plan-fixtures.ts';

const PLAN_ID = '0b8f8a52-3c1e-4d8a-9a55-7d1f3f0e2c11';
const NOW = new Date('2011-02-11T09:00:00.000Z');

function reversed(inv: Inventory): Inventory {
  return {
    ...inv,
    users: [...inv.users].reverse(),
    images: [...inv.images].reverse(),
    volumes: [...inv.volumes].reverse(),
    addresses: [...inv.addresses].reverse(),
    securityGroups: [...inv.securityGroups].reverse(),
    keyPairs: [...inv.keyPairs].reverse(),
    instances: [...inv.instances].reverse(),
  };
}

describe('plan', () => {
  const inventory = demoInventory('MANAGED');
  const mappings = demoMappings({}, 'MANAGED');

  it('is deterministic: same input, same sorted output, whatever the inventory order', () => {
    const a = plan(inventory, {}, mappings, bexarTarget());
    const b = plan(inventory, {}, mappings, bexarTarget());
    const c = plan(reversed(inventory), {}, mappings, bexarTarget());
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    const kinds = a.items.map((i) => i.kind);
    expect(kinds.indexOf('user')).toBe(0);
    expect(kinds.lastIndexOf('instance')).toBe(kinds.length - 1);
    const severities = a.findings.map((f) => f.severity);
    expect([...severities].sort((x, y) => order[x] - order[y])).toEqual(severities);
  });

  it('gives every item its Nova id: kept hex, rewritten image prefixes, renumbered ids', () => {
    const kept = plan(inventory, {}, mappings, bexarTarget()).items;
    const id = (items: typeof kept, sourceId: string) =>
      items.find((i) => i.sourceId === sourceId)?.targetId;
    expect(id(kept, 'i-9A3B1C2D')).toBe('i-9a3b1c2d');
    expect(id(kept, 'emi-AB12CD34')).toBe('emi-AB12CD34');
    expect(id(kept, 'alice/alice-key')).toBe('alice/alice-key');
    expect(id(kept, '10.1.0.0/27')).toBe('10.1.0.0/27');

    const other = plan(
      inventory,
      {},
      demoMappings({ imageIdPrefix: 'rewrite', largeIdStrategy: 'renumber' }, 'MANAGED'),
      bexarTarget(),
    ).items;
    expect(id(other, 'emi-AB12CD34')).toBe('ami-AB12CD34');
    expect(id(other, 'eki-11112222')).toBe('aki-11112222');
    const renumbered = id(other, 'i-9A3B1C2D');
    expect(renumbered).toMatch(/^i-[0-9a-f]{8}$/);
    expect(renumbered).not.toBe('i-9a3b1c2d');
    expect(parseInt((renumbered ?? '').slice(2), 16)).toBeLessThanOrEqual(0x7fffffff);
  });

  it('creates what is only partly in Nova, saying so', () => {
    const target = bexarTarget({
      items: [{ kind: 'user', sourceId: 'bob', state: 'partial', differences: [] }],
    });
    const bob = plan(inventory, {}, mappings, target).items.find((i) => i.sourceId === 'bob');
    expect(bob?.action).toBe('create');
    expect(bob?.reason).toMatch(/Partly in Nova/);
  });

  it('keeps owner/name ids within the 255 characters a plan item allows', async () => {
    const long = 'k'.repeat(255);
    const inv: Inventory = {
      ...inventory,
      keyPairs: inventory.keyPairs.map((k) =>
        k.keyName === 'bob-key' ? { ...k, keyName: long } : k,
      ),
      instances: inventory.instances.map((i) =>
        i.keyName === 'bob-key' ? { ...i, keyName: long } : i,
      ),
    };
    const p = await createPlan({ inventory: inv, selection: {}, mappings, target: bexarTarget() });
    const kp = p.items.find((i) => i.kind === 'keyPair' && i.owner === 'bob');
    expect(kp?.sourceId).toHaveLength(255);
    expect(kp?.sourceId.startsWith('bob/kkk')).toBe(true);
    expect(kp?.targetId).toHaveLength(255);
    expect(selectedInventory(inv, p).keyPairs.map((k) => k.keyName)).toContain(long);
  });

  it('gives unsupported items a reason and no target id', () => {
    const ended = plan(inventory, {}, mappings, bexarTarget()).items.find(
      (i) => i.sourceId === 'i-0BADBEEF',
    );
    expect(ended).toMatchObject({ action: 'unsupported', owner: 'bob' });
    expect(ended?.targetId).toBeUndefined();
    expect(ended?.reason).toMatch(/terminated/);
  });
});

const order = { error: 0, warning: 1, info: 2 } as const;

describe('createPlan, acknowledgement and runnability', () => {
  const inventory = demoInventory('MANAGED');
  const mappings = demoMappings({}, 'MANAGED');

  it('builds a valid model Plan with a verifiable fingerprint', async () => {
    const p = await createPlan({
      inventory,
      selection: {},
      mappings,
      target: bexarTarget(),
      id: PLAN_ID,
      now: NOW,
    });
    expect(PlanSchema.parse(p)).toEqual(p);
    expect(p.inventoryId).toBe(inventory.metadata.inventoryId);
    expect(p.createdAt).toBe(NOW.toISOString());
    expect(await verifyPlanFingerprint(p)).toBe(true);
    const again = await createPlan({
      inventory,
      selection: {},
      mappings,
      target: bexarTarget(),
      id: PLAN_ID,
      now: NOW,
    });
    expect(again.fingerprint).toBe(p.fingerprint);
  });

  it('needs every warning acknowledged; acknowledging changes the fingerprint', async () => {
    const p = await createPlan({
      inventory,
      selection: {},
      mappings,
      target: bexarTarget(),
      id: PLAN_ID,
      now: NOW,
    });
    expect(blockingFindings(p)).toEqual([]);
    const warnings = unacknowledgedWarnings(p);
    expect(warnings.length).toBeGreaterThan(0);
    const err = (() => {
      try {
        assertRunnable(p);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(PlanBlockedError);
    expect((err as PlanBlockedError).code).toBe('unacknowledged');
    expect((err as PlanBlockedError).findings).toEqual(warnings);

    const first = warnings[0];
    if (first === undefined) throw new Error('no warning');
    const partly = await acknowledgeFindings(p, [findingKey(first)]);
    expect(partly.fingerprint).not.toBe(p.fingerprint);
    expect(await verifyPlanFingerprint(partly)).toBe(true);
    expect(unacknowledgedWarnings(partly)).toHaveLength(warnings.length - 1);
    expect(p.findings.some((f) => f.acknowledged === true)).toBe(false); // not mutated

    const all = await acknowledgeFindings(p, warnings.map(findingKey));
    expect(() => {
      assertRunnable(all);
    }).not.toThrow();
  });

  it('blocks on errors, which cannot be acknowledged, and refuses unknown keys', async () => {
    const p = await createPlan({
      inventory,
      selection: {},
      mappings,
      target: bexarTarget({
        schema: { ...bexarTarget().schema, status: 'empty', problem: 'The database is empty.' },
        classified: false,
      }),
      id: PLAN_ID,
      now: NOW,
    });
    const errors = blockingFindings(p);
    expect(errors.map((f) => f.ruleId)).toEqual(['target.schema-mismatch']);
    expect(() => {
      assertRunnable(p);
    }).toThrow(expect.objectContaining({ code: 'blocked' }) as Error);
    await expect(acknowledgeFindings(p, errors.map(findingKey))).rejects.toBeInstanceOf(
      PlanBlockedError,
    );
    await expect(acknowledgeFindings(p, ['nope:0'])).rejects.toBeInstanceOf(PlanError);
  });

  it('keys a finding by rule and affected ids, whatever their order', () => {
    const f = { ruleId: 'a.b', affectedIds: ['x', 'y'] };
    expect(findingKey(f)).toBe(findingKey({ ruleId: 'a.b', affectedIds: ['y', 'x'] }));
    expect(findingKey(f)).not.toBe(findingKey({ ruleId: 'a.c', affectedIds: ['x', 'y'] }));
  });
});

describe('selectedInventory', () => {
  const inventory = demoInventory('MANAGED');
  const mappings = demoMappings({}, 'MANAGED');

  it('is a valid inventory of what the run writes, and gives the writers the planned ids', async () => {
    const p = await createPlan({ inventory, selection: {}, mappings, target: bexarTarget() });
    const sel = selectedInventory(inventory, p);
    expect(InventorySchema.parse(sel)).toEqual(sel);
    expect(sel.instances.map((i) => i.instanceId)).not.toContain('i-0BADBEEF');
    expect(sel.instances).toHaveLength(4);
    expect(sel.snapshots).toEqual([]);
    expect(sel.network.vnet.publicIps).toEqual(inventory.network.vnet.publicIps);
    const input = prepareWriteInput(sel, mappings, DEMO_HOSTS);
    for (const item of p.items.filter((i) => i.kind === 'instance' && i.action === 'create')) {
      expect(input.ids.instances.get(item.sourceId)?.novaEc2Id).toBe(item.targetId);
    }
    expect(input.network.networks.map((n) => n.cidr)).toEqual(
      p.items.filter((i) => i.kind === 'network').map((i) => i.sourceId),
    );
  });

  it('keeps the owners of what a kind-only selection picked, and no address pool', async () => {
    const p = await createPlan({
      inventory,
      selection: { kinds: ['keyPair'] },
      mappings,
      target: bexarTarget(),
    });
    const sel = selectedInventory(inventory, p);
    expect(InventorySchema.safeParse(sel).success).toBe(true);
    expect(sel.users.map((u) => u.userName)).toEqual(['alice', 'bob']);
    expect(sel.keyPairs).toHaveLength(2);
    expect(sel.instances).toEqual([]);
    expect(sel.network.vnet.publicIps).toBeUndefined();
    expect(sel.availabilityZones).toEqual(inventory.availabilityZones);
    expect(sel.metadata).toEqual(inventory.metadata);
  });

  it('leaves out what is in conflict', async () => {
    const target = bexarTarget({
      items: [
        {
          kind: 'keyPair',
          sourceId: 'bob/bob-key',
          state: 'conflict',
          differences: [{ row: 'keyPair', field: 'fingerprint', existing: 'aa', wanted: 'bb' }],
        },
      ],
    });
    const p = await createPlan({ inventory, selection: {}, mappings, target });
    expect(selectedInventory(inventory, p).keyPairs.map((k) => k.keyName)).toEqual(['alice-key']);
  });
});

describe('a large cloud', () => {
  it('plans 5000 instances and volumes into a valid Plan without quadratic work', async () => {
    const inventory = scaleInventory(5000);
    const started = Date.now();
    const p = await createPlan({
      inventory,
      selection: {},
      mappings: demoMappings({}, 'MANAGED-NOVLAN'),
      target: bexarTarget(),
    });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(p.items.filter((i) => i.kind === 'instance')).toHaveLength(5000);
    expect(p.findings.every((f) => f.message.length <= 4000)).toBe(true);
    expect(selectedInventory(inventory, p).volumes).toHaveLength(5000);
  });
});
