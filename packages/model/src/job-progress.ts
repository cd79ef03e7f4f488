import { z } from 'zod';
import { ResourceKindSchema, UuidSchema } from './schemas/common.ts';
import type { ResourceKind } from './schemas/common.ts';
import {
  JOB_PHASES,
  JobPhaseSchema,
  JobStatusSchema,
  LOG_LEVELS,
  type JobEvent,
  type JobPhase,
} from './schemas/job.ts';

/*
 * A job's progress as one document, reduced from its events. The server answers a page load with
 * it (GET /api/jobs/:id/progress, reduced up to `asOfSeq`), and the wizard applies the live events
 * after that seq with the same function: one reducer on both sides, so a reload shows exactly
 * what a page that stayed open shows.
 */

export const PHASE_STATES = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
] as const;

export const PhaseProgressSchema = z.object({
  phase: JobPhaseSchema,
  status: z.enum(PHASE_STATES),
  /** From `run-totals` or the phase's start; null until either is known. */
  itemsTotal: z.number().nullable(),
  itemsDone: z.number(),
  itemsFailed: z.number(),
  bytesTotal: z.number().nullable(),
  bytesDone: z.number(),
  startedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
});
export type PhaseProgress = z.infer<typeof PhaseProgressSchema>;

export const TRANSFER_STATES = ['running', 'stalled', 'retrying', 'done', 'failed'] as const;

export const TransferProgressSchema = z.object({
  kind: ResourceKindSchema,
  sourceId: z.string(),
  status: z.enum(TRANSFER_STATES),
  bytesDone: z.number(),
  bytesTotal: z.number().nullable(),
  bytesPerSecond: z.number(),
  etaSeconds: z.number().nullable(),
  /** How long nothing has moved, when stalled. */
  stalledForSeconds: z.number().nullable(),
  /** The last error, while retrying or once failed. */
  error: z.string().nullable(),
  /** `at` of the last event about it. */
  updatedAt: z.string(),
});
export type TransferProgress = z.infer<typeof TransferProgressSchema>;

export const LogLineSchema = z.object({
  seq: z.number(),
  at: z.string(),
  level: z.enum(LOG_LEVELS),
  text: z.string(),
});
export type LogLine = z.infer<typeof LogLineSchema>;

export const FailedItemSchema = z.object({
  kind: ResourceKindSchema,
  sourceId: z.string(),
  error: z.string(),
});

export const JobProgressSchema = z.object({
  jobId: UuidSchema,
  /** The highest seq applied: a client subscribes after it. */
  asOfSeq: z.number(),
  status: JobStatusSchema.nullable(),
  currentPhase: JobPhaseSchema.nullable(),
  /** Every phase of a run, in run order. */
  phases: z.array(PhaseProgressSchema),
  totals: z.object({
    itemsTotal: z.number().nullable(),
    itemsDone: z.number(),
    itemsFailed: z.number(),
    itemsSkipped: z.number(),
    bytesTotal: z.number().nullable(),
    bytesDone: z.number(),
  }),
  /** Image copies, in the order they started. */
  transfers: z.array(TransferProgressSchema),
  /** Items given up (retries exhausted), until a retry brings them through. */
  failedItems: z.array(FailedItemSchema),
  /** A discovery's progress per resource it reads. */
  discovery: z.array(z.object({ resource: z.string(), done: z.number(), total: z.number() })),
  findings: z.number(),
  /** The newest lines at info level and above, oldest first. */
  log: z.array(LogLineSchema),
  /** The newest debug lines (one per item written), oldest first. */
  debugLog: z.array(LogLineSchema),
  /** Lines no longer kept (the events still hold them). */
  logDropped: z.number(),
});
export type JobProgress = z.infer<typeof JobProgressSchema>;

/** Lines kept at info level and above, and at debug level. */
export const PROGRESS_LOG_KEEP = 5000;
export const PROGRESS_DEBUG_LOG_KEEP = 1000;

/** The phase that writes items of a kind. */
export const PHASE_OF_KIND: Readonly<Record<ResourceKind, JobPhase>> = {
  user: 'users',
  keyPair: 'key-pairs',
  securityGroup: 'security-groups',
  network: 'networks',
  address: 'floating-ips',
  image: 'images',
  volume: 'volumes',
  snapshot: 'plan',
  instance: 'instances',
};

export function emptyJobProgress(jobId: string): JobProgress {
  return {
    jobId,
    asOfSeq: 0,
    status: null,
    currentPhase: null,
    phases: JOB_PHASES.map((phase) => ({
      phase,
      status: 'pending',
      itemsTotal: null,
      itemsDone: 0,
      itemsFailed: 0,
      bytesTotal: null,
      bytesDone: 0,
      startedAt: null,
      durationMs: null,
    })),
    totals: {
      itemsTotal: null,
      itemsDone: 0,
      itemsFailed: 0,
      itemsSkipped: 0,
      bytesTotal: null,
      bytesDone: 0,
    },
    transfers: [],
    failedItems: [],
    discovery: [],
    findings: 0,
    log: [],
    debugLog: [],
    logDropped: 0,
  };
}

