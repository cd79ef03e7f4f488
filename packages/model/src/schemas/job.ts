import { z } from 'zod';
import {
  CountSchema,
  ErrorInfoSchema,
  ResourceKindSchema,
  TimestampSchema,
  UuidSchema,
  proseSchema,
  textSchema,
} from './common.ts';
import { FindingSchema } from './finding.ts';

export const JOB_TYPES = ['discover', 'migrate'] as const;
export const JobTypeSchema = z.enum(JOB_TYPES);
export type JobType = z.infer<typeof JobTypeSchema>;

export const JOB_STATUSES = [
  'queued',
  'running',
  'paused',
  'cancelling',
  'cancelled',
  'failed',
  'succeeded',
] as const;
export const JobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatusSchema>;

/**
 * Allowed status changes. `running -> queued` is a worker lost mid-step (stale heartbeat) and
 * `failed -> queued` an operator's resume: the journal makes re-running a step safe.
 * `cancelled` and `succeeded` are final.
 */
export const JOB_STATUS_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  queued: ['running', 'cancelled'],
  running: ['paused', 'cancelling', 'failed', 'succeeded', 'queued'],
  paused: ['running', 'cancelling'],
  cancelling: ['cancelled', 'failed'],
  cancelled: [],
  failed: ['queued'],
  succeeded: [],
};

export function canTransitionJob(from: JobStatus, to: JobStatus): boolean {
  return JOB_STATUS_TRANSITIONS[from].includes(to);
}

/** No worker will touch the job again by itself. */
export function isFinalJobStatus(status: JobStatus): boolean {
  return status === 'cancelled' || status === 'failed' || status === 'succeeded';
}

/**
 * Run order of a migration, bracketed by discover/plan and verify/report. Rows follow Nova's
 * foreign keys (fixed IPs exist before instances take them, floating IPs point at fixed IPs,
 * volumes at instances); image copies start after the networks and run beside the row phases.
 */
export const JOB_PHASES = [
  'discover',
  'plan',
  'users',
  'key-pairs',
  'security-groups',
  'networks',
  'images',
  'instances',
  'floating-ips',
  'volumes',
  'sequences',
  'verify',
  'report',
] as const;
export const JobPhaseSchema = z.enum(JOB_PHASES);
export type JobPhase = z.infer<typeof JobPhaseSchema>;

export const JobCountersSchema = z.strictObject({
  itemsTotal: CountSchema,
  itemsDone: CountSchema,
  itemsFailed: CountSchema,
  itemsSkipped: CountSchema,
  bytesTotal: CountSchema,
  bytesDone: CountSchema,
});
export type JobCounters = z.infer<typeof JobCountersSchema>;

export const JobSchema = z
  .strictObject({
    id: UuidSchema,
    type: JobTypeSchema,
    status: JobStatusSchema,
    /** Required for `migrate`: the confirmed plan. */
    planId: UuidSchema.optional(),
    /** The inventory a `discover` job produced, or a `migrate` job's plan was made from. */
    inventoryId: UuidSchema.optional(),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
    startedAt: TimestampSchema.optional(),
    finishedAt: TimestampSchema.optional(),
    lastHeartbeatAt: TimestampSchema.optional(),
    currentPhase: JobPhaseSchema.optional(),
    /** Highest `seq` emitted so far: a client resumes from here. */
    lastSeq: CountSchema,
    counters: JobCountersSchema,
    error: ErrorInfoSchema.optional(),
  })
  .superRefine((job, ctx) => {
    if (job.type === 'migrate' && job.planId === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a migrate job needs a planId', path: ['planId'] });
    }
    if (job.status === 'failed' && job.error === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a failed job says why', path: ['error'] });
    }
    if (isFinalJobStatus(job.status) && job.finishedAt === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `a ${job.status} job has a finishedAt`,
        path: ['finishedAt'],
      });
    }
    const c = job.counters;
    if (c.itemsDone + c.itemsFailed + c.itemsSkipped > c.itemsTotal) {
      ctx.addIssue({
        code: 'custom',
        message: 'more items finished than planned',
        path: ['counters'],
      });
    }
    if (c.bytesDone > c.bytesTotal) {
      ctx.addIssue({
        code: 'custom',
        message: 'more bytes done than total',
        path: ['counters', 'bytesDone'],
      });
    }
  });
export type Job = z.infer<typeof JobSchema>;

// ---------------------------------------------------------------------------------------------
// Events

const eventBase = {
  jobId: UuidSchema,
  /** Per-job, strictly increasing from 1, no gaps: clients apply events after their last seq. */
  seq: z.int().min(1),
  at: TimestampSchema,
};

