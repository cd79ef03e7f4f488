import { setTimeout as sleep } from 'node:timers/promises';
import { openImage } from '@euca2nova/eucalyptus';
import type { JobEventOf } from '@euca2nova/model';
import { buildImageInfo, writeImageResumable } from '@euca2nova/nova';
import type { JobContext } from './context.ts';
import { StopRequest, errorInfo } from './errors.ts';
import { OWNER } from './owner.ts';
import type { TransferAttempt, TransferTask } from '@euca2nova/model';
import type { JobStore } from './ports.ts';

/** Loads each job's context once per process; workers share it across that job's images. */
export class JobContexts {
  readonly #load: (jobId: string) => Promise<JobContext>;
  readonly #cache = new Map<string, Promise<JobContext>>();

  constructor(load: (jobId: string) => Promise<JobContext>) {
    this.#load = load;
  }

  get(jobId: string): Promise<JobContext> {
    let p = this.#cache.get(jobId);
    if (p === undefined) {
      p = this.#load(jobId).catch((e: unknown) => {
        this.#cache.delete(jobId);
        throw e;
      });
      this.#cache.set(jobId, p);
    }
    return p;
  }

  forget(jobId: string): void {
    const p = this.#cache.get(jobId);
    this.#cache.delete(jobId);
    void p?.then((c) => {
      c.close();
    });
  }

  closeAll(): void {
    for (const id of [...this.#cache.keys()]) this.forget(id);
  }
}

export interface TransferDeps {
  readonly store: JobStore;
  readonly contexts: JobContexts;
  /** Aborted when this worker process shuts down. */
  readonly signal?: AbortSignal;
  /** How often progress is saved and the job's status looked at. Default 1000 ms. */
  readonly tickMs?: number;
}

/** Errors that another try cannot fix: fail the item at once instead of backing off. */
const FINAL_CODES = new Set([
  'not-found',
  'malformed',
  'bad-input',
  'auth',
  'not-admin',
  'images-path',
  'disk-full',
  'image-owner',
  'conflict',
]);

const PHASE = 'images';

/**
 * Copy one image of a job into Nova's image store, as a queue job: safe to run twice, on any
 * machine, after any crash. The journal says whether it is done; an advisory lock keeps two
 * workers off the same image; the bytes already in `.<id>.partial` are kept and the source is
 * asked for the rest only. Progress is saved about once a second with the rate and ETA computed
 * from bytes; a copy that moves nothing for `stallAfterSeconds` is reported as stalled.
 */
export async function runTransfer(
  deps: TransferDeps,
  task: TransferTask,
  attempt: TransferAttempt,
): Promise<void> {
  const ctx = await deps.contexts.get(task.jobId);
  const image = ctx.images.get(task.imageId);
  if (image === undefined) return;
  const release = await lockImage(deps, task);
  if (release === null) return;
  try {
    await copy(deps, ctx, task, attempt, image.imageId);
  } finally {
    await release();
  }
}

/** The image's lock once the job runs and no other worker copies it; null when nothing is left to do. */
async function lockImage(
  deps: TransferDeps,
  task: TransferTask,
): Promise<(() => Promise<void>) | null> {
  const { store } = deps;
  for (;;) {
    const job = await store.getJob(task.jobId);
    if (['cancelling', 'cancelled', 'failed', 'succeeded'].includes(job.status)) return null;
    const step = (await store.steps(task.jobId, PHASE)).find((s) => s.item === task.imageId);
    if (step?.status === 'done' || step?.status === 'failed') return null;
    if (job.status === 'running') {
      const release = await store.tryLockItem(task.jobId, task.imageId);
      if (release !== null) return release;
    }
    // Paused, or another worker holds this image: wait for it to finish or to die.
    await sleep(1000, undefined, { signal: deps.signal });
  }
}

async function copy(
  deps: TransferDeps,
  ctx: JobContext,
  task: TransferTask,
  attempt: TransferAttempt,
  imageId: string,
): Promise<void> {
  const { store } = deps;
  const image = ctx.images.get(imageId);
  if (image === undefined) return;
  const startedAt = new Date().toISOString();
  await store.recordSteps(task.jobId, [{ phase: PHASE, item: imageId, status: 'running' }]);
  const info = buildImageInfo(image, ctx.inventory, ctx.plan.mappings.imageIdPrefix);
  const ref = { kind: 'image' as const, sourceId: imageId };
  const total = image.sizeBytes;
  const stallMs = ctx.spec.stallAfterSeconds * 1000;
  const tickMs = deps.tickMs ?? 1000;

  /** The item is failed for good: journaled, announced, left for the operator to retry. */
  const giveUp = async (error: { code: string; message: string }): Promise<void> => {
    await store.recordSteps(task.jobId, [
      {
        phase: PHASE,
        item: imageId,
        status: 'failed',
        result: { error, startedAt, finishedAt: new Date().toISOString() },
        events: [{ type: 'item-failed', ...ref, error, willRetry: false }],
      },
    ]);
  };

  const ac = new AbortController();
  const onShutdown = (): void => {
    ac.abort(new StopRequest('shutdown'));
  };
  deps.signal?.addEventListener('abort', onShutdown, { once: true });

  let bytesDone = 0;
  let savedBytes = -1;
  let lastTickBytes = 0;
  let lastTickAt = Date.now();
  let lastMoveAt = Date.now();
  let rate = 0;
  let stalled = false;
  let busy = false;
  let ticks = 0;
  const progressEvent = (): Omit<JobEventOf<'bytes-progress'>, 'jobId' | 'seq' | 'at'> => ({
    type: 'bytes-progress',
    ...ref,
    bytesDone,
    ...(total === undefined ? {} : { bytesTotal: Math.max(total, bytesDone) }),
    bytesPerSecond: Math.round(rate),
    ...(total !== undefined && rate > 0
      ? { etaSeconds: Math.max(0, Math.round((total - bytesDone) / rate)) }
      : {}),
  });
  const tick = async (): Promise<void> => {
    const now = Date.now();
    const dt = (now - lastTickAt) / 1000;
    if (dt > 0) {
      const instant = (bytesDone - lastTickBytes) / dt;
      // Exponentially weighted so one slow second does not swing the ETA.
      rate = rate === 0 ? instant : rate * 0.7 + instant * 0.3;
    }
    if (bytesDone > lastTickBytes) {
      lastMoveAt = now;
      stalled = false;
    }
    lastTickAt = now;
    lastTickBytes = bytesDone;
    if (!stalled && now - lastMoveAt >= stallMs) {
      stalled = true;
      await store.appendEvents(task.jobId, [
        {
          type: 'transfer-stalled',
          ...ref,
          bytesDone,
          stalledForSeconds: Math.round((now - lastMoveAt) / 1000),
        },
      ]);
    } else if (bytesDone !== savedBytes) {
      savedBytes = bytesDone;
      await store.saveProgress(task.jobId, PHASE, imageId, bytesDone, progressEvent());
    }
    if (++ticks % 2 === 0) {
      const { status } = await store.getJob(task.jobId);
      if (status === 'paused') ac.abort(new StopRequest('paused'));
      else if (status !== 'running') ac.abort(new StopRequest('cancelled'));
    }
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    tick()
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  }, tickMs);

  try {
    const conn = await ctx.source();
    const result = await writeImageResumable(
      ctx.spec.imagesPath,
      info,
      async (offset) => {
        const opened = await openImage(conn, image, {
          offset,
          signal: ac.signal,
          ...(ctx.spec.imageReadPath === undefined ? {} : { path: ctx.spec.imageReadPath }),
        });
        return { stream: opened.stream };
      },
      {
        signal: ac.signal,
        ...(total === undefined ? {} : { expectedBytes: total }),
        onProgress: (b) => {
          bytesDone = b;
        },
      },
    );
    clearInterval(timer);
    bytesDone = result.bytes;
    if (result.action === 'conflict') {
      const error = {
        code: 'conflict',
        message: `Nova's image store already has a different ${result.imageId} (${(result.fields ?? []).join(', ')}); it was left as it is.`,
      };
      await giveUp(error);
      return;
    }
    await store.recordSteps(task.jobId, [
      {
        phase: PHASE,
        item: imageId,
        status: 'done',
        result: {
          targetId: result.imageId,
          action: result.action === 'inserted' ? 'created' : 'skipped-identical',
          bytes: result.bytes,
          sha256: result.sha256,
          worker: OWNER,
          startedAt,
          finishedAt: new Date().toISOString(),
        },
        events: [
          { ...progressEvent(), bytesTotal: result.bytes, etaSeconds: 0 },
          {
            type: 'item-done',
            ...ref,
            targetId: result.imageId,
            action: result.action === 'inserted' ? 'created' : 'skipped-identical',
          },
        ],
      },
    ]);
  } catch (e) {
    clearInterval(timer);
    const reason: unknown = ac.signal.aborted ? ac.signal.reason : e;
    if (reason instanceof StopRequest) {
      // Paused or cancelled: the partial copy stays and the step stays open for the next run.
      if (reason.why === 'shutdown') throw reason;
      return;
    }
    const error = errorInfo(e);
    const willRetry = !FINAL_CODES.has(error.code) && attempt.retryCount < attempt.retryLimit;
    if (willRetry) {
      await store.appendEvents(task.jobId, [{ type: 'item-failed', ...ref, error, willRetry }]);
      throw e;
    }
    await giveUp(error);
  } finally {
    clearInterval(timer);
    deps.signal?.removeEventListener('abort', onShutdown);
  }
}