const seconds = (ms: number): string =>
  ms < 1000 ? `${String(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/** The log line an event makes, if any (bytes and discovery counters make none). */
export function logLineOf(e: JobEvent): LogLine | undefined {
  const line = (level: LogLine['level'], text: string): LogLine => ({
    seq: e.seq,
    at: e.at,
    level,
    text,
  });
  switch (e.type) {
    case 'job-status-changed':
      return line(
        e.to === 'failed' ? 'error' : 'info',
        `Job ${e.from === undefined ? '' : `${e.from} → `}${e.to}${e.reason === undefined ? '' : `: ${e.reason}`}`,
      );
    case 'run-totals':
      return line(
        'info',
        `Planned: ${e.phases.map((p) => `${p.phase} ${String(p.items)}`).join(', ')}${e.skipped > 0 ? `; ${String(e.skipped)} left out` : ''}`,
      );
    case 'phase-started':
      return line(
        'info',
        `Phase ${e.phase} started${e.itemsTotal === undefined ? '' : ` (${String(e.itemsTotal)} items)`}`,
      );
    case 'phase-finished':
      return line(
        e.outcome === 'failed' ? 'error' : 'info',
        `Phase ${e.phase} ${e.outcome} in ${seconds(e.durationMs)}`,
      );
    case 'item-done':
      return line(
        'debug',
        `${e.kind} ${e.sourceId} ${e.action === 'created' ? 'written' : 'already there, identical'}${e.targetId !== undefined && e.targetId !== e.sourceId ? ` as ${e.targetId}` : ''}`,
      );
    case 'item-failed':
      return line(
        e.willRetry ? 'warn' : 'error',
        `${e.kind} ${e.sourceId} failed: ${e.error.message}${e.willRetry ? ' (will retry)' : ''}`,
      );
    case 'item-skipped':
      return line('warn', `${e.kind} ${e.sourceId} left out: ${e.reason}`);
    case 'transfer-stalled':
      return line(
        'warn',
        `${e.kind} ${e.sourceId}: no bytes moved for ${String(Math.round(e.stalledForSeconds))} s`,
      );
    case 'finding':
      return line(
        e.finding.severity === 'error'
          ? 'error'
          : e.finding.severity === 'warning'
            ? 'warn'
            : 'info',
        e.finding.message,
      );
    case 'log':
      return line(e.level, e.message);
    case 'bytes-progress':
    case 'discovery-progress':
      return undefined;
  }
}

/**
 * Applies events (in increasing seq order; those at or below `asOfSeq` are ignored, so a replay
 * overlapping what was applied is harmless) and returns a new progress. What did not change is
 * shared with the old one, so React sees which parts moved.
 */
export function applyJobEvents(progress: JobProgress, events: readonly JobEvent[]): JobProgress {
  // A replay and the live stream can overlap within one batch too: keep each seq once.
  let asOfSeq = progress.asOfSeq;
  const fresh: JobEvent[] = [];
  for (const e of events) {
    if (e.seq <= asOfSeq) continue;
    fresh.push(e);
    asOfSeq = e.seq;
  }
  if (fresh.length === 0) return progress;
  const phases = new Map(progress.phases.map((p) => [p.phase, p]));
  const phase = (p: JobPhase): PhaseProgress => {
    const copy = { ...(phases.get(p) as PhaseProgress) };
    phases.set(p, copy);
    return copy;
  };
  const transfers = new Map(progress.transfers.map((t) => [`${t.kind}:${t.sourceId}`, t]));
  const failed = new Map(progress.failedItems.map((f) => [`${f.kind}:${f.sourceId}`, f]));
  const discovery = new Map(progress.discovery.map((d) => [d.resource, d]));
  const totals = { ...progress.totals };
  let { status, currentPhase, findings, logDropped } = progress;
  const log = [...progress.log];
  const debugLog = [...progress.debugLog];

  const transfer = (
    e: Extract<JobEvent, { kind: ResourceKind }>,
    change: Partial<TransferProgress>,
  ): void => {
    const key = `${e.kind}:${e.sourceId}`;
    const before = transfers.get(key) ?? {
      kind: e.kind,
      sourceId: e.sourceId,
      status: 'running' as const,
      bytesDone: 0,
      bytesTotal: null,
      bytesPerSecond: 0,
      etaSeconds: null,
      stalledForSeconds: null,
      error: null,
      updatedAt: e.at,
    };
    transfers.set(key, { ...before, ...change, updatedAt: e.at });
  };

  for (const e of fresh) {
    switch (e.type) {
      case 'job-status-changed':
        status = e.to;
        // A run that stops on an error or a cancel finishes no phase it was in.
        if (e.to === 'failed' || e.to === 'cancelled')
          for (const [name, p] of phases) if (p.status === 'running') phase(name).status = e.to;
        break;
      case 'run-totals': {
        let items = e.skipped;
        let bytes: number | null = 0;
        for (const t of e.phases) {
          const p = phase(t.phase);
          p.itemsTotal = t.items;
          if (t.bytes !== undefined) p.bytesTotal = t.bytes;
          items += t.items;
          // Images to copy whose size nobody knows: the bytes to come are unknown too.
          if (t.phase === 'images' && t.items > 0 && t.bytes === undefined) bytes = null;
          else if (bytes !== null) bytes += t.bytes ?? 0;
        }
        totals.itemsTotal = items;
        totals.bytesTotal = bytes;
        break;
      }
      case 'phase-started': {
        const p = phase(e.phase);
        p.status = 'running';
        p.startedAt ??= e.at;
        p.durationMs = null;
        if (e.itemsTotal !== undefined) p.itemsTotal = e.itemsTotal;
        currentPhase = e.phase;
        break;
      }
      case 'phase-finished': {
        const p = phase(e.phase);
        p.status = e.outcome;
        p.durationMs = e.durationMs;
        break;
      }
      case 'item-done': {
        const key = `${e.kind}:${e.sourceId}`;
        const p = phase(PHASE_OF_KIND[e.kind]);
        p.itemsDone += 1;
        totals.itemsDone += 1;
        if (failed.delete(key)) {
          p.itemsFailed -= 1;
          totals.itemsFailed -= 1;
        }
        const t = transfers.get(key);
        if (t !== undefined) {
          const size = t.bytesTotal ?? t.bytesDone;
          phase('images').bytesDone += size - t.bytesDone;
          totals.bytesDone += size - t.bytesDone;
          transfer(e, {
            status: 'done',
            bytesDone: size,
            bytesPerSecond: 0,
            etaSeconds: 0,
            stalledForSeconds: null,
            error: null,
          });
        }
        break;
      }
      case 'item-failed': {
        const key = `${e.kind}:${e.sourceId}`;
        // Only copies fail item by item; one that fails before its first byte is shown too.
        if (transfers.has(key) || PHASE_OF_KIND[e.kind] === 'images')
          transfer(e, {
            status: e.willRetry ? 'retrying' : 'failed',
            error: e.error.message,
            bytesPerSecond: 0,
            etaSeconds: null,
          });
        if (!e.willRetry && !failed.has(key)) {
          failed.set(key, { kind: e.kind, sourceId: e.sourceId, error: e.error.message });
          phase(PHASE_OF_KIND[e.kind]).itemsFailed += 1;
          totals.itemsFailed += 1;
        }
        break;
      }
      case 'item-skipped':
        totals.itemsSkipped += 1;
        break;
      case 'bytes-progress': {
        const known = transfers.get(`${e.kind}:${e.sourceId}`);
        // A progress tick that was on its way when the copy finished changes nothing.
        if (known?.status === 'done') break;
        const before = known?.bytesDone ?? 0;
        phase('images').bytesDone += e.bytesDone - before;
        totals.bytesDone += e.bytesDone - before;
        transfer(e, {
          status: 'running',
          bytesDone: e.bytesDone,
          bytesTotal: e.bytesTotal ?? null,
          bytesPerSecond: e.bytesPerSecond,
          etaSeconds: e.etaSeconds ?? null,
          stalledForSeconds: null,
          error: null,
        });
        break;
      }
      case 'transfer-stalled':
        if (transfers.get(`${e.kind}:${e.sourceId}`)?.status === 'done') break;
        transfer(e, {
          status: 'stalled',
          stalledForSeconds: e.stalledForSeconds,
          bytesPerSecond: 0,
        });
        break;
      case 'finding':
        findings += 1;
        break;
      case 'discovery-progress':
        discovery.set(e.resource, { resource: e.resource, done: e.done, total: e.total });
        break;
      case 'log':
        break;
    }
    const line = logLineOf(e);
    if (line !== undefined) (line.level === 'debug' ? debugLog : log).push(line);
  }
  if (log.length > PROGRESS_LOG_KEEP)
    logDropped += log.splice(0, log.length - PROGRESS_LOG_KEEP).length;
  if (debugLog.length > PROGRESS_DEBUG_LOG_KEEP)
    logDropped += debugLog.splice(0, debugLog.length - PROGRESS_DEBUG_LOG_KEEP).length;

  return {
    jobId: progress.jobId,
    asOfSeq,
    status,
    currentPhase,
    phases: JOB_PHASES.map((p) => phases.get(p) as PhaseProgress),
    totals,
    transfers: [...transfers.values()],
    failedItems: [...failed.values()],
    discovery: [...discovery.values()],
    findings,
    log,
    debugLog,
    logDropped,
  };
}
