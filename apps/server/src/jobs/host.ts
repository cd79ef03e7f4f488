import { setMaxListeners } from 'node:events';
import {
  JobBusyError,
  ownerIsGone,
  runDiscoveryJob,
  runMigration,
  startTransferWorkers,
  type TransferWorkers,
} from '@euca2nova/engine';
import type { ConnectInput, SourceConnection } from '@euca2nova/eucalyptus';
import { TransferQueue, type JobRecord, type PgJobStore } from '@euca2nova/state';

/** An operator's request the job's state does not allow (HTTP 409). */
export class JobActionError extends Error {
  override readonly name = 'JobActionError';
  readonly statusCode = 409;
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export interface JobHostOptions {
  readonly store: PgJobStore;
  readonly stateUrl: string;
  /** Image copies this process makes at once. */
  readonly concurrency: number;
  /** A `running` job whose heartbeat is older than this is taken over at start. */
  readonly staleAfterMs?: number;
  readonly log: (message: string) => void;
  /** Tests connect to the simulator with their own options. */
  readonly connectSource?: (input: ConnectInput) => Promise<SourceConnection>;
}

interface Local {
  readonly controller: AbortController;
  /** What an abort means: the operator's pause or cancel, or this server stopping. */
  mode: 'pause' | 'cancel' | 'leave';
  done: Promise<unknown>;
}

/**
 * Runs jobs inside the server process: discoveries, migrations and the image copies of the
 * transfer queue. Every status change goes through the store's guarded transitions, so a CLI or
 * another server on the same state database sees (and may take over) the same jobs. Jobs left
 * `running` by a process that died are taken over when the server starts.
 */
export class JobHost {
  readonly #options: JobHostOptions;
  readonly #local = new Map<string, Local>();
  #queue: TransferQueue | undefined;
  #workers: TransferWorkers | undefined;
  #stopping = false;

  constructor(options: JobHostOptions) {
    this.#options = options;
  }

  get store(): PgJobStore {
    return this.#options.store;
  }

  async start(): Promise<void> {
    this.#queue = await TransferQueue.start(this.#options.stateUrl);
    this.#workers = await startTransferWorkers({
      store: this.#options.store,
      queue: this.#queue,
      concurrency: this.#options.concurrency,
      ...(this.#options.connectSource === undefined
        ? {}
        : { connectSource: this.#options.connectSource }),
    });
    await this.adoptOrphans();
  }

  /** Continue what a dead process left: queued jobs nobody took, running jobs whose owner is gone. */
  async adoptOrphans(): Promise<string[]> {
    const staleAfterMs = this.#options.staleAfterMs ?? 20_000;
    const adopted: string[] = [];
    for (const job of await this.#options.store.listJobs(200)) {
      if (this.#local.has(job.id)) continue;
      const beat = job.lastHeartbeatAt === null ? 0 : Date.parse(job.lastHeartbeatAt);
      const orphaned =
        job.status === 'queued' ||
        (job.status === 'running' && (ownerIsGone(job.owner) || Date.now() - beat >= staleAfterMs));
      if (!orphaned) continue;
      this.#options.log(`Taking over ${job.type} job ${job.id} (${job.status})`);
      this.#launch(job);
      adopted.push(job.id);
    }
    return adopted;
  }

  /** Run a queued or resumable job in this process. */
  run(jobId: string): Promise<JobRecord> {
    return this.#options.store.getJob(jobId).then((job) => {
      this.#launch(job);
      return this.#options.store.getJob(jobId);
    });
  }

