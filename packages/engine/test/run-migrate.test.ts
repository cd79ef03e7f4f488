import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEventSchema, ReportSchema } from '@euca2nova/model';
import { readImageStore } from '@euca2nova/nova';
import { runMigration } from '../src/index.ts';
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
});
