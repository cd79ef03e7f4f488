import type {
  ErrorInfo,
  Inventory,
  JobEvent,
  JobEventBody,
  JobPhase,
  JobStatus,
  Plan,
  Report,
  StepRecord,
  StepWrite,
  TransferTask,
} from '@euca2nova/model';

/*
 * What the engine needs from the outside, as interfaces: the state database (`PgJobStore` in
 * @euca2nova/state implements JobStore, `TransferQueue` the queue) and nothing else. The engine
 * never imports pg, Fastify or socket.io.
 */

export interface JobSnapshot {
  readonly id: string;
  readonly type: 'discover' | 'migrate';
  readonly status: JobStatus;
  readonly spec: Record<string, unknown>;
  readonly planId: string | null;
  readonly inventoryId: string | null;
  readonly sourceConnectionId: string | null;
  readonly targetConnectionId: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly lastHeartbeatAt: string | null;
  readonly currentPhase: JobPhase | null;
  readonly lastSeq: number;
  readonly error: ErrorInfo | null;
  /** `host:pid` of the process running it. */
  readonly owner: string | null;
}

export interface JobStore {
  getJob(id: string): Promise<JobSnapshot>;
  loadPlan(id: string): Promise<{ plan: Plan; confirmedAt: string | null }>;
  loadInventory(id: string, options?: { secrets?: boolean }): Promise<Inventory>;
  openConnection(id: string): Promise<unknown>;
  transition(
    id: string,
    from: readonly JobStatus[],
    to: JobStatus,
    options?: { reason?: string; error?: ErrorInfo; owner?: string },
  ): Promise<boolean>;
  heartbeat(id: string, phase?: JobPhase | null): Promise<void>;
  appendEvents(jobId: string, bodies: readonly JobEventBody[]): Promise<JobEvent[]>;
  recordSteps(jobId: string, writes: readonly StepWrite[]): Promise<JobEvent[]>;
  steps(jobId: string, phase?: string): Promise<StepRecord[]>;
  saveProgress(
    jobId: string,
    phase: string,
    item: string,
    bytesDone: number,
    event?: JobEventBody,
  ): Promise<JobEvent[]>;
  reopenFailedSteps(jobId: string): Promise<number>;
  tryLockItem(jobId: string, item: string): Promise<(() => Promise<void>) | null>;
  saveReport(jobId: string, report: Report): Promise<void>;
}

export interface TransferQueuePort {
  enqueue(tasks: readonly TransferTask[]): Promise<void>;
}