const ItemRefFields = {
  kind: ResourceKindSchema,
  sourceId: textSchema(255, 1),
};

export const JobStatusChangedEventSchema = z.strictObject({
  ...eventBase,
  type: z.literal('job-status-changed'),
  from: JobStatusSchema.optional(),
  to: JobStatusSchema,
  reason: proseSchema(2000).optional(),
});

export const PhaseStartedEventSchema = z.strictObject({
  ...eventBase,
  type: z.literal('phase-started'),
  phase: JobPhaseSchema,
  itemsTotal: CountSchema.optional(),
});

/**
 * What a run is about to do, announced once before its first phase: the items (and for images the
 * bytes) of each phase, and the items the plan leaves out. Progress bars have their totals from it.
 */
export const RunTotalsEventSchema = z.strictObject({
  ...eventBase,
  type: z.literal('run-totals'),
  phases: z.array(
    z.strictObject({ phase: JobPhaseSchema, items: CountSchema, bytes: CountSchema.optional() }),
  ),
  /** Conflicts and unsupported items: announced as `item-skipped`. */
  skipped: CountSchema,
});

export const PhaseFinishedEventSchema = z.strictObject({
  ...eventBase,
  type: z.literal('phase-finished'),
  phase: JobPhaseSchema,
  outcome: z.enum(['succeeded', 'failed', 'cancelled', 'skipped']),
  durationMs: CountSchema,
});

export const ItemDoneEventSchema = z.strictObject({
  ...eventBase,
  type: z.literal('item-done'),
  ...ItemRefFields,
  targetId: textSchema(255, 1).optional(),
  action: z.enum(['created', 'skipped-identical']),
});

export const ItemFailedEventSchema = z.strictObject({
  ...eventBase,
  type: z.literal('item-failed'),
  ...ItemRefFields,
  error: ErrorInfoSchema,
  /** The step will be tried again (backoff); false when the item is given up. */
  willRetry: z.boolean(),
});

export const ItemSkippedEventSchema = z.strictObject({
  ...eventBase,
  type: z.literal('item-skipped'),
  ...ItemRefFields,
  reason: proseSchema(2000),
});

export const BytesProgressEventSchema = z
  .strictObject({
    ...eventBase,
    type: z.literal('bytes-progress'),
    ...ItemRefFields,
    bytesDone: CountSchema,
    /** Unknown until the source tells (e.g. no Content-Length). */
    bytesTotal: CountSchema.optional(),
    bytesPerSecond: z.number().nonnegative(),
    /** Absent when the total or the rate is unknown. */
    etaSeconds: z.number().nonnegative().optional(),
  })
  .refine((e) => e.bytesTotal === undefined || e.bytesDone <= e.bytesTotal, {
    message: 'bytesDone exceeds bytesTotal',
    path: ['bytesDone'],
  });

export const TransferStalledEventSchema = z.strictObject({
  ...eventBase,
  type: z.literal('transfer-stalled'),
  ...ItemRefFields,
  bytesDone: CountSchema,
  stalledForSeconds: z.number().nonnegative(),
});

export const FindingEventSchema = z.strictObject({
  ...eventBase,
  type: z.literal('finding'),
  finding: FindingSchema,
});

/** What a discovery job has read so far, per kind of resource (users, images, manifests, ...). */
export const DiscoveryProgressEventSchema = z.strictObject({
  ...eventBase,
  type: z.literal('discovery-progress'),
  resource: textSchema(64, 1),
  done: CountSchema,
  total: CountSchema,
});

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export const LogEventSchema = z.strictObject({
  ...eventBase,
  type: z.literal('log'),
  level: z.enum(LOG_LEVELS),
  /** Already redacted by the emitter: events never carry credentials. */
  message: proseSchema(8000),
});

export const JobEventSchema = z.discriminatedUnion('type', [
  JobStatusChangedEventSchema,
  PhaseStartedEventSchema,
  RunTotalsEventSchema,
  PhaseFinishedEventSchema,
  ItemDoneEventSchema,
  ItemFailedEventSchema,
  ItemSkippedEventSchema,
  BytesProgressEventSchema,
  TransferStalledEventSchema,
  FindingEventSchema,
  DiscoveryProgressEventSchema,
  LogEventSchema,
]);
export type JobEvent = z.infer<typeof JobEventSchema>;
export type JobEventType = JobEvent['type'];
/** The event of one type, e.g. `JobEventOf<'bytes-progress'>`. */
export type JobEventOf<T extends JobEventType> = Extract<JobEvent, { type: T }>;
/** What an emitter supplies; the store adds `jobId`, `seq` and `at`. */
export type JobEventBody = DistributiveOmit<JobEvent, 'jobId' | 'seq' | 'at'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
