import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JobEventSchema,
  ReportSchema,
  applyJobEvents,
  emptyJobProgress,
  type JobEvent,
  type Plan,
  type Report,
} from '@euca2nova/model';
import { readImageStore } from '@euca2nova/nova';
import { JobProgressCache, runMigration, type ProgressStore } from '../src/index.ts';
import {
  freshState,
  freshTarget,
  preparedJob,
  startCloud,
  workers,
  type Cloud,
  type StateParts,
  type Target,
} from './run-helpers.ts';

describe('a whole migration of the simulated 3.4 demo cloud', () => {
  let cloud: Cloud;
  let target: Target;
  let state: StateParts;
  /** The migration the first test runs, which the later ones look at. */
  let migrated: { jobId: string; plan: Plan; report: Report } | undefined;
  beforeAll(async () => {
    [cloud, target, state] = await Promise.all([startCloud(), freshTarget(), freshState()]);
  }, 120_000);
  afterAll(async () => {
    await state.close();
    await cloud.close();
    await target.close();
  });

  it('writes every row and image, verifies zero differences, and reports it', async () => {
    const { jobId, plan } = await preparedJob(state, cloud, target);
    const w = await workers(state);
    try {
      const out = await runMigration(state, jobId, { pollMs: 100 });
      expect(out.status).toBe('succeeded');
      expect(out.failedItems).toBe(0);
      expect(out.verification?.result).toBe('matching');
      const report = ReportSchema.parse(out.report);
      expect(report.verification.result).toBe('matching');
      migrated = { jobId, plan, report };
      const images = plan.items.filter((i) => i.kind === 'image' && i.action === 'create');
      expect(report.images.map((i) => i.sourceImageId).sort()).toEqual(
        images.map((i) => i.sourceId).sort(),
      );
      expect((await readImageStore(target.imagesPath)).length).toBe(images.length);
      expect(report.counts.user.created).toBe(cloud.inventory.users.length);
      const events = await state.store.listEvents(jobId, 0, 100_000);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      for (const e of events) JobEventSchema.parse(e);
      const keys = events.flatMap((e) =>
        e.type === 'item-done' ? [`${e.kind}:${e.sourceId}`] : [],
      );
      expect(new Set(keys).size).toBe(keys.length);
      expect(JSON.stringify(events)).not.toContain(cloud.source.secretKey);
      expect(JSON.stringify(report)).not.toContain(cloud.source.secretKey);
      for (const u of cloud.inventory.users)
        for (const k of u.accessKeys)
          if (k.secretKey !== undefined) expect(JSON.stringify(report)).not.toContain(k.secretKey);
    } finally {
      w.stop();
    }
  }, 120_000);

  it('announces the run totals once, and its events reduce to progress that adds up', async () => {
    if (migrated === undefined) throw new Error('the migration did not run');
    const { jobId, plan, report } = migrated;
    const events = await state.store.listEvents(jobId, 0, 100_000);
    const totals = events.flatMap((e) => (e.type === 'run-totals' ? [e] : []));
    expect(totals).toHaveLength(1);
    const firstStart = events.find((e) => e.type === 'phase-started');
    expect(totals[0]?.seq).toBeLessThan(firstStart?.seq ?? 0);
    const copied = plan.items.filter((i) => i.kind === 'image' && i.action === 'create');
    const sizes = copied.map(
      (i) => cloud.inventory.images.find((m) => m.imageId === i.sourceId)?.sizeBytes ?? NaN,
    );
    expect(totals[0]?.phases.find((p) => p.phase === 'images')).toEqual({
      phase: 'images',
      items: plan.items.filter(
        (i) => i.kind === 'image' && (i.action === 'create' || i.action === 'skip-identical'),
      ).length,
      bytes: sizes.reduce((n, b) => n + b, 0),
    });
    expect(totals[0]?.skipped).toBe(
      plan.items.filter((i) => i.action === 'conflict' || i.action === 'unsupported').length,
    );

    const p = applyJobEvents(emptyJobProgress(jobId), events);
    expect(p.status).toBe('succeeded');
    expect(p.totals.itemsTotal).toBe(plan.items.length);
    expect(p.totals.itemsDone + p.totals.itemsSkipped).toBe(p.totals.itemsTotal);
    expect(p.totals.itemsFailed).toBe(0);
    expect(p.totals.bytesTotal).toBeGreaterThan(0);
    expect(p.totals.bytesDone).toBe(p.totals.bytesTotal);
    expect(p.totals.bytesDone).toBe(report.images.reduce((n, i) => n + i.bytes, 0));
    expect(p.failedItems).toEqual([]);
    expect(p.transfers.every((t) => t.status === 'done')).toBe(true);
    // Every phase of the run succeeded, with each item counted in the phase that wrote it.
    expect(p.phases.filter((x) => x.status !== 'succeeded').map((x) => x.phase)).toEqual([
      'discover',
    ]);
    for (const x of p.phases) if (x.itemsTotal !== null) expect(x.itemsDone).toBe(x.itemsTotal);
  });

  it('keeps a snapshot per job and extends it with the events after it alone', async () => {
    if (migrated === undefined) throw new Error('the migration did not run');
    const { jobId } = migrated;
    const reads: number[] = [];
    const store: ProgressStore = {
      getJob: (id) => state.store.getJob(id),
      listEvents: async (id, afterSeq, limit) => {
        reads.push(afterSeq);
        return state.store.listEvents(id, afterSeq, limit);
      },
    };
    const cache = new JobProgressCache(store, { pageSize: 100 });
    const all: JobEvent[] = await state.store.listEvents(jobId, 0, 100_000);
    const first = await cache.snapshot(jobId);
    expect(first).toEqual(applyJobEvents(emptyJobProgress(jobId), all));
    // Read a page at a time, each after the last seq of the one before.
    expect(reads).toEqual(
      Array.from({ length: Math.floor(all.length / 100) + 1 }, (_, i) => i * 100),
    );

    reads.length = 0;
    await state.store.appendEvents(jobId, [
      { type: 'log', level: 'info', message: 'Report downloaded.' },
    ]);
    const second = await cache.snapshot(jobId);
    expect(reads).toEqual([first.asOfSeq]);
    expect(second.asOfSeq).toBe(first.asOfSeq + 1);
    expect(second.log.at(-1)?.text).toBe('Report downloaded.');
    // Extended, not reduced again: what the new event did not touch is the very same object.
    expect(second.phases[2]).toBe(first.phases[2]);

    // A discovery nobody has run yet has no events: its status comes from its row.
    const queued = await state.store.createJob({ type: 'discover', spec: {} });
    expect(await cache.snapshot(queued.id)).toMatchObject({ asOfSeq: 0, status: 'queued' });
  });
});
