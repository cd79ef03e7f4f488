import { z } from 'zod';
import { NovaNetworkFlagsSchema, NovaNetworkManagerSchema } from '../nova-bexar.ts';
import { ErrorInfoSchema, ResourceKindSchema, UuidSchema } from '../schemas/common.ts';
import { FindingSchema } from '../schemas/finding.ts';
import { NetworkModeSchema } from '../schemas/inventory.ts';
import { JobEventSchema, JobPhaseSchema, JobStatusSchema, JobTypeSchema } from '../schemas/job.ts';
import { IdMapEntrySchema, UserVerificationSchema, ReportSchema } from '../schemas/report.ts';
import {
  PlanActionSchema,
  PlanItemSchema,
  PlanMappingsSchema,
  PlanSelectionSchema,
  Sha256HexSchema,
} from '../schemas/plan.ts';

/*
 * The HTTP API's request and response bodies: the server validates with them and generates its
 * OpenAPI document from them; the wizard types its calls with them.
 */

const KiB = 1024;

const url = (what: string) =>
  z
    .string()
    .trim()
    .max(2048)
    .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), {
      error: `${what} must be an http:// or https:// URL`,
    });

const postgresUrl = (what: string) =>
  z
    .string()
    .trim()
    .max(2048)
    .refine((v) => URL.canParse(v) && /^postgres(ql)?:$/.test(new URL(v).protocol), {
      error: `${what} must be a postgres:// or postgresql:// URL`,
    });

/** Files the operator drops into the Eucalyptus step, read by the browser, bounded here. */
export const SourceFilesSchema = z.strictObject({
  eucarc: z
    .string()
    .max(64 * KiB, 'the eucarc is larger than 64 KiB: is this the right file?')
    .optional(),
  /** The credentials zip, base64: at most 1 MiB of zip. */
  credentialsZipBase64: z
    .string()
    .max(Math.ceil((1024 * KiB * 4) / 3) + 4, 'the credentials zip is larger than 1 MiB')
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'the credentials zip must be sent as base64')
    .optional(),
  eucalyptusConf: z
    .string()
    .max(256 * KiB, 'eucalyptus.conf is larger than 256 KiB: is this the right file?')
    .optional(),
  cloudPkPem: z
    .string()
    .max(16 * KiB, 'cloud-pk.pem is larger than 16 KiB: is this the right file?')
    .optional(),
});

export const SourceConnectionRequestSchema = z.strictObject({
  /**
   * What the operator calls this cloud; typed again to confirm the cutover. Absent: the EC2
   * endpoint's host name.
   */
  name: z.string().trim().min(1).max(100).optional(),
  ec2Url: url('The EC2 URL').optional(),
  s3Url: url('The Walrus (S3) URL').optional(),
  euareUrl: url('The Euare URL').optional(),
  accessKey: z.string().trim().min(1).max(128).optional(),
  secretKey: z.string().trim().min(1).max(256).optional(),
  controllerDbUrl: postgresUrl('The controller database URL').optional(),
  /** When no eucalyptus.conf is given: the mode the operator knows the cloud runs in. */
  networkMode: NetworkModeSchema.optional(),
  files: SourceFilesSchema.optional(),
});
export type SourceConnectionRequest = z.infer<typeof SourceConnectionRequestSchema>;

export const NovaConnectionRequestSchema = z.strictObject({
  databaseUrl: postgresUrl('The Nova database URL'),
  /** nova-objectstore's images_path as seen from this host. */
  imagesPath: z.string().trim().min(1).max(4096),
});
export type NovaConnectionRequest = z.infer<typeof NovaConnectionRequestSchema>;

/** A stored connection: only what may be shown (an access key id, "secret stored"). */
export const ConnectionSchema = z.object({
  id: UuidSchema,
  kind: z.enum(['eucalyptus', 'nova']),
  createdAt: z.string(),
  public: z.record(z.string(), z.unknown()),
});
export type Connection = z.infer<typeof ConnectionSchema>;

export const SourceTestSchema = z.object({
  version: z.string(),
  majorVersion: z.union([z.literal(2), z.literal(3)]),
  userCount: z.number(),
  admin: z.string(),
  signer: z.string(),
  networkMode: z.string().nullable(),
  controllerDb: z.boolean(),
  cloudPk: z.boolean(),
});

