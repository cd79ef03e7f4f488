import { z } from 'zod';
import { canonicalJson, sha256Hex } from '../canonical.ts';
import { tryParseEc2Id } from '../ids.ts';
import type { Ec2ResourceKind } from '../ids.ts';
import {
  NovaInstanceTypeSchema,
  NovaNetworkFlagsSchema,
  NovaNetworkManagerSchema,
} from '../nova-bexar.ts';
import {
  ResourceKindSchema,
  TimestampSchema,
  UserNameSchema,
  UuidSchema,
  proseSchema,
  textSchema,
} from './common.ts';
import type { ResourceKind } from './common.ts';
import { FindingSchema } from './finding.ts';
import { VmTypeNameSchema } from './inventory.ts';

/** One resource picked by hand: its kind and source id, as the inventory names it. */
export const SelectedItemSchema = z.strictObject({
  kind: ResourceKindSchema,
  sourceId: textSchema(255, 1),
});
export type SelectedItem = z.infer<typeof SelectedItemSchema>;

/**
 * What to migrate. No field means "everything"; `kinds` and `users` together mean "these kinds of
 * these users". `items` adds resources picked one by one; alone, it selects just those. Whatever
 * is selected brings its dependencies, pulled in by the planner (see `pulledInBy`).
 */
export const PlanSelectionSchema = z.strictObject({
  kinds: z.array(ResourceKindSchema).min(1).optional(),
  /** Eucalyptus user names, `account/user` in 3.x/4.x (see `userKey`). */
  users: z.array(textSchema(200, 1)).min(1).optional(),
  items: z.array(SelectedItemSchema).min(1).max(200_000).optional(),
});
export type PlanSelection = z.infer<typeof PlanSelectionSchema>;

/** How a user is named across the model: `user` in 2.0, `account/user` in 3.x/4.x. */
export function userKey(user: {
  readonly userName: string;
  readonly accountName?: string | undefined;
}): string {
  return user.accountName === undefined ? user.userName : `${user.accountName}/${user.userName}`;
}

export const PlanMappingsSchema = z.strictObject({
  network: z.strictObject({
    manager: NovaNetworkManagerSchema,
    overrides: NovaNetworkFlagsSchema,
  }),
  /**
   * `keep`: emi-/eki-/eri- stay as they are (Bexar checks no prefix, nova-bexar.md §2.1), so users
   * see the same ids. `rewrite`: ami-/aki-/ari- with the same hex.
   */
  imageIdPrefix: z.enum(['keep', 'rewrite']).default('keep'),
  /**
   * For i-/vol- ids that Bexar's int4 keys cannot hold (above 2^31-1, or 17-digit 4.x ids):
   * `widen-to-bigint` alters the target columns so ids stay; `renumber` gives new ids (users see
   * the change; the report's id map records it).
   */
  largeIdStrategy: z.enum(['widen-to-bigint', 'renumber']),
  /** Eucalyptus VM type name -> Bexar instance type. */
  instanceTypes: z.record(VmTypeNameSchema, NovaInstanceTypeSchema),
});
export type PlanMappings = z.infer<typeof PlanMappingsSchema>;

export const PLAN_ACTIONS = ['create', 'skip-identical', 'conflict', 'unsupported'] as const;
export const PlanActionSchema = z.enum(PLAN_ACTIONS);
export type PlanAction = z.infer<typeof PlanActionSchema>;

/** Why a dependency was pulled in: what the selecting item needs it for. */
export const DEPENDENCY_RELATIONS = [
  'owner',
  'image',
  'kernel',
  'ramdisk',
  'key-pair',
  'security-group',
  'granted-group',
  'attached-volume',
  'associated-address',
  'source-volume',
  'source-snapshot',
] as const;

export const PulledInBySchema = z.strictObject({
  kind: ResourceKindSchema,
  sourceId: textSchema(255, 1),
  relation: z.enum(DEPENDENCY_RELATIONS),
});
export type PulledInBy = z.infer<typeof PulledInBySchema>;

