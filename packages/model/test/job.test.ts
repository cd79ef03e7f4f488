import { describe, expect, it } from 'vitest';
import {
  JOB_STATUSES,
  JobEventSchema,
  JobSchema,
  canTransitionJob,
  isFinalJobStatus,
  type Job,
  type JobEvent,
} from '../src/index.ts';
import { JOB_ID, PLAN_ID, sampleEvents, without } from './fixtures.ts';

function job(overrides: Partial<Job> = {}): Job {
  return {
    id: JOB_ID,
    type: 'migrate',
    status: 'running',
    planId: PLAN_ID,
    createdAt: '2024-05-01T10:06:00.000Z',
    updatedAt: '2024-05-01T10:07:00.000Z',
    startedAt: '2024-05-01T10:06:01.000Z',
    lastHeartbeatAt: '2024-05-01T10:07:00.000Z',
    currentPhase: 'images',
    lastSeq: 10,
    counters: {
      itemsTotal: 10,
      itemsDone: 3,
      itemsFailed: 1,
      itemsSkipped: 1,
      bytesTotal: 4096,
      bytesDone: 1024,
    },
    ...overrides,
  };
}

describe('Job', () => {
  it('parses a running migrate job', () => {
    expect(JobSchema.parse(job())).toEqual(job());
  });

  it('rejects inconsistent jobs', () => {
    expect(JobSchema.safeParse(job({ id: 'not-a-uuid' })).success).toBe(false);
    expect(JobSchema.safeParse(job({ planId: undefined })).success).toBe(false);
    expect(
      JobSchema.safeParse(job({ status: 'failed', finishedAt: '2024-05-01T10:08:00Z' })).success,
    ).toBe(false);
    expect(JobSchema.safeParse(job({ status: 'succeeded' })).success).toBe(false);
    expect(JobSchema.safeParse(job({ status: 'done' as never })).success).toBe(false);
    const c = job().counters;
    expect(JobSchema.safeParse(job({ counters: { ...c, itemsDone: 9 } })).success).toBe(false);
    expect(JobSchema.safeParse(job({ counters: { ...c, bytesDone: 5000 } })).success).toBe(false);
    expect(JobSchema.safeParse(job({ type: 'discover', planId: undefined })).success).toBe(true);
  });

  it('status transitions: final states stay final except a failed job may be resumed', () => {
    expect(canTransitionJob('queued', 'running')).toBe(true);
    expect(canTransitionJob('running', 'cancelling')).toBe(true);
    expect(canTransitionJob('cancelling', 'cancelled')).toBe(true);
    expect(canTransitionJob('failed', 'queued')).toBe(true);
    expect(canTransitionJob('succeeded', 'running')).toBe(false);
    expect(canTransitionJob('cancelled', 'queued')).toBe(false);
    expect(canTransitionJob('queued', 'succeeded')).toBe(false);
    for (const s of JOB_STATUSES) expect(canTransitionJob(s, s)).toBe(false);
    expect(JOB_STATUSES.filter(isFinalJobStatus)).toEqual(['cancelled', 'failed', 'succeeded']);
  });
});

describe('JobEvent', () => {
  it('parses one event of every type', () => {
    const events = sampleEvents();
    expect(new Set(events.map((e) => e.type)).size).toBe(JobEventSchema.options.length);
    for (const e of events) expect(JobEventSchema.parse(e)).toEqual(e);
  });

  it('discriminates on type: fields of another variant are rejected', () => {
    const [status] = sampleEvents();
    expect(JobEventSchema.safeParse({ ...status, type: 'log' }).success).toBe(false);
    expect(JobEventSchema.safeParse({ ...status, type: 'nonsense' }).error?.issues[0]?.code).toBe(
      'invalid_union',
    );
    const parsed: JobEvent = JobEventSchema.parse({
      jobId: JOB_ID,
      seq: 3,
      at: '2024-05-01T10:10:00Z',
      type: 'bytes-progress',
      kind: 'volume',
      sourceId: 'vol-5A0E0610',
      bytesDone: 10,
      bytesPerSecond: 1,
    });
    // Narrowing through the discriminant: only bytes-progress has bytesDone and bytesPerSecond.
    expect(parsed.type === 'bytes-progress' ? parsed.bytesPerSecond : -1).toBe(1);
  });

  it('requires jobId, seq and at on every variant', () => {
    for (const e of sampleEvents()) {
      for (const key of ['jobId', 'seq', 'at'] as const) {
        expect(JobEventSchema.safeParse(without(e, key)).success, `${e.type} without ${key}`).toBe(
          false,
        );
      }
      expect(JobEventSchema.safeParse({ ...e, seq: 0 }).success).toBe(false);
      expect(JobEventSchema.safeParse({ ...e, seq: 1.5 }).success).toBe(false);
      expect(JobEventSchema.safeParse({ ...e, at: 'yesterday' }).success).toBe(false);
    }
  });

  it('bytes progress cannot pass its total', () => {
    const progress = sampleEvents()[2];
    expect(JobEventSchema.safeParse({ ...progress, bytesDone: 5000 }).success).toBe(false);
    expect(JobEventSchema.safeParse({ ...progress, etaSeconds: -1 }).success).toBe(false);
  });
});
