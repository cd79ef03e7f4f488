import {
  JOB_STATUSES,
  JOB_TYPES,
  type JobStatus,
  type JobType,
  type StepStatus,
} from '@euca2nova/model';
import type pg from 'pg';

export const STEP_STATUSES: readonly StepStatus[] = ['running', 'done', 'failed'];

/** What the state database says about the work done, read whenever Prometheus scrapes. */
export interface StateMetrics {
  /** Every type and status, zero included, so a series does not vanish when its last job moves on. */
  readonly jobs: readonly { type: JobType; status: JobStatus; count: number }[];
  /** Journal items (not the per-phase marker rows, whose item is '') by status. */
  readonly items: readonly { status: StepStatus; count: number }[];
  /** Bytes every transfer step has reached, finished or not. */
  readonly bytesTransferred: number;
  /** One entry per job that ran and finished: how long from its start to its end. */
  readonly finishedJobs: readonly { type: JobType; status: JobStatus; seconds: number }[];
}

/**
 * Counts straight from the tables, so they hold across restarts and across every process that
 * shares the database. Each statement is one indexed or sequential pass over tables that stay
 * small (one jobs row per run, one job_steps row per migrated item).
 */
export async function readStateMetrics(pool: pg.Pool): Promise<StateMetrics> {
  const [jobs, items, bytes, finished] = await Promise.all([
    pool.query<{ type: JobType; status: JobStatus; n: string }>(
      'SELECT type, status, count(*) AS n FROM jobs GROUP BY type, status',
    ),
    pool.query<{ status: StepStatus; n: string }>(
      `SELECT status, count(*) AS n FROM job_steps WHERE item <> '' GROUP BY status`,
    ),
    // bigint sums come back as text; a JavaScript number is exact up to 8 PiB, ample for bytes.
    pool.query<{ n: string }>('SELECT coalesce(sum(bytes_done), 0) AS n FROM job_steps'),
    pool.query<{ type: JobType; status: JobStatus; seconds: number }>(
      `SELECT type, status, extract(epoch FROM finished_at - started_at)::float8 AS seconds
         FROM jobs WHERE started_at IS NOT NULL AND finished_at IS NOT NULL`,
    ),
  ]);
  const jobCount = new Map(jobs.rows.map((r) => [`${r.type} ${r.status}`, Number(r.n)]));
  const itemCount = new Map(items.rows.map((r) => [r.status, Number(r.n)]));
  return {
    jobs: JOB_TYPES.flatMap((type) =>
      JOB_STATUSES.map((status) => ({
        type,
        status,
        count: jobCount.get(`${type} ${status}`) ?? 0,
      })),
    ),
    items: STEP_STATUSES.map((status) => ({ status, count: itemCount.get(status) ?? 0 })),
    bytesTransferred: Number(bytes.rows[0]?.n ?? 0),
    // A clock moved back between start and end must not make a negative duration.
    finishedJobs: finished.rows.map((r) => ({ ...r, seconds: Math.max(0, r.seconds) })),
  };
}
