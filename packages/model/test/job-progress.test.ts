import { describe, expect, it } from 'vitest';
import {
  JobEventSchema,
  JobProgressSchema,
  PROGRESS_DEBUG_LOG_KEEP,
  PROGRESS_LOG_KEEP,
  applyJobEvents,
  emptyJobProgress,
  type JobEvent,
  type JobEventBody,
  type JobProgress,
} from '../src/index.ts';
import { JOB_ID } from './fixtures.ts';

/** Events as the store makes them: seq from 1 without gaps, one second apart, each one valid. */
function events(bodies: readonly JobEventBody[], firstSeq = 1): JobEvent[] {
  return bodies.map((b, i) =>
    JobEventSchema.parse({
      ...b,
      jobId: JOB_ID,
      seq: firstSeq + i,
      at: new Date(Date.UTC(2024, 4, 1, 10, 0, firstSeq + i)).toISOString(),
    }),
  );
}

const reduce = (list: readonly JobEvent[]): JobProgress =>
  applyJobEvents(emptyJobProgress(JOB_ID), list);

const phaseOf = (p: JobProgress, name: string) => p.phases.find((x) => x.phase === name);

const KiB = 1024;

/** A small migration as the runner and a transfer worker announce it: two images of 4 KiB. */
const RUN: JobEventBody[] = [
  { type: 'job-status-changed', from: 'queued', to: 'running' },
  {
    type: 'run-totals',
    phases: [
      { phase: 'users', items: 2 },
      { phase: 'key-pairs', items: 1 },
      { phase: 'security-groups', items: 0 },
      { phase: 'networks', items: 1 },
      { phase: 'images', items: 3, bytes: 8 * KiB },
      { phase: 'instances', items: 1 },
      { phase: 'floating-ips', items: 0 },
      { phase: 'volumes', items: 0 },
    ],
    skipped: 1,
  },
  {
    type: 'item-skipped',
    kind: 'snapshot',
    sourceId: 'snap-00000001',
    reason: 'Not migrated: Bexar has no snapshots table.',
  },
  { type: 'phase-finished', phase: 'plan', outcome: 'succeeded', durationMs: 3 },
  { type: 'phase-started', phase: 'users', itemsTotal: 2 },
  { type: 'item-done', kind: 'user', sourceId: 'alice', action: 'created' },
  { type: 'item-done', kind: 'user', sourceId: 'bob', action: 'skipped-identical' },
  { type: 'phase-finished', phase: 'users', outcome: 'succeeded', durationMs: 20 },
  { type: 'phase-started', phase: 'key-pairs', itemsTotal: 1 },
  { type: 'item-done', kind: 'keyPair', sourceId: 'alice/key', action: 'created' },
  { type: 'phase-finished', phase: 'key-pairs', outcome: 'succeeded', durationMs: 5 },
  { type: 'phase-started', phase: 'security-groups', itemsTotal: 0 },
  { type: 'phase-finished', phase: 'security-groups', outcome: 'succeeded', durationMs: 1 },
  { type: 'phase-started', phase: 'networks', itemsTotal: 1 },
  { type: 'item-done', kind: 'network', sourceId: '10.0.0.0/24', action: 'created' },
  { type: 'phase-finished', phase: 'networks', outcome: 'succeeded', durationMs: 4 },
  { type: 'phase-started', phase: 'images', itemsTotal: 3 },
  // The identical image is done by the runner, without a copy.
  { type: 'item-done', kind: 'image', sourceId: 'eki-00000001', action: 'skipped-identical' },
  {
    type: 'bytes-progress',
    kind: 'image',
    sourceId: 'emi-00000001',
    bytesDone: KiB,
    bytesTotal: 4 * KiB,
    bytesPerSecond: KiB,
    etaSeconds: 3,
  },
  {
    type: 'bytes-progress',
    kind: 'image',
    sourceId: 'emi-00000002',
    bytesDone: 2 * KiB,
    bytesTotal: 4 * KiB,
    bytesPerSecond: 2 * KiB,
    etaSeconds: 1,
  },
  { type: 'phase-started', phase: 'instances', itemsTotal: 1 },
  { type: 'item-done', kind: 'instance', sourceId: 'i-00000001', action: 'created' },
  { type: 'phase-finished', phase: 'instances', outcome: 'succeeded', durationMs: 9 },
  { type: 'phase-started', phase: 'floating-ips', itemsTotal: 0 },
  { type: 'phase-finished', phase: 'floating-ips', outcome: 'succeeded', durationMs: 1 },
  { type: 'phase-started', phase: 'volumes', itemsTotal: 0 },
  { type: 'phase-finished', phase: 'volumes', outcome: 'succeeded', durationMs: 1 },
  // A copy's last progress comes with its item-done, in one transaction.
  {
    type: 'bytes-progress',
    kind: 'image',
    sourceId: 'emi-00000001',
    bytesDone: 4 * KiB,
    bytesTotal: 4 * KiB,
    bytesPerSecond: KiB,
    etaSeconds: 0,
  },
  { type: 'item-done', kind: 'image', sourceId: 'emi-00000001', action: 'created' },
  {
    type: 'bytes-progress',
    kind: 'image',
    sourceId: 'emi-00000002',
    bytesDone: 4 * KiB,
    bytesTotal: 4 * KiB,
    bytesPerSecond: 2 * KiB,
    etaSeconds: 0,
  },
  { type: 'item-done', kind: 'image', sourceId: 'emi-00000002', action: 'created' },
  { type: 'phase-finished', phase: 'images', outcome: 'succeeded', durationMs: 2000 },
  { type: 'phase-started', phase: 'sequences', itemsTotal: 0 },
  { type: 'phase-finished', phase: 'sequences', outcome: 'succeeded', durationMs: 2 },
  { type: 'phase-started', phase: 'verify', itemsTotal: 0 },
  { type: 'log', level: 'info', message: 'Verification: Nova shows every migrated item.' },
  { type: 'phase-finished', phase: 'verify', outcome: 'succeeded', durationMs: 30 },
  { type: 'phase-started', phase: 'report', itemsTotal: 0 },
  { type: 'phase-finished', phase: 'report', outcome: 'succeeded', durationMs: 10 },
  { type: 'job-status-changed', from: 'running', to: 'succeeded' },
];

