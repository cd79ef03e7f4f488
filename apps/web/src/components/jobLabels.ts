import type { JobPhase, JobStatus } from '@euca2nova/model';
import type { Tone } from './StatusBadge.tsx';

/*
 * How jobs, phases and kinds read to the operator: shared by the Progress and Report steps and the
 * list of past jobs.
 */

/** How a status reads: words, with the tone that gives its colour and icon (never alone). */
export interface StatusLook {
  label: string;
  tone: Tone;
}

export const JOB_STATUS_LOOK: Readonly<Record<JobStatus, StatusLook & { explanation: string }>> = {
  queued: {
    label: 'Queued',
    tone: 'neutral',
    explanation: 'Waiting for the server to start it.',
  },
  running: {
    label: 'Running',
    tone: 'busy',
    explanation: 'Writing into Nova and copying images.',
  },
  paused: {
    label: 'Paused',
    tone: 'paused',
    explanation: 'Nothing is written while paused; image copies keep their bytes. Resume to go on.',
  },
  cancelling: {
    label: 'Cancelling',
    tone: 'warn',
    explanation: 'Stopping at the next step.',
  },
  cancelled: {
    label: 'Cancelled',
    tone: 'neutral',
    explanation:
      'The run stopped for good. What was written stays in Nova; a new job of the same plan continues from there.',
  },
  failed: {
    label: 'Failed',
    tone: 'error',
    explanation:
      'The run stopped on an error. Everything done stays done: fix the cause, then retry the failed items.',
  },
  succeeded: {
    label: 'Succeeded',
    tone: 'ok',
    explanation: 'Everything planned is in Nova, and the result was verified.',
  },
};

export const PHASE_LABELS: Readonly<Record<JobPhase, string>> = {
  discover: 'Discover',
  plan: 'Plan',
  users: 'Users and keys',
  'key-pairs': 'Key pairs',
  'security-groups': 'Security groups',
  networks: 'Networks and fixed IPs',
  images: 'Images',
  instances: 'Instances',
  'floating-ips': 'Elastic IPs',
  volumes: 'Volumes',
  sequences: 'Id sequences',
  verify: 'Verify',
  report: 'Report',
};
