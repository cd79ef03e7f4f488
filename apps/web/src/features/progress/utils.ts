import {
  isFinalJobStatus,
  type ApiJob,
  type JobProgress,
  type JobStatus,
  type LogLine,
  type PhaseProgress,
} from '@euca2nova/model';
import { ApiError } from '../../api/http.ts';
import type { JobAction } from '../../api/jobs/jobs.ts';
import { CLOSING_PHASES, DEAD_OWNER_AFTER_MS, REFUSAL_WORDS } from './constants.ts';

export type LogLevel = LogLine['level'];

/** The info-and-above lines and the debug lines, as one log in seq order. */
export function mergeLogs(progress: JobProgress): LogLine[] {
  const { log, debugLog } = progress;
  const out: LogLine[] = [];
  let i = 0;
  let j = 0;
  while (i < log.length || j < debugLog.length) {
    const a = log[i];
    const b = debugLog[j];
    if (b === undefined || (a !== undefined && a.seq < b.seq)) {
      if (a !== undefined) out.push(a);
      i += 1;
    } else {
      out.push(b);
      j += 1;
    }
  }
  return out;
}

/**
 * The phases worth a row: those that started or have something to do, and the closing ones a
 * migration always reaches (so the operator sees what is still ahead).
 */
export function visiblePhases(progress: JobProgress, type: ApiJob['type']): PhaseProgress[] {
  return progress.phases.filter(
    (p) =>
      p.status !== 'pending' ||
      (p.itemsTotal !== null && p.itemsTotal > 0) ||
      (type === 'migrate' && CLOSING_PHASES.includes(p.phase)),
  );
}

/** The job's status now: the live feed is ahead of the job row, which is refetched after it. */
export function currentStatus(
  job: ApiJob | undefined,
  progress: JobProgress | undefined,
): JobStatus | undefined {
  return progress?.status ?? job?.status;
}

/** A running job nobody is running any more (its process stopped): resume takes it over. */
export function ownerIsDead(job: ApiJob, now: number): boolean {
  if (job.status !== 'running' || job.runsHere) return false;
  const beat = job.lastHeartbeatAt === null ? 0 : Date.parse(job.lastHeartbeatAt);
  return now - beat > DEAD_OWNER_AFTER_MS;
}

export interface AllowedActions {
  pause: boolean;
  /** Pause is offered but refused here: the job runs in another process. */
  pauseElsewhere: boolean;
  resume: boolean;
  cancel: boolean;
  retry: boolean;
}

export function allowedActions(
  job: ApiJob,
  status: JobStatus,
  now: number,
): Readonly<AllowedActions> {
  const dead = ownerIsDead(job, now);
  return {
    pause: job.type === 'migrate' && status === 'running' && job.runsHere,
    pauseElsewhere: job.type === 'migrate' && status === 'running' && !job.runsHere && !dead,
    resume: job.type === 'migrate' && (status === 'paused' || (status === 'running' && dead)),
    cancel: status === 'queued' || status === 'running' || status === 'paused',
    retry: job.type === 'migrate' && status === 'failed',
  };
}

/** Whether a report can exist: a migration that stopped for good. */
export function mayHaveReport(job: ApiJob | undefined, status: JobStatus | undefined): boolean {
  return job?.type === 'migrate' && status !== undefined && isFinalJobStatus(status);
}

/** A refused or failed action in words, with the server's own message beside them. */
export function refusalText(action: JobAction, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ApiError && error.code !== undefined) {
    const words = REFUSAL_WORDS[error.code];
    if (words !== undefined) return `${words} (${message})`;
  }
  return action === 'cancel' ? `${message} Reload the page to see where the job is.` : message;
}

/** Of n in total, as a percentage for a bar (0 while the total is unknown). */
export function percent(done: number, total: number | null): number {
  if (total === null || total <= 0) return 0;
  return Math.min(100, (done / total) * 100);
}
