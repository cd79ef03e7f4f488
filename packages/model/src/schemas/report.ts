import { z } from 'zod';
import { NovaNetworkFlagsSchema } from '../nova-bexar.ts';
import {
  CountSchema,
  EndpointUrlSchema,
  RESOURCE_KINDS,
  ResourceKindSchema,
  TimestampSchema,
  UuidSchema,
  proseSchema,
  textSchema,
} from './common.ts';
import { FindingSchema } from './finding.ts';
import { SourceCloudSchema } from './inventory.ts';
import { JobPhaseSchema } from './job.ts';
import { PlanSelectionSchema, Sha256HexSchema } from './plan.ts';

/*
 * The canonical migration report. Every object is strict, so a key that is not listed here —
 * `secretKey`, `password`, `credentials` — makes the whole report invalid rather than being
 * silently dropped: a secret reaching the report is a bug upstream and must fail loudly.
 * Access key ids may appear (in verification differences); secret values may not.
 */

export const ReportTargetSchema = z.strictObject({
  novaRelease: z.literal('2011.1'),
  /** Where the Nova database is: no user or password. */
  database: z.strictObject({
    host: textSchema(255, 1),
    port: z.int().min(1).max(65535),
    name: textSchema(63, 1),
  }),
  /** nova-objectstore `images_path` the image files were written under. */
  imagesPath: textSchema(4096, 1).optional(),
  /** The EC2 API of the target, when one was checked. */
  ec2Endpoint: EndpointUrlSchema.optional(),
});
export type ReportTarget = z.infer<typeof ReportTargetSchema>;

export const IdMapEntrySchema = z.strictObject({
  kind: ResourceKindSchema,
  sourceId: textSchema(255, 1),
  targetId: textSchema(255, 1),
  /** Owning Eucalyptus user key. */
  owner: textSchema(200, 1).optional(),
});
export type IdMapEntry = z.infer<typeof IdMapEntrySchema>;

export const KindCountsSchema = z.strictObject({
  created: CountSchema,
  /** skip-identical: already present in Nova and equal. */
  skipped: CountSchema,
  conflict: CountSchema,
  failed: CountSchema,
  /** Planned as unsupported (e.g. snapshots: Bexar has none). */
  unsupported: CountSchema,
});
export type KindCounts = z.infer<typeof KindCountsSchema>;

export const ReportCountsSchema = z.strictObject(
  Object.fromEntries(RESOURCE_KINDS.map((k) => [k, KindCountsSchema])) as Record<
    (typeof RESOURCE_KINDS)[number],
    typeof KindCountsSchema
  >,
);
export type ReportCounts = z.infer<typeof ReportCountsSchema>;

export const FINDING_RESOLUTIONS = [
  'fixed',
  'acknowledged',
  'mapped',
  'skipped',
  'unresolved',
] as const;

export const ResolvedFindingSchema = z.strictObject({
  finding: FindingSchema,
  resolution: z.enum(FINDING_RESOLUTIONS),
  /** What was done, in words. */
  note: proseSchema(2000).optional(),
});
export type ResolvedFinding = z.infer<typeof ResolvedFindingSchema>;

export const ReportImageSchema = z.strictObject({
  sourceImageId: textSchema(64, 1),
  targetImageId: textSchema(64, 1),
  bytes: CountSchema,
  /** Of the decrypted image file as written to the image store. */
  sha256: Sha256HexSchema,
});
export type ReportImage = z.infer<typeof ReportImageSchema>;

export const PhaseTimingSchema = z.strictObject({
  phase: JobPhaseSchema,
  startedAt: TimestampSchema,
  finishedAt: TimestampSchema,
  durationMs: CountSchema,
});
export type PhaseTiming = z.infer<typeof PhaseTimingSchema>;

/** Field names that name a secret; a difference in one is reported without its values. */
const SECRET_FIELD = /secret|password|passwd|private|token|credential/i;

export const VerificationDifferenceSchema = z
  .strictObject({
    kind: ResourceKindSchema,
    sourceId: textSchema(255, 1),
    /** EC2 field as a user sees it, e.g. `instanceState.name`, `ipPermissions[0].cidrIp`. */
    field: textSchema(255, 1),
    /** Eucalyptus value, rendered as text. */
    expected: textSchema(4096).optional(),
    /** Nova value, rendered as text. */
    actual: textSchema(4096).optional(),
  })
  .refine(
    (d) => !SECRET_FIELD.test(d.field) || (d.expected === undefined && d.actual === undefined),
    {
      message: 'a difference in a secret field is reported without values',
      path: ['expected'],
    },
  );
export type VerificationDifference = z.infer<typeof VerificationDifferenceSchema>;

export const UserVerificationSchema = z
  .strictObject({
    user: textSchema(200, 1),
    result: z.enum(['matching', 'differing']),
    itemsCompared: CountSchema,
    differences: z.array(VerificationDifferenceSchema),
  })
  .refine((u) => (u.result === 'matching') === (u.differences.length === 0), {
    message: 'result must be "matching" exactly when there are no differences',
    path: ['result'],
  });
export type UserVerification = z.infer<typeof UserVerificationSchema>;

export const VerificationSchema = z
  .strictObject({
    result: z.enum(['matching', 'differing', 'not-run']),
    at: TimestampSchema.optional(),
    users: z.array(UserVerificationSchema),
  })
  .refine(
    (v) =>
      v.result === 'not-run'
        ? v.users.length === 0
        : (v.result === 'matching') === v.users.every((u) => u.result === 'matching'),
    { message: 'overall result must agree with the per-user results', path: ['result'] },
  );
export type Verification = z.infer<typeof VerificationSchema>;

export const ReportSchema = z.strictObject({
  reportVersion: z.literal(1),
  jobId: UuidSchema,
  planId: UuidSchema,
  inventoryId: UuidSchema,
  /** The confirmed plan's fingerprint. */
  planFingerprint: Sha256HexSchema,
  generatedAt: TimestampSchema,
  outcome: z.enum(['succeeded', 'failed', 'cancelled']),
  source: SourceCloudSchema,
  target: ReportTargetSchema,
  selection: PlanSelectionSchema,
  idMap: z.array(IdMapEntrySchema),
  counts: ReportCountsSchema,
  findings: z.array(ResolvedFindingSchema),
  images: z.array(ReportImageSchema),
  timings: z.array(PhaseTimingSchema),
  verification: VerificationSchema,
  /** The network flags written to nova.conf, by their nova.conf names. */
  novaConf: NovaNetworkFlagsSchema,
});
export type Report = z.infer<typeof ReportSchema>;
