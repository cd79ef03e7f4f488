// The run under pressure: injected faults, a cancel midway, a pause and resume, an item that
// fails for good and is retried alone once its cause is fixed.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { dumpImageStore, dumpNova } from '@euca2nova/nova/testing';
import { applyJobEvents, emptyJobProgress, type JobEvent } from '@euca2nova/model';
import { createMigrationJob, runMigration } from '../src/index.ts';
import {
  HOSTS,
  freshState,
  freshTarget,
  preparedJob,
  startCloud,
  workers,
  type Cloud,
  type StateParts,
  type Target,
} from './run-helpers.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function parts(options: Parameters<typeof startCloud>[0] = {}): Promise<{
  cloud: Cloud;
  target: Target;
  state: StateParts;
}> {
  const [cloud, target, state] = await Promise.all([
    startCloud(options),
    freshTarget(),
    freshState(),
  ]);
  cleanups.push(
    () => cloud.close(),
    () => target.close(),
    () => state.close(),
  );
  return { cloud, target, state };
}

async function waitFor(
  state: StateParts,
  jobId: string,
  test: (e: JobEvent) => boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if ((await state.store.listEvents(jobId, 0, 1_000_000)).some(test)) return;
    await sleep(50);
  }
  throw new Error('event did not come');
}

