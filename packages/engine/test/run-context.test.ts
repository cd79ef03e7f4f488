// The job context a process loads to run or copy for a job.
import { afterAll, describe, expect, it } from 'vitest';
import { loadJobContext } from '../src/index.ts';
import { freshState, freshTarget, preparedJob, startCloud } from './run-helpers.ts';

describe('a job context', () => {
  it('derives the writers input on first use when asked to, the same as at once', async () => {
    const [cloud, target, state] = await Promise.all([startCloud(), freshTarget(), freshState()]);
    afterAll(async () => {
      await Promise.all([cloud.close(), target.close(), state.close()]);
    });
    const { jobId } = await preparedJob(state, cloud, target);
    const now = await loadJobContext(state.store, jobId);
    const later = await loadJobContext(state.store, jobId, { writeInput: 'on-first-use' });
    try {
      expect(later.input).toEqual(now.input);
      // Derived once, then kept.
      expect(later.input).toBe(later.input);
      expect(later.input.ids.instances.size).toBeGreaterThan(0);
    } finally {
      now.close();
      later.close();
    }
  }, 120_000);
});
