import { setTimeout as sleep } from 'node:timers/promises';
import {
  JOB_PHASES,
  type Finding,
  type JobEventBody,
  type JobPhase,
  type JobStatus,
  type Report,
  type Verification,
} from '@euca2nova/model';
import {
  bumpSequences,
  planIdWidening,
  serialTables,
  widenIdColumns,
  withClient,
  writeFloatingIps,
  writeInstances,
  writeKeyPairs,
  writeNetworks,
  writeSecurityGroups,
  writeUsers,
  writeVolumes,
  type KindWriteResult,
  type WriteOptions,
} from '@euca2nova/nova';
import { buildReport } from './build-report.ts';
import {
  JobSetupError,
  loadJobContext,
  type JobContext,
  type LoadContextOptions,
} from './context.ts';
import { StopRequest, errorInfo } from './errors.ts';
import { OWNER, ownerIsGone } from './owner.ts';
import type { StepRecord, StepWrite } from '@euca2nova/model';
import type { JobStore, TransferQueuePort } from './ports.ts';
import { verifyMigration } from './verify.ts';

export interface EngineDeps {
  readonly store: JobStore;
  readonly queue: TransferQueuePort;
}

export interface RunMigrationOptions extends LoadContextOptions {
  /**
   * Aborting stops the run: as a pause (resumable), a cancel, or `leave`: this process stops
   * (a server shutting down) and the job stays `running` for the next process to take over.
   */
  readonly signal?: AbortSignal;
  readonly onAbort?: 'pause' | 'cancel' | 'leave';
  readonly heartbeatMs?: number;
  /** How often the images phase looks at the journal. */
  readonly pollMs?: number;
  /** A `running` job whose heartbeat is older than this is taken over (its process died). */
  readonly staleAfterMs?: number;
}

export interface RunOutcome {
  readonly jobId: string;
  readonly status: JobStatus;
  readonly failedItems: number;
  readonly report?: Report;
  readonly verification?: Verification;
}

/** The job cannot be taken: another live process runs it, or it is finished. */
export class JobBusyError extends JobSetupError {}

class PhaseFailed extends Error {
  override readonly name = 'PhaseFailed';
}

type RowPhase = Exclude<
  JobPhase,
  'discover' | 'plan' | 'images' | 'sequences' | 'verify' | 'report'
>;

const ROW_WRITERS: readonly {
  readonly phase: RowPhase;
  readonly write: (ctx: JobContext, options: WriteOptions) => Promise<KindWriteResult>;
}[] = [
  { phase: 'users', write: (c, o) => writeUsers(c.novaDb, c.inventory, o) },
  { phase: 'key-pairs', write: (c, o) => writeKeyPairs(c.novaDb, c.inventory, o) },
  { phase: 'security-groups', write: (c, o) => writeSecurityGroups(c.novaDb, c.inventory, o) },
  { phase: 'networks', write: (c, o) => writeNetworks(c.novaDb, c.input.network, o) },
  { phase: 'instances', write: (c, o) => writeInstances(c.novaDb, c.input, o) },
  { phase: 'floating-ips', write: (c, o) => writeFloatingIps(c.novaDb, c.input, o) },
  { phase: 'volumes', write: (c, o) => writeVolumes(c.novaDb, c.input, o) },
];

/**
 * Items journaled per transaction. A phase of 10,000 instances recorded at once held its events
 * back for a second or more and sent them to every progress client as one burst; in chunks they
 * flow. Safe to split: a step already done is never recorded or announced again, and the phase's
 * own step comes last, so a crash between chunks replays the phase and records only the rest.
 */
const JOURNAL_CHUNK = 500;

async function recordInChunks(
  store: JobStore,
  jobId: string,
  writes: readonly StepWrite[],
): Promise<void> {
  for (let i = 0; i < writes.length; i += JOURNAL_CHUNK)
    await store.recordSteps(jobId, writes.slice(i, i + JOURNAL_CHUNK));
}

function stopRequestOf(options: RunMigrationOptions): StopRequest {
  return new StopRequest(
    options.onAbort === 'pause' ? 'paused' : options.onAbort === 'leave' ? 'shutdown' : 'cancelled',
  );
}

const findingKey = (f: Finding): string =>
  `${f.ruleId}\u0000${[...f.affectedIds].sort().join(',')}`;

/** The phases that write items, in run order: what `run-totals` counts. */
const ITEM_PHASES: readonly JobPhase[] = JOB_PHASES.filter(
  (p) => p === 'images' || ROW_WRITERS.some((w) => w.phase === p),
);

/**
 * What the run is about to do: every item phase with its items, and for images the bytes to copy
 * (the manifests' sizes, which a copy must match), unless a size is unknown.
 */