export const TargetTestSchema = z.object({
  status: z.enum(['empty', 'bexar', 'other-version', 'not-nova', 'incomplete']),
  schemaVersion: z.number().nullable(),
  writable: z.boolean(),
  problem: z.string().nullable(),
  rows: z.number(),
  imagesPath: z
    .object({ path: z.string(), exists: z.boolean(), freeBytes: z.number().nullable() })
    .nullable(),
  canInitialise: z.boolean(),
});

/** A connection test: what was found, or the exact problem (a failed test is an answer, not an error). */
export const ConnectionTestSchema = z.object({
  ok: z.boolean(),
  source: SourceTestSchema.optional(),
  target: TargetTestSchema.optional(),
  error: ErrorInfoSchema.optional(),
});
export type ConnectionTest = z.infer<typeof ConnectionTestSchema>;

export const ApiJobSchema = z.object({
  id: UuidSchema,
  type: JobTypeSchema,
  status: JobStatusSchema,
  planId: UuidSchema.nullable(),
  inventoryId: UuidSchema.nullable(),
  sourceConnectionId: UuidSchema.nullable(),
  targetConnectionId: UuidSchema.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  lastHeartbeatAt: z.string().nullable(),
  currentPhase: JobPhaseSchema.nullable(),
  lastSeq: z.number(),
  error: ErrorInfoSchema.nullable(),
  /** `host:pid` of the process running it. */
  owner: z.string().nullable(),
  /** Whether this server process runs it (pause works only where a job runs). */
  runsHere: z.boolean(),
});
export type ApiJob = z.infer<typeof ApiJobSchema>;

export const JobEventsPageSchema = z.object({
  events: z.array(JobEventSchema),
  /** The job's highest seq now: more may follow while it runs. */
  lastSeq: z.number(),
});

export const InventoryListingSchema = z.object({
  id: UuidSchema,
  createdAt: z.string(),
  connectionId: UuidSchema.nullable(),
  metadata: z.record(z.string(), z.unknown()),
  networkMode: z.string(),
  counts: z.record(z.string(), z.number()),
});

const KindCountsSchema = z.record(z.string(), z.number());

export const InventoryOverviewSchema = InventoryListingSchema.extend({
  network: z.record(z.string(), z.unknown()),
  findings: z.array(FindingSchema),
  overview: z.object({
    counts: KindCountsSchema,
    imageBytes: z.number(),
    users: z.array(
      z.object({ user: z.string(), counts: KindCountsSchema, imageBytes: z.number() }),
    ),
  }),
});

const pageFields = {
  total: z.number(),
  offset: z.number(),
  limit: z.number(),
};