describe('applyJobEvents', () => {
  it('adds a whole run up: every item done or skipped, every byte copied, every phase succeeded', () => {
    const p = reduce(events(RUN));
    expect(JobProgressSchema.parse(p)).toEqual(p);
    expect(p.status).toBe('succeeded');
    expect(p.asOfSeq).toBe(RUN.length);
    expect(p.currentPhase).toBe('report');
    expect(p.totals).toEqual({
      itemsTotal: 9,
      itemsDone: 8,
      itemsFailed: 0,
      itemsSkipped: 1,
      bytesTotal: 8 * KiB,
      bytesDone: 8 * KiB,
    });
    expect(p.phases.filter((x) => x.status !== 'succeeded').map((x) => x.phase)).toEqual([
      'discover',
    ]);
    expect(phaseOf(p, 'images')).toMatchObject({
      itemsTotal: 3,
      itemsDone: 3,
      bytesTotal: 8 * KiB,
      bytesDone: 8 * KiB,
      durationMs: 2000,
    });
    expect(phaseOf(p, 'users')).toMatchObject({ itemsTotal: 2, itemsDone: 2 });
    expect(phaseOf(p, 'networks')).toMatchObject({ itemsTotal: 1, itemsDone: 1 });
    expect(p.transfers.map((t) => [t.sourceId, t.status, t.bytesDone, t.etaSeconds])).toEqual([
      ['emi-00000001', 'done', 4 * KiB, 0],
      ['emi-00000002', 'done', 4 * KiB, 0],
    ]);
    expect(p.failedItems).toEqual([]);
    // Items written go to the debug log, the rest to the log.
    expect(p.debugLog).toHaveLength(8);
    expect(p.log.map((l) => l.text)).toContain(
      'snapshot snap-00000001 left out: Not migrated: Bexar has no snapshots table.',
    );
    expect(p.log[1]?.text).toBe(
      'Planned: users 2, key-pairs 1, security-groups 0, networks 1, images 3, instances 1, floating-ips 0, volumes 0; 1 left out',
    );
  });

  it('gives the same progress however the events are cut into batches', () => {
    const all = events(RUN);
    let p = emptyJobProgress(JOB_ID);
    for (let i = 0; i < all.length; i += 3) p = applyJobEvents(p, all.slice(i, i + 3));
    expect(p).toEqual(reduce(all));
  });

  it('ignores a replay that overlaps what it applied, across batches and within one', () => {
    const all = events(RUN);
    const first = applyJobEvents(emptyJobProgress(JOB_ID), all.slice(0, 20));
    // Reconnected with an older seq: the server replays from 10 while 20 was already applied.
    const again = applyJobEvents(first, all.slice(10));
    expect(again).toEqual(reduce(all));
    // Live events that arrive again inside the replay's batch count once.
    const overlapping = [...all.slice(0, 25), ...all.slice(22)];
    expect(reduce(overlapping)).toEqual(reduce(all));
    // Nothing new: the very same object, so a React view does not render again.
    expect(applyJobEvents(again, all.slice(5, 12))).toBe(again);
    expect(applyJobEvents(again, [])).toBe(again);
  });

  it('shares what did not change with the progress before', () => {
    const all = events(RUN);
    const before = reduce(all.slice(0, 20));
    const after = applyJobEvents(before, all.slice(20, 21));
    expect(phaseOf(after, 'users')).toBe(phaseOf(before, 'users'));
    expect(phaseOf(after, 'instances')).not.toBe(phaseOf(before, 'instances'));
  });

  it('shows a copy retrying, then failed for good, then done once the failed job is retried', () => {
    const ref = { kind: 'image', sourceId: 'emi-00000001' } as const;
    const error = { code: 'connection-reset', message: 'Walrus reset the connection.' };
    const run = events([
      { type: 'job-status-changed', from: 'queued', to: 'running' },
      {
        type: 'run-totals',
        phases: [{ phase: 'images', items: 1, bytes: 4 * KiB }],
        skipped: 0,
      },
      { type: 'phase-started', phase: 'images', itemsTotal: 1 },
      { type: 'bytes-progress', ...ref, bytesDone: KiB, bytesTotal: 4 * KiB, bytesPerSecond: 10 },
      { type: 'item-failed', ...ref, error, willRetry: true },
    ]);
    const retrying = reduce(run);
    expect(retrying.transfers[0]).toMatchObject({ status: 'retrying', error: error.message });
    expect(retrying.failedItems).toEqual([]);
    expect(retrying.totals.itemsFailed).toBe(0);

    const givenUp = applyJobEvents(
      retrying,
      events(
        [
          { type: 'item-failed', ...ref, error, willRetry: false },
          // The same failure announced again (another worker) counts once.
          { type: 'item-failed', ...ref, error, willRetry: false },
          { type: 'phase-finished', phase: 'images', outcome: 'failed', durationMs: 900 },
          {
            type: 'job-status-changed',
            from: 'running',
            to: 'failed',
            reason: '1 item(s) failed',
          },
        ],
        run.length + 1,
      ),
    );
    expect(givenUp.status).toBe('failed');
    expect(givenUp.failedItems).toEqual([{ ...ref, error: error.message }]);
    expect(givenUp.totals.itemsFailed).toBe(1);
    expect(phaseOf(givenUp, 'images')).toMatchObject({ status: 'failed', itemsFailed: 1 });
    expect(givenUp.transfers[0]?.status).toBe('failed');
    expect(givenUp.log.at(-1)).toMatchObject({
      level: 'error',
      text: 'Job running → failed: 1 item(s) failed',
    });

    const retried = applyJobEvents(
      givenUp,
      events(
        [
          { type: 'job-status-changed', from: 'failed', to: 'queued', reason: 'retrying' },
          { type: 'job-status-changed', from: 'queued', to: 'running' },
          { type: 'phase-started', phase: 'images', itemsTotal: 1 },
          // Resumed from the partial copy's offset.
          {
            type: 'bytes-progress',
            ...ref,
            bytesDone: 4 * KiB,
            bytesTotal: 4 * KiB,
            bytesPerSecond: 99,
          },
          { type: 'item-done', ...ref, action: 'created' },
          { type: 'phase-finished', phase: 'images', outcome: 'succeeded', durationMs: 300 },
          { type: 'job-status-changed', from: 'running', to: 'succeeded' },
        ],
        givenUp.asOfSeq + 1,
      ),
    );
    expect(retried.status).toBe('succeeded');
    expect(retried.failedItems).toEqual([]);
    expect(retried.totals).toMatchObject({
      itemsTotal: 1,
      itemsDone: 1,
      itemsFailed: 0,
      bytesTotal: 4 * KiB,
      bytesDone: 4 * KiB,
    });
    expect(phaseOf(retried, 'images')).toMatchObject({
      status: 'succeeded',
      itemsDone: 1,
      itemsFailed: 0,
      // The first start stays the phase's start; the duration is the last round's.
      startedAt: run[2]?.at,
      durationMs: 300,
    });
    expect(retried.transfers[0]).toMatchObject({ status: 'done', error: null });
  });

  it('shows a copy that fails before its first byte', () => {
    const p = reduce(
      events([
        {
          type: 'item-failed',
          kind: 'image',
          sourceId: 'emi-00000003',
          error: { code: 'throttled', message: 'SlowDown' },
          willRetry: true,
        },
      ]),
    );
    expect(p.transfers).toEqual([
      expect.objectContaining({ sourceId: 'emi-00000003', status: 'retrying', bytesDone: 0 }),
    ]);
  });

  it('shows a stalled copy as stalled, then running again once bytes move', () => {
    const ref = { kind: 'image', sourceId: 'emi-00000001' } as const;
    const list = events([
      {
        type: 'bytes-progress',
        ...ref,
        bytesDone: 100,
        bytesTotal: 1000,
        bytesPerSecond: 100,
        etaSeconds: 9,
      },
      { type: 'transfer-stalled', ...ref, bytesDone: 100, stalledForSeconds: 31 },
    ]);
    const stalled = reduce(list);
    expect(stalled.transfers[0]).toMatchObject({
      status: 'stalled',
      stalledForSeconds: 31,
      bytesPerSecond: 0,
      bytesDone: 100,
    });
    expect(stalled.log.at(-1)).toMatchObject({
      level: 'warn',
      text: 'image emi-00000001: no bytes moved for 31 s',
    });
    const moving = applyJobEvents(
      stalled,
      events(
        [
          {
            type: 'bytes-progress',
            ...ref,
            bytesDone: 600,
            bytesTotal: 1000,
            bytesPerSecond: 50,
            etaSeconds: 8,
          },
        ],
        3,
      ),
    );
    expect(moving.transfers[0]).toMatchObject({
      status: 'running',
      stalledForSeconds: null,
      bytesDone: 600,
      bytesPerSecond: 50,
      etaSeconds: 8,
    });
    expect(moving.totals.bytesDone).toBe(600);
  });

  it('lets no late progress tick undo a finished copy', () => {
    const ref = { kind: 'image', sourceId: 'emi-00000001' } as const;
    const p = reduce(
      events([
        {
          type: 'bytes-progress',
          ...ref,
          bytesDone: 1000,
          bytesTotal: 1000,
          bytesPerSecond: 10,
          etaSeconds: 0,
        },
        { type: 'item-done', ...ref, action: 'created' },
        {
          type: 'bytes-progress',
          ...ref,
          bytesDone: 1000,
          bytesTotal: 1000,
          bytesPerSecond: 10,
          etaSeconds: 0,
        },
        { type: 'transfer-stalled', ...ref, bytesDone: 1000, stalledForSeconds: 30 },
      ]),
    );
    expect(p.transfers[0]).toMatchObject({ status: 'done', bytesDone: 1000 });
    expect(p.totals.bytesDone).toBe(1000);
  });

  it('leaves the bytes to copy unknown when an image to copy has no known size', () => {
    const p = reduce(
      events([
        {
          type: 'run-totals',
          phases: [
            { phase: 'users', items: 1 },
            { phase: 'images', items: 2 },
          ],
          skipped: 0,
        },
      ]),
    );
    expect(p.totals).toMatchObject({ itemsTotal: 3, bytesTotal: null });
    expect(phaseOf(p, 'images')).toMatchObject({ itemsTotal: 2, bytesTotal: null });
  });

  it('ends the phase a run was in when the job fails or is cancelled', () => {
    const p = reduce(
      events([
        { type: 'job-status-changed', from: 'queued', to: 'running' },
        { type: 'phase-started', phase: 'instances', itemsTotal: 600 },
        { type: 'log', level: 'error', message: 'connection terminated unexpectedly' },
        { type: 'job-status-changed', from: 'running', to: 'failed' },
      ]),
    );
    expect(phaseOf(p, 'instances')?.status).toBe('failed');
    expect(p.log.map((l) => l.level)).toEqual(['info', 'info', 'error', 'error']);
  });

  it('keeps the newest lines of each log and counts those it dropped', () => {
    const extra = 7;
    const bodies: JobEventBody[] = [];
    for (let i = 0; i < PROGRESS_LOG_KEEP + extra; i++)
      bodies.push({
        type: 'log',
        level: i % 2 === 0 ? 'info' : 'warn',
        message: `line ${String(i)}`,
      });
    for (let i = 0; i < PROGRESS_DEBUG_LOG_KEEP + extra; i++)
      bodies.push({
        type: 'item-done',
        kind: 'user',
        sourceId: `u${String(i)}`,
        action: 'created',
      });
    const all = events(bodies);
    // In two batches: the caps hold across calls as within one.
    const p = applyJobEvents(reduce(all.slice(0, 4000)), all.slice(4000));
    expect(p.log).toHaveLength(PROGRESS_LOG_KEEP);
    expect(p.log[0]?.text).toBe(`line ${String(extra)}`);
    expect(p.log.at(-1)?.text).toBe(`line ${String(PROGRESS_LOG_KEEP + extra - 1)}`);
    expect(p.debugLog).toHaveLength(PROGRESS_DEBUG_LOG_KEEP);
    expect(p.debugLog.at(-1)?.text).toBe(
      `user u${String(PROGRESS_DEBUG_LOG_KEEP + extra - 1)} written`,
    );
    expect(p.logDropped).toBe(2 * extra);
    // Counters are not capped: every item counts.
    expect(p.totals.itemsDone).toBe(PROGRESS_DEBUG_LOG_KEEP + extra);
  });

  it("follows a discovery's progress per resource and counts findings", () => {
    const p = reduce(
      events([
        { type: 'phase-started', phase: 'discover' },
        { type: 'discovery-progress', resource: 'users', done: 3, total: 6 },
        { type: 'discovery-progress', resource: 'images', done: 0, total: 4 },
        { type: 'discovery-progress', resource: 'users', done: 6, total: 6 },
        {
          type: 'finding',
          finding: {
            ruleId: 'discover.manifest-unreadable',
            severity: 'warning',
            message: 'A manifest could not be read.',
            affectedIds: ['emi-00000009'],
            remedy: 'Re-register the image.',
          },
        },
      ]),
    );
    expect(p.discovery).toEqual([
      { resource: 'users', done: 6, total: 6 },
      { resource: 'images', done: 0, total: 4 },
    ]);
    expect(p.findings).toBe(1);
    expect(p.currentPhase).toBe('discover');
    expect(p.totals.itemsTotal).toBeNull();
  });
});
