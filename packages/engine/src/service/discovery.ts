import { connect, discover, type ConnectInput, type SourceConnection } from '@euca2nova/eucalyptus';
import type { Inventory, JobEventBody } from '@euca2nova/model';
import { errorInfo } from '../run/errors.ts';
import { OWNER } from '../run/owner.ts';
import type { JobStore } from '../run/ports.ts';
import { openSourceConnection } from './connections.ts';

/** What a discovery job needs from the state database beyond a migration's. */
export interface DiscoveryStore extends JobStore {
  saveInventory(inventory: Inventory, connectionId?: string): Promise<void>;
  attachInventory(jobId: string, inventoryId: string): Promise<void>;
}

export interface DiscoveryOutcome {
  readonly status: 'succeeded' | 'failed' | 'cancelled' | 'running';
  readonly inventoryId?: string;
}

/** Progress per resource kind reaches the browser at most this often (the last one always). */
const PROGRESS_INTERVAL_MS = 250;

/**
 * Run a `discover` job: read the whole cloud from the job's source connection, store the
 * inventory (secret keys sealed) and name it on the job. Discovery only reads, so a job whose
 * process died is simply run again from the start.
 */
export async function runDiscoveryJob(
  store: DiscoveryStore,
  jobId: string,
  options: {
    signal?: AbortSignal;
    /** `leave`: this process is stopping; the job stays `running` for the next one to redo. */
    onAbort?: 'cancel' | 'leave';
    connectSource?: (input: ConnectInput) => Promise<SourceConnection>;
  } = {},
): Promise<DiscoveryOutcome> {
  const job = await store.getJob(jobId);
  if (job.type !== 'discover' || job.sourceConnectionId === null)
    throw new Error(`Job ${jobId} is not a discovery.`);
  if (job.status === 'running')
    await store.transition(jobId, ['running'], 'queued', {
      reason: 'the process that ran it stopped; discovering again',
    });
  if (!(await store.transition(jobId, ['queued'], 'running', { owner: OWNER })))
    throw new Error(
      `Job ${jobId} could not be started (it is ${(await store.getJob(jobId)).status}).`,
    );
  const started = Date.now();
  await store.appendEvents(jobId, [{ type: 'phase-started', phase: 'discover' }]);
  const pending = new Map<string, JobEventBody>();
  let flushing: Promise<unknown> = Promise.resolve();
  const flush = (): void => {
    if (pending.size === 0) return;
    const batch = [...pending.values()];
    pending.clear();
    flushing = flushing.then(() => store.appendEvents(jobId, batch)).catch(() => undefined);
  };
  const timer = setInterval(flush, PROGRESS_INTERVAL_MS);
  try {
    const input = await openSourceConnection(store, job.sourceConnectionId);
    const conn = await (options.connectSource ?? ((i) => connect(i, { signal: options.signal })))(
      input,
    );
    let inventory: Inventory;
    try {
      inventory = await discover(conn, {
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        onProgress: (p) => {
          pending.set(p.kind, {
            type: 'discovery-progress',
            resource: p.kind,
            done: p.done,
            total: p.total,
          });
        },
      });
    } finally {
      conn.close();
    }
    clearInterval(timer);
    flush();
    await flushing;
    await store.saveInventory(inventory, job.sourceConnectionId);
    await store.attachInventory(jobId, inventory.metadata.inventoryId);
    await store.appendEvents(jobId, [
      {
        type: 'log',
        level: 'info',
        message: `Found ${String(inventory.users.length)} users, ${String(inventory.images.length)} images, ${String(inventory.instances.length)} instances, ${String(inventory.volumes.length)} volumes and ${String(inventory.snapshots.length)} snapshots (Eucalyptus ${inventory.metadata.source.version}, ${inventory.network.mode}).`,
      },
      {
        type: 'phase-finished',
        phase: 'discover',
        outcome: 'succeeded',
        durationMs: Date.now() - started,
      },
    ]);
    await store.transition(jobId, ['running'], 'succeeded', { reason: 'inventory stored' });
    return { status: 'succeeded', inventoryId: inventory.metadata.inventoryId };
  } catch (e) {
    clearInterval(timer);
    flush();
    await flushing;
    const cancelled = options.signal?.aborted === true;
    if (cancelled && options.onAbort === 'leave') return { status: 'running' };
    await store.appendEvents(jobId, [
      {
        type: 'phase-finished',
        phase: 'discover',
        outcome: cancelled ? 'cancelled' : 'failed',
        durationMs: Date.now() - started,
      },
    ]);
    if (cancelled) {
      await store.transition(jobId, ['running', 'cancelling'], 'cancelled', {
        reason: 'cancelled by the operator',
      });
      return { status: 'cancelled' };
    }
    await store.transition(jobId, ['running'], 'failed', { error: errorInfo(e) });
    return { status: 'failed' };
  }
}
