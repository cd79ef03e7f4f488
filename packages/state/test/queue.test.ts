import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransferTask } from '@euca2nova/model';
import { TransferQueue, transferTaskId } from '../src/index.ts';
import { createTestDatabase } from '../src/testing.ts';

describe('the image transfer queue (pg-boss)', () => {
  let url: string;
  let queue: TransferQueue;
  beforeAll(async () => {
    url = (await createTestDatabase({ migrated: true })).url;
    queue = await TransferQueue.start(url, { retryLimit: 2, retryDelaySeconds: 1 });
  }, 60_000);
  afterAll(async () => {
    await queue.stop({ timeoutMs: 5000 });
  });

  it('derives one stable UUID per (job, image, round)', () => {
    const t = { jobId: 'a', imageId: 'emi-1', round: 1 };
    expect(transferTaskId(t)).toBe(transferTaskId({ ...t }));
    expect(transferTaskId(t)).not.toBe(transferTaskId({ ...t, round: 2 }));
    expect(transferTaskId(t)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('runs each task once even when sent twice, with parallel workers, and retries a failure', async () => {
    const jobId = '11111111-2222-4333-8444-555555555555';
    const tasks: TransferTask[] = ['emi-1', 'emi-2', 'emi-3', 'emi-4'].map((imageId) => ({
      jobId,
      imageId,
      round: 7,
    }));
    const seen: string[] = [];
    const attempts = new Map<string, number[]>();
    let running = 0;
    let maxRunning = 0;
    const done = new Promise<void>((resolve) => {
      void queue.work(3, async (task, attempt) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        attempts.set(task.imageId, [...(attempts.get(task.imageId) ?? []), attempt.retryCount]);
        await new Promise((r) => setTimeout(r, 300));
        running--;
        if (task.imageId === 'emi-3' && attempt.retryCount === 0) throw new Error('flaky');
        seen.push(task.imageId);
        if (seen.length === tasks.length) resolve();
      });
    });
    await queue.enqueue(tasks);
    await queue.enqueue(tasks);
    await done;
    await new Promise((r) => setTimeout(r, 1500));
    expect(seen.sort()).toEqual(['emi-1', 'emi-2', 'emi-3', 'emi-4']);
    expect(attempts.get('emi-3')).toEqual([0, 1]);
    expect(attempts.get('emi-1')).toEqual([0]);
    expect(maxRunning).toBeGreaterThan(1);
  }, 60_000);
});
