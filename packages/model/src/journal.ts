import type { ErrorInfo } from './schemas/common.ts';
import type { JobEventBody } from './schemas/job.ts';

/*
 * The journal of a migration job as the engine and the state database both see it: what a step
 * produced, and the image copies the transfer queue carries. Types only; the state database
 * stores them, the engine writes and reads them.
 */

export type StepStatus = 'running' | 'done' | 'failed';

/** What a journal step produced. Plain data, never a secret. */
export interface StepResult {
  targetId?: string;
  action?: 'created' | 'skipped-identical';
  bytes?: number;
  sha256?: string;
  error?: ErrorInfo;
  startedAt?: string;
  finishedAt?: string;
  /** `host:pid` of the process that did the step (image copies: which worker). */
  worker?: string;
}

export interface StepRecord {
  readonly phase: string;
  readonly item: string;
  readonly status: StepStatus;
  readonly attempts: number;
  readonly bytesDone: number;
  readonly result: StepResult | null;
}

export interface StepWrite {
  readonly phase: string;
  /** `''` for the phase as a whole. */
  readonly item: string;
  readonly status: StepStatus;
  readonly result?: StepResult;
  /** Appended in the same transaction, and only if the step's status really changed. */
  readonly events?: readonly JobEventBody[];
}

/** One image copy on the queue: ids only, a worker loads the rest from the state database. */
export interface TransferTask {
  readonly jobId: string;
  readonly imageId: string;
  /**
   * Bumped when a job resumes or retries failed items: a new round is a new queue job, while
   * re-sending the same round is a no-op.
   */
  readonly round: number;
}

export interface TransferAttempt {
  /** 0 on the first try; the queue retries with backoff up to `retryLimit`. */
  readonly retryCount: number;
  readonly retryLimit: number;
}