describe('the run under faults and operator control', () => {
  it('completes and verifies with 10% server errors, 10% throttling and broken image bodies', async () => {
    const { cloud, target, state } = await parts({
      faults: { errorRate: 0.1, throttleRate: 0.1 },
    });
    cloud.sim.faults.set({ resetAfterBytes: 100_000, resetCount: 4 });
    const { jobId } = await preparedJob(state, cloud, target);
    const w = await workers(state, 3);
    try {
      const out = await runMigration(state, jobId, { pollMs: 100 });
      expect(out.status).toBe('succeeded');
      expect(out.verification?.result).toBe('matching');
      const injected = cloud.sim.faults.injected;
      expect(injected.error500 + injected.error503).toBeGreaterThan(0);
      expect(injected.throttle).toBeGreaterThan(0);
      expect(injected.reset).toBeGreaterThan(0);
    } finally {
      w.stop();
    }
  }, 180_000);

  it('cancelled midway, leaves a state a new job of the same plan completes exactly', async () => {
    const { cloud, target, state } = await parts({ imageSize: 4 * 1024 * 1024 });
    // Slow image bodies so the cancel lands while copies are running.
    cloud.sim.faults.set({ slowBodyBytesPerSec: 2 * 1024 * 1024 });
    const { jobId, plan } = await preparedJob(state, cloud, target);
    const w = await workers(state, 2);
    const ac = new AbortController();
    try {
      const run = runMigration(state, jobId, { signal: ac.signal, onAbort: 'cancel', pollMs: 100 });
      await waitFor(state, jobId, (e) => e.type === 'bytes-progress' && e.bytesDone > 0);
      ac.abort();
      const out = await run;
      expect(out.status).toBe('cancelled');
      expect((await state.store.getJob(jobId)).status).toBe('cancelled');
      await expect(runMigration(state, jobId)).rejects.toThrow(/cancelled/);
      cloud.sim.faults.reset();
      // The operator starts again from the same plan: what was written is skipped, partial
      // copies continue from their offset.
      const inventory = await state.store.loadInventory(plan.inventoryId, { secrets: true });
      const again = await createMigrationJob(state.store, {
        plan,
        confirmedFingerprint: plan.fingerprint,
        inventory,
        source: cloud.source,
        novaDb: target.novaDb,
        spec: { imagesPath: target.imagesPath, hosts: HOSTS, stallAfterSeconds: 30 },
      });
      const second = await runMigration(state, again.id, { pollMs: 100 });
      expect(second.status).toBe('succeeded');
      expect(second.verification?.result).toBe('matching');
      // Same end state as one uninterrupted run into a fresh target.
      const twin = await freshTarget();
      cleanups.push(() => twin.close());
      const once = await createMigrationJob(state.store, {
        plan,
        confirmedFingerprint: plan.fingerprint,
        inventory,
        source: cloud.source,
        novaDb: twin.novaDb,
        spec: { imagesPath: twin.imagesPath, hosts: HOSTS, stallAfterSeconds: 30 },
      });
      expect((await runMigration(state, once.id, { pollMs: 100 })).status).toBe('succeeded');
      expect(await dumpNova(target.novaDb)).toEqual(await dumpNova(twin.novaDb));
      expect(await dumpImageStore(target.imagesPath)).toEqual(
        await dumpImageStore(twin.imagesPath),
      );
    } finally {
      w.stop();
    }
  }, 240_000);

  it('pauses at the operator’s word and resumes where it stopped', async () => {
    const { cloud, target, state } = await parts({ imageSize: 4 * 1024 * 1024 });
    // 1 MiB/s: a 4 MiB machine image is seen before its half with seconds to go, while a copy
    // notices the pause within two progress ticks.
    cloud.sim.faults.set({ slowBodyBytesPerSec: 1024 * 1024 });
    const { jobId } = await preparedJob(state, cloud, target);
    const w = await workers(state, 2);
    try {
      const ac = new AbortController();
      const run = runMigration(state, jobId, { signal: ac.signal, onAbort: 'pause', pollMs: 100 });
      let halfway: string | undefined;
      await waitFor(state, jobId, (e) => {
        if (
          e.type === 'bytes-progress' &&
          (e.bytesTotal ?? 0) >= 4 * 1024 * 1024 &&
          e.bytesDone > 0 &&
          e.bytesDone < (e.bytesTotal ?? 0) / 2
        )
          halfway = e.sourceId;
        return halfway !== undefined;
      });
      ac.abort();
      expect((await run).status).toBe('paused');
      await sleep(1000);
      const step = (await state.store.steps(jobId, 'images')).find((s) => s.item === halfway);
      expect(step?.status).toBe('running');
      expect(step?.bytesDone).toBeGreaterThan(0);
      cloud.sim.faults.reset();
      const out = await runMigration(state, jobId, { pollMs: 100 });
      expect(out.status).toBe('succeeded');
      expect(out.verification?.result).toBe('matching');
      const events = await state.store.listEvents(jobId, 0, 1_000_000);
      const statuses = events.flatMap((e) => (e.type === 'job-status-changed' ? [e.to] : []));
      expect(statuses).toEqual(['running', 'paused', 'running', 'succeeded']);
    } finally {
      w.stop();
    }
  }, 240_000);

  it('fails an image that cannot be read, then retries that item alone once it can', async () => {
    const { cloud, target, state } = await parts();
    const { jobId, plan } = await preparedJob(state, cloud, target);
    // Every Walrus body breaks: copies fail after their retries; rows are unaffected.
    cloud.sim.faults.set({ resetAfterBytes: 1000 });
    const w = await workers(state, 2);
    try {
      const out = await runMigration(state, jobId, { pollMs: 100 });
      expect(out.status).toBe('failed');
      const images = plan.items.filter((i) => i.kind === 'image' && i.action === 'create');
      expect(out.failedItems).toBe(images.length);
      expect(out.report?.counts.image.failed).toBe(images.length);
      expect(out.report?.counts.user.created).toBe(cloud.inventory.users.length);
      const job = await state.store.getJob(jobId);
      expect(job.error?.code).toBe('items-failed');
      const doneBefore = (await state.store.steps(jobId)).filter((s) => s.status === 'done').length;

      cloud.sim.faults.reset();
      const retried = await runMigration(state, jobId, { pollMs: 100 });
      expect(retried.status).toBe('succeeded');
      expect(retried.verification?.result).toBe('matching');
      const events = await state.store.listEvents(jobId, 0, 1_000_000);
      const userDone = events.filter((e) => e.type === 'item-done' && e.kind === 'user');
      // Users were written once, in the first run; the retry touched the images alone.
      expect(userDone).toHaveLength(cloud.inventory.users.length);
      // The progress a page shows adds up after the retry: nothing failed any more, every byte.
      const progress = applyJobEvents(emptyJobProgress(jobId), events);
      expect(events.filter((e) => e.type === 'run-totals')).toHaveLength(1);
      expect(progress.status).toBe('succeeded');
      expect(progress.failedItems).toEqual([]);
      expect(progress.totals.itemsFailed).toBe(0);
      expect(progress.totals.itemsDone + progress.totals.itemsSkipped).toBe(
        progress.totals.itemsTotal,
      );
      expect(progress.totals.bytesDone).toBe(progress.totals.bytesTotal);
      expect(progress.phases.find((p) => p.phase === 'images')).toMatchObject({
        status: 'succeeded',
        itemsFailed: 0,
        itemsDone:
          images.length +
          plan.items.filter((i) => i.kind === 'image' && i.action === 'skip-identical').length,
      });
      expect(
        (await state.store.steps(jobId)).filter((s) => s.status === 'done').length,
      ).toBeGreaterThan(doneBefore);
    } finally {
      w.stop();
    }
  }, 240_000);

  it('reports a copy that moves no byte for a while as stalled, then done when it moves again', async () => {
    const { cloud, target, state } = await parts();
    const { jobId } = await preparedJob(state, cloud, target, {}, 1);
    // Walrus answers image reads only after 3 s: nothing moves meanwhile.
    cloud.sim.faults.set({ latencyMs: { walrus: 3000 } });
    const w = await workers(state, 2);
    try {
      const out = await runMigration(state, jobId, { pollMs: 100 });
      expect(out.status).toBe('succeeded');
      const events = await state.store.listEvents(jobId, 0, 1_000_000);
      const stalled = events.flatMap((e) => (e.type === 'transfer-stalled' ? [e] : []));
      expect(stalled.length).toBeGreaterThan(0);
      for (const s of stalled) {
        expect(s.stalledForSeconds).toBeGreaterThanOrEqual(1);
        const later = events.find(
          (e) => e.seq > s.seq && e.type === 'item-done' && e.sourceId === s.sourceId,
        );
        expect(later).toBeDefined();
      }
      // Rates and ETAs come from bytes: a moving copy with a known size has an ETA.
      const progress = events.flatMap((e) => (e.type === 'bytes-progress' ? [e] : []));
      expect(progress.length).toBeGreaterThan(0);
      for (const p of progress)
        if (p.bytesPerSecond > 0 && p.bytesTotal !== undefined)
          expect(p.etaSeconds).toBeGreaterThanOrEqual(0);
    } finally {
      w.stop();
    }
  }, 120_000);
});

