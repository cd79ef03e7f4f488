import type { JobPhase, PhaseProgress, TransferProgress } from '@euca2nova/model';
import type { StatusLook } from '../../components/jobLabels.ts';
import type { JobAction } from '../../api/jobs/jobs.ts';

/** Phases a migration always passes through, shown before they start. */
export const CLOSING_PHASES: readonly JobPhase[] = ['sequences', 'verify', 'report'];

export const PHASE_STATE_LOOK: Readonly<Record<PhaseProgress['status'], StatusLook>> = {
  pending: { label: 'Waiting', tone: 'neutral' },
  running: { label: 'Running', tone: 'busy' },
  succeeded: { label: 'Done', tone: 'ok' },
  failed: { label: 'Failed', tone: 'error' },
  cancelled: { label: 'Cancelled', tone: 'neutral' },
  skipped: { label: 'Skipped', tone: 'neutral' },
};

/**
 * How a job that is not moving shows what was under way: paused (it waits, bytes kept) or stopped
 * (cancelled or failed: a new run continues from what is there).
 */
export type Halt = 'paused' | 'stopped';

export const PAUSED_LOOK: StatusLook = { label: 'Paused', tone: 'paused' };
export const STOPPED_LOOK: StatusLook = { label: 'Stopped', tone: 'neutral' };
export const NOT_RUN_LOOK: StatusLook = { label: 'Not run', tone: 'neutral' };

export const TRANSFER_STATE_LOOK: Readonly<Record<TransferProgress['status'], StatusLook>> = {
  running: { label: 'Copying', tone: 'busy' },
  stalled: { label: 'Stalled', tone: 'warn' },
  retrying: { label: 'Retrying', tone: 'paused' },
  done: { label: 'Done', tone: 'ok' },
  failed: { label: 'Failed', tone: 'error' },
};

export const ACTION_LABELS: Readonly<Record<JobAction, string>> = {
  pause: 'Pause',
  resume: 'Resume',
  cancel: 'Cancel the migration',
  retry: 'Retry failed items',
};

/**
 * The server's refusal codes (409) in words, with the way out; its own message (which names the
 * job's status) is shown beside them.
 */
export const REFUSAL_WORDS: Readonly<Record<string, string>> = {
  'not-running': 'The job is not running any more, so there is nothing to pause.',
  'not-resumable': 'The job cannot be resumed from where it is now.',
  'not-failed': 'Only a failed migration has failed items to retry.',
  elsewhere:
    'Another euca2nova process runs this job: pause it there, or resume it here once that process has stopped.',
  finished: 'The job has already finished; there is nothing to cancel.',
  'not-pausable': 'A discovery cannot be paused; cancel it instead.',
  busy: 'This server is already running the job.',
  stopping: 'The server is shutting down; start it again, then try once more.',
};

/**
 * A running job whose owner has not beaten its heart for this long is taken over on resume
 * (the server's own threshold).
 */
export const DEAD_OWNER_AFTER_MS = 20_000;

export const LOG_LEVEL_LOOK = {
  error: { label: 'Error', color: 'red' },
  warn: { label: 'Warning', color: 'orange' },
  info: { label: 'Info', color: 'blue' },
  debug: { label: 'Debug', color: 'gray' },
} as const;
