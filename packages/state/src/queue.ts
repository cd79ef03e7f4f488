import { createHash } from 'node:crypto';
import type { TransferAttempt, TransferTask } from '@euca2nova/model';
import PgBoss from 'pg-boss';

/** pg-boss queue of image transfers; any `euca2nova worker` on the same state database takes them. */
export const TRANSFER_QUEUE = 'euca2nova-image-transfer';

export type TransferHandler = (task: TransferTask, attempt: TransferAttempt) => Promise<void>;

export interface TransferQueueOptions {
  /** Tries after the first (exponential backoff from `retryDelaySeconds`). */
  readonly retryLimit?: number;
  readonly retryDelaySeconds?: number;
  /** A transfer whose worker died is handed out again after this long. */
  readonly expireInSeconds?: number;
  readonly pollingIntervalSeconds?: number;
}

/** A deterministic UUID for (job, image, round): the same task sent twice is one queue job. */
export function transferTaskId(task: TransferTask): string {
  const h = createHash('sha256')
    .update(`${task.jobId}\u0000${task.imageId}\u0000${String(task.round)}`)
    .digest('hex');
  // Shaped as a version 8 (custom) UUID so PostgreSQL's uuid type and pg-boss accept it.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Image transfers on pg-boss (10.x, the newest major that supports Node 20) in the state
 * database's `pgboss` schema. The queue carries ids only; a worker loads everything else from the
 * state database.
 */
export class TransferQueue {
  readonly #boss: PgBoss;
  readonly #options: Required<TransferQueueOptions>;
  #workers: string[] = [];

  private constructor(boss: PgBoss, options: Required<TransferQueueOptions>) {
    this.#boss = boss;
    this.#options = options;
  }

  static async start(url: string, options: TransferQueueOptions = {}): Promise<TransferQueue> {
    const boss = new PgBoss({
      connectionString: url,
      schema: 'pgboss',
      max: 4,
      // Our own jobs table is the record; pg-boss only needs to keep its rows while they run.
      supervise: true,
      schedule: false,
    });
    // pg-boss reports background errors (a lost connection) here; the next poll retries.
    boss.on('error', () => undefined);
    await boss.start();
    const full: Required<TransferQueueOptions> = {
      retryLimit: options.retryLimit ?? 4,
      retryDelaySeconds: options.retryDelaySeconds ?? 2,
      expireInSeconds: options.expireInSeconds ?? 6 * 3600,
      pollingIntervalSeconds: options.pollingIntervalSeconds ?? 0.5,
    };
    const queue = {
      name: TRANSFER_QUEUE,
      retryLimit: full.retryLimit,
      retryDelay: full.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: full.expireInSeconds,
    };
    if ((await boss.getQueue(TRANSFER_QUEUE)) === null) {
      await boss.createQueue(TRANSFER_QUEUE, queue).catch(async (e: unknown) => {
        // Another process created it between our look and our create.
        if ((await boss.getQueue(TRANSFER_QUEUE)) === null) throw e;
      });
    }
    return new TransferQueue(boss, full);
  }

  /** Idempotent: a task already sent (same job, image and round) is not sent again. */
  async enqueue(tasks: readonly TransferTask[]): Promise<void> {
    if (tasks.length === 0) return;
    await this.#boss.insert(
      tasks.map((t) => ({
        id: transferTaskId(t),
        name: TRANSFER_QUEUE,
        data: { jobId: t.jobId, imageId: t.imageId, round: t.round },
        retryLimit: this.#options.retryLimit,
        retryDelay: this.#options.retryDelaySeconds,
        retryBackoff: true,
        expireInSeconds: this.#options.expireInSeconds,
      })),
    );
  }

  /** Take transfers with `concurrency` parallel pollers until `stop()`. */
  async work(concurrency: number, handler: TransferHandler): Promise<void> {
    for (let i = 0; i < Math.max(1, concurrency); i++) {
      this.#workers.push(
        await this.#boss.work<TransferTask>(
          TRANSFER_QUEUE,
          {
            batchSize: 1,
            includeMetadata: true,
            pollingIntervalSeconds: this.#options.pollingIntervalSeconds,
          },
          async ([job]) => {
            if (job === undefined) return;
            await handler(job.data, { retryCount: job.retryCount, retryLimit: job.retryLimit });
          },
        ),
      );
    }
  }

  /** Stop taking work; waits for running handlers (they see their job paused/cancelled and end). */
  async stop(options: { graceful?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const workers = this.#workers;
    this.#workers = [];
    for (const id of workers) await this.#boss.offWork({ id }).catch(() => undefined);
    await this.#boss.stop({
      graceful: options.graceful ?? true,
      wait: true,
      timeout: options.timeoutMs ?? 30_000,
    });
  }
}
