// Test helpers for the run: a simulated Eucalyptus, an empty Bexar database and image store, the
// state database with its job store and transfer queue: every part real, nothing mocked.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '@euca2nova/euca-sim';
import { connect, discover, type ConnectInput } from '@euca2nova/eucalyptus';
import type { Inventory, PlanSelection } from '@euca2nova/model';
import { initNovaSchema } from '@euca2nova/nova';
import { PgJobStore, StateKey, TransferQueue } from '@euca2nova/state';
import { createTestDatabase, testAdminUrl } from '@euca2nova/state/testing';
import { acknowledgeFindings, findingKey } from '../src/index.ts';
import {
  createMigrationJob,
  defaultMappings,
  planMigration,
  startTransferWorkers,
  type TransferWorkers,
} from '../src/index.ts';
import type { Plan } from '@euca2nova/model';

export const HOSTS = {
  compute: 'nova-compute-1',
  volume: 'nova-volume-1',
  network: 'nova-network-1',
};

export interface Cloud {
  sim: RunningSimulator;
  source: ConnectInput;
  inventory: Inventory;
  close(): Promise<void>;
}

export async function startCloud(options: Partial<SimulatorOptions> = {}): Promise<Cloud> {
  const version = options.eucaVersion ?? '3.4';
  const sim = await startSimulator({
    port: 0,
    eucaVersion: version,
    scenario: 'demo',
    seed: 'engine',
    imageSize: 256 * 1024,
    networkMode: 'MANAGED',
    assemblyMs: 5,
    controllerDb:
      version === '2.0'
        ? 'none'
        : { url: testAdminUrl(), databasePrefix: `e${randomBytes(3).toString('hex')}_` },
    ...options,
  });
  const source: ConnectInput = {
    ec2Url: sim.urls.ec2,
    accessKey: sim.admin.accessKey,
    secretKey: sim.admin.secretKey,
    eucalyptusConf: await readFile(sim.files.eucalyptusConf, 'utf8'),
    ...(sim.controllerDb ? { controllerDbUrl: sim.controllerDb.url } : {}),
  };
  const conn = await connect(source);
  try {
    const inventory = await discover(conn);
    return { sim, source, inventory, close: () => sim.close() };
  } finally {
    conn.close();
  }
}

export interface Target {
  novaDb: string;
  imagesPath: string;
  close(): Promise<void>;
}

export async function freshTarget(): Promise<Target> {
  const db = await createTestDatabase();
  await initNovaSchema(db.url);
  const imagesPath = await mkdtemp(join(tmpdir(), 'engine-images-'));
  return {
    novaDb: db.url,
    imagesPath,
    close: () => rm(imagesPath, { recursive: true, force: true }),
  };
}

export interface StateParts {
  url: string;
  store: PgJobStore;
  queue: TransferQueue;
  close(): Promise<void>;
}

export async function freshState(): Promise<StateParts> {
  const { url } = await createTestDatabase({ migrated: true });
  const store = PgJobStore.connect(url, new StateKey(randomBytes(32), 'test'));
  const queue = await TransferQueue.start(url, { retryDelaySeconds: 1, retryLimit: 3 });
  return {
    url,
    store,
    queue,
    close: async () => {
      await queue.stop({ timeoutMs: 5000 });
      await store.close();
    },
  };
}

/** Plan, acknowledge every warning (as an operator confirming would), store and create the job. */
export async function preparedJob(
  state: StateParts,
  cloud: Cloud,
  target: Target,
  selection: PlanSelection = {},
  stallAfterSeconds = 30,
): Promise<{ jobId: string; plan: Plan }> {
  const mappings = defaultMappings(cloud.inventory);
  let plan = await planMigration({
    inventory: cloud.inventory,
    selection,
    mappings,
    novaDb: target.novaDb,
    imagesPath: target.imagesPath,
    hosts: HOSTS,
  });
  plan = await acknowledgeFindings(
    plan,
    plan.findings.filter((f) => f.severity === 'warning').map(findingKey),
  );
  const job = await createMigrationJob(state.store, {
    plan,
    confirmedFingerprint: plan.fingerprint,
    inventory: cloud.inventory,
    source: cloud.source,
    novaDb: target.novaDb,
    spec: { imagesPath: target.imagesPath, hosts: HOSTS, stallAfterSeconds },
  });
  return { jobId: job.id, plan };
}

export async function workers(state: StateParts, concurrency = 2): Promise<TransferWorkers> {
  return startTransferWorkers({ store: state.store, queue: state.queue, concurrency, tickMs: 200 });
}