describe('a phase larger than one journal transaction', () => {
  it('records its items in chunks; a failure between chunks is resumed with each item announced once', async () => {
    // scale:60 has 600 instances: more than one 500-item chunk of the journal.
    const { cloud, target, state } = await parts({ scenario: 'scale:60' });
    const instances = cloud.inventory.instances.length;
    expect(instances).toBeGreaterThan(500);
    const { jobId } = await preparedJob(state, cloud, target);
    const w = await workers(state, 2);
    // The store refuses the second chunk of the instances phase once, as a database gone away
    // between two transactions would.
    let instanceChunks = 0;
    const store = new Proxy(state.store, {
      get(t, p, r): unknown {
        if (p === 'recordSteps')
          return async (id: string, writes: readonly { phase: string; item: string }[]) => {
            if (writes.some((x) => x.phase === 'instances' && x.item !== '')) {
              instanceChunks += 1;
              if (instanceChunks === 2) throw new Error('connection terminated unexpectedly');
            }
            return t.recordSteps(id, writes as Parameters<typeof t.recordSteps>[1]);
          };
        const v: unknown = Reflect.get(t, p, r);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
    try {
      const first = await runMigration({ store, queue: state.queue }, jobId, { pollMs: 100 });
      expect(first.status).toBe('failed');
      const recorded = (await state.store.steps(jobId, 'instances')).filter((s) => s.item !== '');
      // The first chunk stands, the rest is not there, and the phase is not done.
      expect(recorded).toHaveLength(500);
      expect((await state.store.steps(jobId, 'instances')).some((s) => s.item === '')).toBe(false);

      const again = await runMigration({ store, queue: state.queue }, jobId, { pollMs: 100 });
      expect(again.status).toBe('succeeded');
      expect(again.verification?.result).toBe('matching');
      const done = (await state.store.listEvents(jobId, 0, 10_000_000)).filter(
        (e) => e.type === 'item-done' && e.kind === 'instance',
      );
      const ids = done.map((e) => (e.type === 'item-done' ? e.sourceId : ''));
      expect(ids).toHaveLength(instances);
      expect(new Set(ids).size).toBe(instances);
    } finally {
      w.stop();
    }
  }, 240_000);
});

describe('a plan that leaves out more items than one journal transaction holds', () => {
  it('announces them in chunks; a failure between chunks is resumed with each announced once', async () => {
    // scale:260 has 520 snapshots, which Bexar cannot hold: more than one 500-event chunk.
    const { cloud, target, state } = await parts({ scenario: 'scale:260' });
    const snapshots = cloud.inventory.snapshots.length;
    expect(snapshots).toBeGreaterThan(500);
    const { jobId, plan } = await preparedJob(state, cloud, target, { kinds: ['snapshot'] });
    const skipped = plan.items.filter((i) => i.action === 'unsupported' || i.action === 'conflict');
    expect(skipped.length).toBeGreaterThan(500);
    // The store refuses the plan's second chunk once, as a database gone away would.
    let planWrites = 0;
    const store = new Proxy(state.store, {
      get(t, p, r): unknown {
        if (p === 'recordSteps')
          return async (id: string, writes: readonly { phase: string; item: string }[]) => {
            if (writes.some((x) => x.phase.startsWith('plan'))) {
              planWrites += 1;
              if (planWrites === 2) throw new Error('connection terminated unexpectedly');
            }
            return t.recordSteps(id, writes as Parameters<typeof t.recordSteps>[1]);
          };
        const v: unknown = Reflect.get(t, p, r);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
    const announced = async (): Promise<string[]> =>
      (await state.store.listEvents(jobId, 0, 1_000_000)).flatMap((e) =>
        e.type === 'item-skipped' ? [`${e.kind}:${e.sourceId}`] : [],
      );
    const first = await runMigration({ store, queue: state.queue }, jobId, { pollMs: 100 });
    expect(first.status).toBe('failed');
    // The first chunk stands, in a transaction of its own: the run totals and 499 left-out items;
    // the plan's step is not done.
    expect(await announced()).toHaveLength(499);
    const totals = async (): Promise<number> =>
      (await state.store.listEvents(jobId, 0, 1_000_000)).filter((e) => e.type === 'run-totals')
        .length;
    expect(await totals()).toBe(1);
    expect((await state.store.steps(jobId, 'plan')).some((s) => s.status === 'done')).toBe(false);

    const again = await runMigration({ store, queue: state.queue }, jobId, { pollMs: 100 });
    expect(again.status).toBe('succeeded');
    const ids = await announced();
    expect(ids).toHaveLength(skipped.length);
    expect(await totals()).toBe(1);
    expect(new Set(ids)).toEqual(new Set(skipped.map((i) => `${i.kind}:${i.sourceId}`)));
    // Each chunk but the last has a step of its own, which no count of items or phases sees.
    const chunks = (await state.store.steps(jobId)).filter((x) => x.phase.startsWith('plan:'));
    expect(chunks.map((x) => [x.phase, x.item, x.status])).toEqual([
      ['plan:skipped:0', '', 'done'],
    ]);
    expect(again.report?.timings.map((t) => t.phase)).not.toContain('plan:skipped:0');
  }, 240_000);
});