  #launch(job: JobRecord): void {
    if (this.#stopping) throw new JobActionError('stopping', 'The server is shutting down.');
    if (this.#local.has(job.id))
      throw new JobActionError('busy', `Job ${job.id} is already running in this server.`);
    const { store } = this.#options;
    const entry: Local = {
      controller: new AbortController(),
      mode: job.type === 'discover' ? 'cancel' : 'pause',
      done: Promise.resolve(),
    };
    // Every request and copy of a run listens on this one signal: many listeners are expected.
    setMaxListeners(0, entry.controller.signal);
    const connectSource =
      this.#options.connectSource === undefined
        ? {}
        : { connectSource: this.#options.connectSource };
    // The runners read `onAbort` when the abort happens: the getters answer with the mode chosen
    // then (a pause or cancel by the operator, or `leave` when this server stops).
    const work =
      job.type === 'discover'
        ? runDiscoveryJob(store, job.id, {
            signal: entry.controller.signal,
            get onAbort() {
              return entry.mode === 'leave' ? ('leave' as const) : ('cancel' as const);
            },
            ...connectSource,
          })
        : runMigration({ store, queue: this.#requireQueue() }, job.id, {
            signal: entry.controller.signal,
            get onAbort() {
              return entry.mode === 'leave' ? ('leave' as const) : ('pause' as const);
            },
            staleAfterMs: this.#options.staleAfterMs ?? 20_000,
            ...connectSource,
          });
    entry.done = work
      .catch((e: unknown) => {
        if (e instanceof JobBusyError) this.#options.log(e.message);
        else
          this.#options.log(
            `Job ${job.id} stopped on an unexpected error: ${e instanceof Error ? e.message : String(e)}`,
          );
      })
      .finally(() => {
        this.#local.delete(job.id);
      });
    this.#local.set(job.id, entry);
  }

  #requireQueue(): TransferQueue {
    if (this.#queue === undefined) throw new Error('JobHost.start() was not called.');
    return this.#queue;
  }

  /** Pause a migration run here: copies stop and keep their bytes. */
  async pause(jobId: string): Promise<JobRecord> {
    const job = await this.#options.store.getJob(jobId);
    const local = this.#local.get(jobId);
    if (job.type !== 'migrate')
      throw new JobActionError('not-pausable', 'A discovery cannot be paused; cancel it instead.');
    if (job.status !== 'running')
      throw new JobActionError('not-running', `Job ${jobId} is ${job.status}, not running.`);
    if (local === undefined)
      throw new JobActionError(
        'elsewhere',
        `Job ${jobId} runs in another process (${job.owner ?? 'unknown'}); pause it there.`,
      );
    local.controller.abort();
    await local.done;
    return this.#options.store.getJob(jobId);
  }

  /** Continue a paused job, or one whose process died. */
  async resume(jobId: string): Promise<JobRecord> {
    const job = await this.#options.store.getJob(jobId);
    if (job.status !== 'paused' && job.status !== 'running' && job.status !== 'queued')
      throw new JobActionError(
        'not-resumable',
        `Job ${jobId} is ${job.status}; ${job.status === 'failed' ? 'retry its failed items instead' : 'there is nothing to resume'}.`,
      );
    return this.#resumeOrRetry(job);
  }

  /** Run the failed items of a failed migration again; everything done stays done. */
  async retry(jobId: string): Promise<JobRecord> {
    const job = await this.#options.store.getJob(jobId);
    if (job.type !== 'migrate' || job.status !== 'failed')
      throw new JobActionError(
        'not-failed',
        `Job ${jobId} is ${job.status}; only a failed migration has failed items to retry.`,
      );
    return this.#resumeOrRetry(job);
  }

  async #resumeOrRetry(job: JobRecord): Promise<JobRecord> {
    await this.#local.get(job.id)?.done;
    this.#launch(job);
    // The runner takes the job at once; answer with what the browser should show next.
    for (let i = 0; i < 50; i++) {
      const now = await this.#options.store.getJob(job.id);
      if (now.status !== job.status || !this.#local.has(job.id)) return now;
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.#options.store.getJob(job.id);
  }

  /** Cancel: final. A run stops at its next step; what was written stays (a new job continues it). */
  async cancel(jobId: string): Promise<JobRecord> {
    const { store } = this.#options;
    const job = await store.getJob(jobId);
    const local = this.#local.get(jobId);
    const reason = { reason: 'cancelled by the operator' };
    if (job.type === 'discover' && local !== undefined) {
      local.controller.abort();
      await local.done;
    } else if (job.status === 'queued') {
      await store.transition(jobId, ['queued'], 'cancelled', reason);
    } else if (job.status === 'paused') {
      await store.transition(jobId, ['paused'], 'cancelling', reason);
      await store.transition(jobId, ['cancelling'], 'cancelled');
    } else if (job.status === 'running') {
      // The runner (here or in another process) sees `cancelling` at its next checkpoint.
      await store.transition(jobId, ['running'], 'cancelling', reason);
      await local?.done;
    } else {
      throw new JobActionError('finished', `Job ${jobId} is ${job.status}; nothing to cancel.`);
    }
    return store.getJob(jobId);
  }

  /** Whether this process runs the job. */
  isLocal(jobId: string): boolean {
    return this.#local.has(jobId);
  }

  /** Wait until this process has no job running (tests, and a graceful stop). */
  async idle(): Promise<void> {
    await Promise.all([...this.#local.values()].map((l) => l.done));
  }

  /**
   * Stop: copies end and keep their bytes; migrations stay `running` so the next start of any
   * server or `euca2nova migrate --resume` takes them over.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const l of this.#local.values()) {
      l.mode = 'leave';
      l.controller.abort();
    }
    this.#workers?.stop();
    await Promise.all([...this.#local.values()].map((l) => l.done));
    await this.#queue?.stop({ timeoutMs: 10_000 });
  }
}
