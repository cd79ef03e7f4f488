import { LRUCache } from 'lru-cache';
import {
  applyJobEvents,
  emptyJobProgress,
  type JobEvent,
  type JobProgress,
  type JobStatus,
} from '@euca2nova/model';

/** What a progress snapshot reads: the job (for its status) and its events a page at a time. */
export interface ProgressStore {
  getJob(id: string): Promise<{ readonly id: string; readonly status: JobStatus }>;
  listEvents(jobId: string, afterSeq: number, limit: number): Promise<JobEvent[]>;
}

export interface JobProgressCacheOptions {
  /** Jobs whose snapshot is kept (least recently asked for goes first). Default 8. */
  readonly jobs?: number;
  /** Events read per query. Default 5000, as the progress hub reads. */
  readonly pageSize?: number;
}

/**
 * A job's progress as one document (`applyJobEvents` over all its events), kept per job so the
 * next request reads only the events after the kept one's `asOfSeq`: a page load during a
 * 50,000-item run costs a few new events, not the whole log again.
 */
export class JobProgressCache {
  readonly #store: ProgressStore;
  readonly #pageSize: number;
  readonly #cache: LRUCache<string, Promise<JobProgress>>;

  constructor(store: ProgressStore, options: JobProgressCacheOptions = {}) {
    this.#store = store;
    this.#pageSize = options.pageSize ?? 5000;
    this.#cache = new LRUCache({ max: options.jobs ?? 8 });
  }

  /** The progress up to the newest event; throws the store's not-found error for no such job. */
  async snapshot(jobId: string): Promise<JobProgress> {
    const job = await this.#store.getJob(jobId);
    // Requests for one job queue behind each other, each extending what the one before read.
    const before = this.#cache.get(job.id) ?? Promise.resolve(emptyJobProgress(job.id));
    const next = before
      .catch(() => emptyJobProgress(job.id))
      .then((progress) => this.#extend(progress));
    this.#cache.set(job.id, next);
    next.catch(() => {
      if (this.#cache.get(job.id) === next) this.#cache.delete(job.id);
    });
    const progress = await next;
    // A job nobody has started has no status event yet (a discovery in the queue): its row says.
    return progress.status === null ? { ...progress, status: job.status } : progress;
  }

  async #extend(from: JobProgress): Promise<JobProgress> {
    let progress = from;
    for (;;) {
      const page = await this.#store.listEvents(progress.jobId, progress.asOfSeq, this.#pageSize);
      progress = applyJobEvents(progress, page);
      if (page.length < this.#pageSize) return progress;
    }
  }
}
