import { describe, expect, it } from 'vitest';
import {
  PlanItemSchema,
  PlanSchema,
  canonicalJson,
  planFingerprint,
  sha256Hex,
  userKey,
  verifyPlanFingerprint,
  type Plan,
} from '../src/index.ts';
import { planContent, without } from './fixtures.ts';

async function fullPlan(): Promise<Plan> {
  const content = planContent();
  return { ...content, fingerprint: await planFingerprint(content) };
}

describe('Plan', () => {
  it('parses a realistic plan and its fingerprint verifies', async () => {
    const plan = await fullPlan();
    expect(PlanSchema.parse(plan)).toEqual(plan);
    expect(await verifyPlanFingerprint(plan)).toBe(true);
  });

  it('defaults the image prefix choice to keep', async () => {
    const plan = await fullPlan();
    const mappings = without(plan.mappings, 'imageIdPrefix');
    expect(PlanSchema.parse({ ...plan, mappings }).mappings.imageIdPrefix).toBe('keep');
  });

  it('fingerprint ignores key order but not content', async () => {
    const a = planContent();
    const reordered = Object.fromEntries(Object.entries(a).reverse()) as typeof a;
    expect(await planFingerprint(reordered)).toBe(await planFingerprint(a));
    const changed = {
      ...a,
      mappings: { ...a.mappings, largeIdStrategy: 'widen-to-bigint' as const },
    };
    expect(await planFingerprint(changed)).not.toBe(await planFingerprint(a));
    const plan = await fullPlan();
    expect(await verifyPlanFingerprint({ ...plan, items: plan.items.slice(1) })).toBe(false);
  });

  it('rejects an unknown network manager, an unknown Nova instance type and a bad flag', async () => {
    const plan = await fullPlan();
    const bad = (mappings: unknown): boolean => PlanSchema.safeParse({ ...plan, mappings }).success;
    expect(bad({ ...plan.mappings, network: { manager: 'NoOpManager', overrides: {} } })).toBe(
      false,
    );
    expect(bad({ ...plan.mappings, instanceTypes: { 'c1.xlarge': 'c1.xlarge' } })).toBe(false);
    expect(
      bad({
        ...plan.mappings,
        network: { manager: 'VlanManager', overrides: { vlan_start: 5000 } },
      }),
    ).toBe(false);
    expect(
      bad({
        ...plan.mappings,
        network: { manager: 'VlanManager', overrides: { secret_key: 'x' } },
      }),
    ).toBe(false);
  });

  it('rejects duplicate items and a wrong fingerprint shape', async () => {
    const plan = await fullPlan();
    const first = plan.items[0];
    if (first)
      expect(PlanSchema.safeParse({ ...plan, items: [...plan.items, first] }).success).toBe(false);
    expect(PlanSchema.safeParse({ ...plan, fingerprint: 'ABC' }).success).toBe(false);
  });
});

describe('PlanItem', () => {
  it('checks EC2 ids against the kind', () => {
    expect(
      PlanItemSchema.safeParse({
        kind: 'instance',
        sourceId: 'vol-5A0E0610',
        targetId: 'i-00000001',
        action: 'create',
      }).success,
    ).toBe(false);
    expect(
      PlanItemSchema.safeParse({
        kind: 'image',
        sourceId: 'eki-E7641078',
        targetId: 'aki-E7641078',
        action: 'create',
      }).success,
    ).toBe(true);
    expect(
      PlanItemSchema.safeParse({ kind: 'volume', sourceId: 'vol-../x', action: 'skip-identical' })
        .success,
    ).toBe(false);
  });

  it('create needs a target, conflict and unsupported need a reason', () => {
    expect(
      PlanItemSchema.safeParse({ kind: 'user', sourceId: 'alice', action: 'create' }).success,
    ).toBe(false);
    expect(
      PlanItemSchema.safeParse({ kind: 'user', sourceId: 'alice', action: 'conflict' }).success,
    ).toBe(false);
    expect(
      PlanItemSchema.safeParse({
        kind: 'user',
        sourceId: 'eng/alice',
        targetId: 'eng-alice',
        action: 'conflict',
        reason: 'differs',
      }).success,
    ).toBe(true);
  });

  it('pulledInBy names the item and the relation', () => {
    const item = {
      kind: 'image',
      sourceId: 'eki-E7641078',
      targetId: 'eki-E7641078',
      action: 'create',
    };
    expect(
      PlanItemSchema.safeParse({
        ...item,
        pulledInBy: { kind: 'image', sourceId: 'emi-938D136D', relation: 'kernel' },
      }).success,
    ).toBe(true);
    expect(
      PlanItemSchema.safeParse({
        ...item,
        pulledInBy: { kind: 'image', sourceId: 'emi-938D136D', relation: 'because' },
      }).success,
    ).toBe(false);
  });

  it('userKey names 2.0 and 3.x users', () => {
    expect(userKey({ userName: 'alice' })).toBe('alice');
    expect(userKey({ userName: 'admin', accountName: 'eng' })).toBe('eng/admin');
  });
});

describe('canonical JSON and sha256', () => {
  it('sorts keys, drops undefined, refuses non-JSON', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined })).toBe(
      '{"a":[true,null,"x"],"b":1}',
    );
    expect(() => canonicalJson({ a: 1n })).toThrow(TypeError);
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson(new Date(0))).toThrow(TypeError);
  });

  it('sha256Hex matches the known digest of "abc"', async () => {
    expect(await sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