export const InventoryItemsQuerySchema = z.object({
  kind: z
    .enum([
      'user',
      'keyPair',
      'securityGroup',
      'address',
      'image',
      'volume',
      'snapshot',
      'instance',
    ])
    .optional(),
  q: z.string().max(200).optional(),
  owner: z.string().max(200).optional(),
  sort: z.enum(['sourceId', 'owner', 'name', 'state', 'sizeBytes']).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const InventoryItemsPageSchema = z.object({
  ...pageFields,
  rows: z.array(
    z.object({
      kind: z.string(),
      sourceId: z.string(),
      owner: z.string().nullable(),
      name: z.string().nullable(),
      state: z.string().nullable(),
      sizeBytes: z.number().nullable(),
      item: z.record(z.string(), z.unknown()),
    }),
  ),
});

export const MappingChoicesSchema = z.strictObject({
  manager: z.union([NovaNetworkManagerSchema, z.literal('auto')]).optional(),
  overrides: NovaNetworkFlagsSchema.optional(),
  largeIdStrategy: PlanMappingsSchema.shape.largeIdStrategy.optional(),
  imageIdPrefix: z.enum(['keep', 'rewrite']).optional(),
  instanceTypes: PlanMappingsSchema.shape.instanceTypes.optional(),
});

const HostsSchema = z.strictObject({
  compute: z.string().trim().min(1).max(255),
  volume: z.string().trim().min(1).max(255),
  network: z.string().trim().min(1).max(255),
});

export const PlanRequestSchema = z.strictObject({
  inventoryId: UuidSchema,
  targetConnectionId: UuidSchema,
  selection: PlanSelectionSchema.default({}),
  mappings: MappingChoicesSchema.optional(),
  settings: z
    .strictObject({
      imagesPath: z.string().trim().min(1).max(4096).optional(),
      hosts: HostsSchema.optional(),
      imageReadPath: z.enum(['decrypted', 'bundle']).optional(),
      stallAfterSeconds: z.number().positive().max(3600).optional(),
    })
    .optional(),
});

export const ReplanRequestSchema = z.strictObject({
  selection: PlanSelectionSchema.optional(),
  mappings: MappingChoicesSchema.optional(),
});

export const AcknowledgeRequestSchema = z.strictObject({
  /** `key` of each warning acknowledged, as the plan lists it. */
  findingKeys: z.array(z.string().max(100_000)).max(1000),
});

export const PlanSummarySchema = z.object({
  id: UuidSchema,
  inventoryId: UuidSchema,
  createdAt: z.string(),
  fingerprint: Sha256HexSchema,
  confirmedAt: z.string().nullable(),
  targetConnectionId: UuidSchema.nullable(),
  settings: z.record(z.string(), z.unknown()).nullable(),
  selection: PlanSelectionSchema,
  mappings: PlanMappingsSchema,
  /** Items per kind and action. */
  counts: z.record(z.string(), z.record(z.string(), z.number())),
  pulledIn: z.number(),
  findings: z.array(FindingSchema.and(z.object({ key: z.string() }))),
  /** Whether a job may start from it now (no blocking finding, every warning acknowledged). */
  runnable: z.boolean(),
  /** The source cloud's name (its connection's `name`, else the EC2 host): typed to confirm. */
  cloudName: z.string(),
});
export type PlanSummary = z.infer<typeof PlanSummarySchema>;

export const PlanListingSchema = z.object({
  id: UuidSchema,
  inventoryId: UuidSchema,
  createdAt: z.string(),
  fingerprint: z.string(),
  confirmedAt: z.string().nullable(),
  targetConnectionId: UuidSchema.nullable(),
});

export const PlanItemsQuerySchema = z.object({
  kind: ResourceKindSchema.optional(),
  action: PlanActionSchema.optional(),
  pulledIn: z.enum(['true', 'false']).optional(),
  q: z.string().max(200).optional(),
  owner: z.string().max(200).optional(),
  sort: z.enum(['sourceId', 'owner', 'kind', 'action']).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const PlanItemsPageSchema = z.object({ ...pageFields, rows: z.array(PlanItemSchema) });

export const StartJobRequestSchema = z.strictObject({
  planId: UuidSchema,
  /** The fingerprint of the plan the operator confirmed; a plan changed since is refused. */
  fingerprint: Sha256HexSchema,
});

export const DiscoveryRequestSchema = z.strictObject({ connectionId: UuidSchema });

/** Every refusal the API sends: the operator-facing message, and a stable code when there is one. */
export const ApiErrorSchema = z.object({
  error: z.string(),
  code: z.string().optional(),
  statusCode: z.number().optional(),
});

export const IdParamsSchema = z.object({ id: UuidSchema });

export const NetworkQuerySchema = z.object({
  status: z.enum(['kept', 'changed', 'external', 'none']).optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** The Network step: the mapping, the networks to create, each instance's fixed IP decision. */
export const NetworkViewSchema = z.object({
  mode: z.string(),
  modeSource: z.string(),
  manager: z.string(),
  recommendedManager: z.string(),
  networks: z.array(
    z.object({
      index: z.number(),
      cidr: z.string(),
      netmask: z.string(),
      gateway: z.string(),
      broadcast: z.string(),
      bridge: z.string(),
      dhcpStart: z.string(),
      vlan: z.number().nullable(),
      vpnPrivateAddress: z.string().nullable(),
      vpnPublicPort: z.number().nullable(),
      projectId: z.string().nullable(),
      reservedBottom: z.number(),
      size: z.number(),
    }),
  ),
  instances: z.object({
    total: z.number(),
    kept: z.number(),
    changed: z.number(),
    other: z.number(),
    rows: z.array(
      z.object({
        instanceId: z.string(),
        projectId: z.string().optional(),
        sourceIp: z.string().optional(),
        novaIp: z.string().optional(),
        status: z.enum(['kept', 'changed', 'external', 'none']),
        reason: z.string(),
      }),
    ),
  }),
  floatingIps: z.number(),
  /** The nova.conf network flags, ready to paste. */
  novaConf: z.string(),
  explanation: z.array(z.string()),
});
export type NetworkView = z.infer<typeof NetworkViewSchema>;

/** What a selection covers before any plan: per kind, picked directly and pulled in. */
export const SelectionPreviewRequestSchema = z.strictObject({ selection: PlanSelectionSchema });

export const SelectionPreviewSchema = z.object({
  counts: z.record(z.string(), z.object({ selected: z.number(), pulledIn: z.number() })),
  pulledInTotal: z.number(),
  /** The first pulled-in resources (at most 500), each with what needed it and why. */
  pulledIn: z.array(
    z.object({
      kind: ResourceKindSchema,
      sourceId: z.string(),
      owner: z.string().nullable(),
      pulledInBy: z.object({
        kind: ResourceKindSchema,
        sourceId: z.string(),
        relation: z.string(),
      }),
    }),
  ),
});
export type SelectionPreview = z.infer<typeof SelectionPreviewSchema>;

/**
 * The report without its long lists (the id map and the images come a page at a time), for the
 * Report step; the JSON download is the whole canonical report.
 */
export const ReportSummarySchema = ReportSchema.omit({ idMap: true, images: true }).extend({
  idMapTotal: z.number(),
  /** Id map entries whose Nova id differs from the Eucalyptus id. */
  changedIds: z.number(),
  imagesTotal: z.number(),
  imageBytes: z.number(),
  usersTotal: z.number(),
});
export type ReportSummary = z.infer<typeof ReportSummarySchema>;

export const IdMapQuerySchema = z.object({
  kind: ResourceKindSchema.optional(),
  owner: z.string().max(200).optional(),
  q: z.string().max(200).optional(),
  /** Only the ids that change (`true`), or only those kept (`false`). */
  changed: z.enum(['true', 'false']).optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const IdMapPageSchema = z.object({ ...pageFields, rows: z.array(IdMapEntrySchema) });
export type IdMapPage = z.infer<typeof IdMapPageSchema>;

export const ReportUsersQuerySchema = z.object({
  q: z.string().max(200).optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** One row per migrated user: what moved and whether Nova shows it as Eucalyptus did. */
export const ReportUserRowSchema = z.object({
  user: z.string(),
  /** Id map entries the user owns, the user's own included. */
  items: z.number(),
  /**
   * Of those, the ids the user sees change: EC2 ids (instances, volumes, images, addresses) that
   * differ, case included. Key pair and group names stay; the user's own entry is not counted (the
   * access key is what a user signs in with).
   */
  changedIds: z.number(),
  verification: z.enum(['matching', 'differing', 'not-run']),
  differences: z.number(),
});
export type ReportUserRow = z.infer<typeof ReportUserRowSchema>;

export const ReportUsersPageSchema = z.object({
  ...pageFields,
  rows: z.array(ReportUserRowSchema),
});
export type ReportUsersPage = z.infer<typeof ReportUsersPageSchema>;

export const ReportUserQuerySchema = z.object({
  user: z.string().min(1).max(200),
  /** Nova's EC2 URL, written into the notice; absent: a placeholder the operator replaces. */
  ec2Url: url("Nova's EC2 URL").optional(),
});

/** What changes for one user, and a notice the operator can send them. */
export const ReportUserDetailSchema = z.object({
  user: z.string(),
  /** What moved of theirs, per kind (the user's own entry not counted). */
  counts: z.record(z.string(), z.number()),
  /**
   * Their ids that change in Nova as they see them (see `ReportUserRowSchema.changedIds`; at most
   * 1000, the id map has them all).
   */
  changedIds: z.array(IdMapEntrySchema),
  changedIdsTotal: z.number(),
  verification: UserVerificationSchema.nullable(),
  notice: z.string(),
});
export type ReportUserDetail = z.infer<typeof ReportUserDetailSchema>;