function runTotals(ctx: JobContext, skipped: number): JobEventBody {
  const toCopy = (ctx.itemsByPhase.get('images') ?? []).filter((i) => i.action === 'create');
  const sizes = toCopy.map((i) => ctx.images.get(i.sourceId)?.sizeBytes);
  const bytes = sizes.every((b) => b !== undefined) ? sizes.reduce((n, b) => n + b, 0) : undefined;
  return {
    type: 'run-totals',
    phases: ITEM_PHASES.map((phase) => ({
      phase,
      items: ctx.itemsByPhase.get(phase)?.length ?? 0,
      ...(phase === 'images' && bytes !== undefined ? { bytes } : {}),
    })),
    skipped,
  };
}

/**
 * Run (or continue) a migration job to its end: rows phase by phase, images through the transfer
 * queue, then sequences, verification and the report. Every step is journaled with the events
 * that announce it, in one transaction, so a process killed at any moment and started again
 * continues where the journal stops: writers are idempotent (present and identical = skipped)
 * and image copies resume from their byte offset. Rows get `created_at` = the inventory's
 * discovery time, so a resumed run writes exactly what an uninterrupted one would.
 */
export async function runMigration(
  deps: EngineDeps,
  jobId: string,
  options: RunMigrationOptions = {},
): Promise<RunOutcome> {
  const { store } = deps;
  const ctx = await loadJobContext(store, jobId, options);
  try {
    await takeJob(store, jobId, options.staleAfterMs ?? 20_000);
    return await drive(deps, ctx, options);
  } finally {
    ctx.close();
  }
}

async function takeJob(store: JobStore, jobId: string, staleAfterMs: number): Promise<void> {
  const job = await store.getJob(jobId);
  switch (job.status) {
    case 'queued':
      break;
    case 'paused':
      if (await store.transition(jobId, ['paused'], 'running', { reason: 'resumed', owner: OWNER }))
        return;
      break;
    case 'failed':
      // Retry the failed items alone: everything done stays done.
      await store.reopenFailedSteps(jobId);
      await store.transition(jobId, ['failed'], 'queued', { reason: 'retrying failed items' });
      break;
    case 'running': {
      const beat = job.lastHeartbeatAt === null ? 0 : Date.parse(job.lastHeartbeatAt);
      if (Date.now() - beat < staleAfterMs && !ownerIsGone(job.owner))
        throw new JobBusyError(
          'busy',
          `Job ${jobId} is running in another process (last heartbeat ${String(Math.round((Date.now() - beat) / 1000))} s ago).`,
        );
      await store.transition(jobId, ['running'], 'queued', {
        reason: 'the process that ran it stopped; resuming from the journal',
      });
      break;
    }
    case 'cancelling':
      await store.transition(jobId, ['cancelling'], 'cancelled', {
        reason: 'the process cancelling it stopped',
      });
      throw new JobBusyError('finished', `Job ${jobId} was cancelled.`);
    default:
      throw new JobBusyError('finished', `Job ${jobId} is ${job.status}; nothing to resume.`);
  }
  if (!(await store.transition(jobId, ['queued'], 'running', { owner: OWNER })))
    throw new JobBusyError('busy', `Job ${jobId} was taken by another process.`);
}