const EC2_KIND_OF: Partial<Record<ResourceKind, readonly Ec2ResourceKind[]>> = {
  instance: ['instance'],
  volume: ['volume'],
  snapshot: ['snapshot'],
  image: ['machine-image', 'kernel-image', 'ramdisk-image'],
};

/**
 * One row of the plan. `sourceId` is the Eucalyptus id (EC2 id, user key, IP, `user/name` for
 * key pairs and groups); `targetId` what Nova will call it, absent when nothing is written.
 */
export const PlanItemSchema = z
  .strictObject({
    kind: ResourceKindSchema,
    sourceId: textSchema(255, 1),
    targetId: textSchema(255, 1).optional(),
    /** Owning Eucalyptus user (`userKey`), absent for users themselves and unowned items. */
    owner: textSchema(200, 1).optional(),
    action: PlanActionSchema,
    reason: proseSchema(2000).optional(),
    pulledInBy: PulledInBySchema.optional(),
  })
  .superRefine((item, ctx) => {
    const kinds = EC2_KIND_OF[item.kind];
    if (kinds !== undefined) {
      for (const [field, value] of [
        ['sourceId', item.sourceId],
        ['targetId', item.targetId],
      ] as const) {
        if (value === undefined) continue;
        const r = tryParseEc2Id(value);
        if (!r.ok || !kinds.includes(r.id.kind)) {
          ctx.addIssue({
            code: 'custom',
            message: `${field} of a ${item.kind} item must be a ${kinds.join('/')} EC2 id`,
            path: [field],
          });
        }
      }
    }
    if (item.kind === 'user' && !UserNameSchema.safeParse(item.sourceId.split('/').pop()).success) {
      ctx.addIssue({
        code: 'custom',
        message: 'sourceId of a user item must be a user key',
        path: ['sourceId'],
      });
    }
    if (item.action === 'create' && item.targetId === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'a create item needs a targetId',
        path: ['targetId'],
      });
    }
    if (
      (item.action === 'conflict' || item.action === 'unsupported') &&
      item.reason === undefined
    ) {
      ctx.addIssue({
        code: 'custom',
        message: `a ${item.action} item needs a reason`,
        path: ['reason'],
      });
    }
  });
export type PlanItem = z.infer<typeof PlanItemSchema>;

export const Sha256HexSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, { message: 'expected 64 lower-case hex digits' });

export const PlanSchema = z
  .strictObject({
    id: UuidSchema,
    inventoryId: UuidSchema,
    createdAt: TimestampSchema,
    selection: PlanSelectionSchema,
    mappings: PlanMappingsSchema,
    items: z.array(PlanItemSchema),
    findings: z.array(FindingSchema),
    /** `planFingerprint` of everything else: what a confirmation names. */
    fingerprint: Sha256HexSchema,
  })
  .superRefine((plan, ctx) => {
    const seen = new Set<string>();
    plan.items.forEach((item, i) => {
      const key = `${item.kind}\u0000${item.sourceId.toLowerCase()}`;
      if (seen.has(key)) {
        ctx.addIssue({
          code: 'custom',
          message: `duplicate ${item.kind} ${item.sourceId}`,
          path: ['items', i],
        });
      }
      seen.add(key);
    });
  });
export type Plan = z.infer<typeof PlanSchema>;
export type PlanInput = z.input<typeof PlanSchema>;

/**
 * SHA-256 of the canonical JSON of the plan without its `fingerprint`. Parse the plan first so
 * defaults are filled in the same way on every side.
 */
export async function planFingerprint(plan: Omit<Plan, 'fingerprint'> | Plan): Promise<string> {
  const content = Object.fromEntries(Object.entries(plan).filter(([key]) => key !== 'fingerprint'));
  return sha256Hex(canonicalJson(content));
}

/** Whether `plan.fingerprint` matches its content. */
export async function verifyPlanFingerprint(plan: Plan): Promise<boolean> {
  return (await planFingerprint(plan)) === plan.fingerprint;
}