async function drive(
  deps: EngineDeps,
  ctx: JobContext,
  options: RunMigrationOptions,
): Promise<RunOutcome> {
  const { store } = deps;
  const jobId = ctx.job.id;
  const round = (await store.getJob(jobId)).lastSeq;
  const now = new Date(ctx.inventory.metadata.discoveredAt);
  const runFindings: Finding[] = [];
  const known = new Set(ctx.plan.findings.map(findingKey));
  let phase: JobPhase | null = null;
  const beat = setInterval(() => {
    store.heartbeat(jobId, phase).catch(() => undefined);
  }, options.heartbeatMs ?? 5000);

  let journal = new Map<string, StepRecord>();
  const refresh = async (): Promise<void> => {
    journal = new Map((await store.steps(jobId)).map((s) => [`${s.phase}\u0000${s.item}`, s]));
  };
  const isDone = (p: string, item = ''): boolean =>
    journal.get(`${p}\u0000${item}`)?.status === 'done';

  /** Stop here if asked to; wait while another process has paused the job. */
  const checkpoint = async (): Promise<void> => {
    for (;;) {
      if (options.signal?.aborted === true) throw stopRequestOf(options);
      const { status } = await store.getJob(jobId);
      if (status === 'running') return;
      if (status === 'cancelling' || status === 'cancelled') throw new StopRequest('cancelled');
      if (status !== 'paused')
        throw new JobBusyError('busy', `Job ${jobId} became ${status} under this process.`);
      await sleep(options.pollMs ?? 500);
    }
  };

  const started = async (p: JobPhase, itemsTotal: number): Promise<string> => {
    phase = p;
    await store.heartbeat(jobId, p);
    await store.appendEvents(jobId, [{ type: 'phase-started', phase: p, itemsTotal }]);
    return new Date().toISOString();
  };
  const finishedWrites = (
    p: JobPhase,
    startedAt: string,
    outcome: 'succeeded' | 'failed',
    extra: readonly JobEventBody[] = [],
    error?: { code: string; message: string },
  ): StepWrite => {
    const finishedAt = new Date().toISOString();
    return {
      phase: p,
      item: '',
      status: outcome === 'succeeded' ? 'done' : 'failed',
      result: { startedAt, finishedAt, ...(error === undefined ? {} : { error }) },
      events: [
        ...extra,
        {
          type: 'phase-finished',
          phase: p,
          outcome,
          durationMs: Math.max(0, Date.parse(finishedAt) - Date.parse(startedAt)),
        },
      ],
    };
  };

  const rowPhase = async (
    p: RowPhase,
    write: (typeof ROW_WRITERS)[number]['write'],
  ): Promise<void> => {
    if (isDone(p)) return;
    await checkpoint();
    const items = ctx.itemsByPhase.get(p) ?? [];
    const startedAt = await started(p, items.length);
    const res = await write(ctx, {
      now,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const fresh = res.findings.filter((f) => !known.has(findingKey(f)));
    for (const f of fresh) known.add(findingKey(f));
    runFindings.push(...fresh);
    const findingEvents = fresh.map((finding): JobEventBody => ({ type: 'finding', finding }));
    if (res.conflicts.length > 0) {
      const first = res.conflicts
        .slice(0, 5)
        .map((c) => `${c.kind} ${c.id} (${c.fields.map((f) => f.field).join(', ')})`);
      const error = {
        code: 'conflict',
        message: `${String(res.conflicts.length)} row(s) in Nova changed since the plan was made and differ from the source: ${first.join('; ')}${res.conflicts.length > 5 ? ' …' : ''}. Nothing was overwritten; make a new plan.`,
      };
      await store.recordSteps(jobId, [
        finishedWrites(
          p,
          startedAt,
          'failed',
          [...findingEvents, { type: 'log', level: 'error', message: error.message }],
          error,
        ),
      ]);
      throw new PhaseFailed(error.message);
    }
    await recordInChunks(store, jobId, [
      ...items.map((i): StepWrite => ({
        phase: p,
        item: i.sourceId,
        status: 'done',
        result: {
          ...(i.targetId === undefined ? {} : { targetId: i.targetId }),
          action: i.action === 'create' ? 'created' : 'skipped-identical',
        },
        events: [
          {
            type: 'item-done',
            kind: i.kind,
            sourceId: i.sourceId,
            ...(i.targetId === undefined ? {} : { targetId: i.targetId }),
            action: i.action === 'create' ? 'created' : 'skipped-identical',
          },
        ],
      })),
      finishedWrites(p, startedAt, 'succeeded', findingEvents),
    ]);
  };

  let failedItems = 0;
  try {
    await refresh();
    if (!isDone('plan')) {
      // Announce once, with the plan's own step, what the run will do and what the plan leaves
      // out, so the event log tells the whole story and a resumed run never says it twice.
      const startedAt = new Date().toISOString();
      const skipped = ctx.plan.items
        .filter((i) => i.action === 'conflict' || i.action === 'unsupported')
        .map((i): JobEventBody => ({
          type: 'item-skipped',
          kind: i.kind,
          sourceId: i.sourceId,
          reason: i.reason ?? i.action,
        }));
      await store.recordSteps(jobId, [
        finishedWrites('plan', startedAt, 'succeeded', [
          runTotals(ctx, skipped.length),
          ...skipped,
        ]),
      ]);
    }
    if (ctx.plan.mappings.largeIdStrategy === 'widen-to-bigint' && ctx.input.ids.needsWidening) {
      await checkpoint();
      // Idempotent: columns already bigint are left alone.
      await widenIdColumns(ctx.novaDb, planIdWidening(), { confirmed: true });
    }
    for (const w of ROW_WRITERS.slice(0, 4)) await rowPhase(w.phase, w.write);

    // Images: queued for every worker (this process's and any `euca2nova worker`), while the
    // remaining rows are written here.
    const images = ctx.itemsByPhase.get('images') ?? [];
    let imagesStartedAt: string | undefined;
    if (!isDone('images')) {
      await checkpoint();
      imagesStartedAt = await started('images', images.length);
      const identical = images.filter(
        (i) => i.action === 'skip-identical' && !isDone('images', i.sourceId),
      );
      await recordInChunks(
        store,
        jobId,
        identical.map((i): StepWrite => ({
          phase: 'images',
          item: i.sourceId,
          status: 'done',
          result: {
            action: 'skipped-identical',
            ...(i.targetId === undefined ? {} : { targetId: i.targetId }),
          },
          events: [
            {
              type: 'item-done',
              kind: 'image',
              sourceId: i.sourceId,
              ...(i.targetId === undefined ? {} : { targetId: i.targetId }),
              action: 'skipped-identical',
            },
          ],
        })),
      );
      await deps.queue.enqueue(
        images
          .filter((i) => i.action === 'create' && !isDone('images', i.sourceId))
          .map((i) => ({ jobId, imageId: i.sourceId, round })),
      );
    }
    for (const w of ROW_WRITERS.slice(4)) await rowPhase(w.phase, w.write);

    if (imagesStartedAt !== undefined || !isDone('images')) {
      const startedAt = imagesStartedAt ?? new Date().toISOString();
      phase = 'images';
      for (;;) {
        await checkpoint();
        const steps = await store.steps(jobId, 'images');
        const byItem = new Map(steps.map((s) => [s.item, s]));
        const open = images.filter((i) => {
          const s = byItem.get(i.sourceId);
          return s?.status !== 'done' && s?.status !== 'failed';
        });
        if (open.length === 0) {
          const failed = images.filter((i) => byItem.get(i.sourceId)?.status === 'failed').length;
          await store.recordSteps(jobId, [
            failed === 0
              ? finishedWrites('images', startedAt, 'succeeded')
              : finishedWrites('images', startedAt, 'failed', [], {
                  code: 'items-failed',
                  message: `${String(failed)} image(s) could not be copied.`,
                }),
          ]);
          break;
        }
        await sleep(options.pollMs ?? 500);
      }
    }

    await refresh();
    if (!isDone('sequences')) {
      await checkpoint();
      const startedAt = await started('sequences', 0);
      // Nova's next own id must come after every kept id (nova-bexar.md §1.2).
      await withClient(ctx.novaDb, (db) => bumpSequences(db, serialTables()));
      await store.recordSteps(jobId, [finishedWrites('sequences', startedAt, 'succeeded')]);
    }

    await checkpoint();
    await refresh();
    failedItems = [...journal.values()].filter(
      (s) => s.item !== '' && s.status === 'failed',
    ).length;
    // Verify and report are redone on every run: they describe Nova as it is now.
    const verifyStarted = await started('verify', 0);
    const verification = await verifyMigration(ctx);
    const verifyDone = finishedWrites('verify', verifyStarted, 'succeeded', [
      {
        type: 'log',
        level: verification.result === 'matching' ? 'info' : 'warn',
        message:
          verification.result === 'matching'
            ? 'Verification: Nova shows every migrated item as Eucalyptus did.'
            : `Verification: ${String(verification.users.reduce((n, u) => n + u.differences.length, 0))} difference(s) between Nova and Eucalyptus.`,
      },
    ]);
    await store.appendEvents(jobId, verifyDone.events ?? []);
    const reportStarted = await started('report', 0);
    await refresh();
    const report = buildReport({
      ctx,
      steps: [...journal.values(), verifyDone],
      verification,
      outcome: failedItems === 0 ? 'succeeded' : 'failed',
      runFindings,
    });
    await store.saveReport(jobId, report);
    await store.appendEvents(
      jobId,
      finishedWrites('report', reportStarted, 'succeeded').events ?? [],
    );
    const final: JobStatus = failedItems === 0 ? 'succeeded' : 'failed';
    await store.transition(jobId, ['running'], final, {
      ...(final === 'failed'
        ? {
            error: {
              code: 'items-failed',
              message: `${String(failedItems)} item(s) failed; resume the job to retry them alone.`,
            },
          }
        : {}),
    });
    return { jobId, status: final, failedItems, report, verification };
  } catch (caught) {
    // A writer or read interrupted by our own signal is a stop, not a failure.
    const e =
      !(caught instanceof StopRequest) && options.signal?.aborted === true
        ? stopRequestOf(options)
        : caught;
    if (e instanceof StopRequest && e.why === 'shutdown')
      return { jobId, status: 'running', failedItems };
    if (e instanceof StopRequest) {
      if (e.why === 'paused') {
        await store.transition(jobId, ['running'], 'paused', { reason: 'paused by the operator' });
        return { jobId, status: 'paused', failedItems };
      }
      await store.transition(jobId, ['running'], 'cancelling', {
        reason: 'cancelled by the operator',
      });
      await store.transition(jobId, ['cancelling'], 'cancelled');
      return { jobId, status: 'cancelled', failedItems };
    }
    if (e instanceof JobBusyError) throw e;
    const error =
      e instanceof PhaseFailed ? { code: 'conflict', message: e.message } : errorInfo(e);
    await store.appendEvents(jobId, [{ type: 'log', level: 'error', message: error.message }]);
    await store.transition(jobId, ['running', 'cancelling'], 'failed', { error });
    return { jobId, status: 'failed', failedItems };
  } finally {
    clearInterval(beat);
  }
}
