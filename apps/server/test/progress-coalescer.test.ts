import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobEvent } from '@euca2nova/model';
import { EventCoalescer } from '../src/progress/coalescer.ts';

const JOB = '00000000-0000-4000-8000-000000000001';
const AT = '2026-01-01T00:00:00.000Z';
let seq = 0;

function bytes(sourceId: string, bytesDone: number): JobEvent {
  seq += 1;
  return {
    jobId: JOB,
    seq,
    at: AT,
    type: 'bytes-progress',
    kind: 'image',
    sourceId,
    bytesDone,
    bytesPerSecond: 1,
  };
}

function done(sourceId: string): JobEvent {
  seq += 1;
  return { jobId: JOB, seq, at: AT, type: 'item-done', kind: 'image', sourceId, action: 'created' };
}

describe('the progress coalescer', () => {
  let emitted: JobEvent[][];
  let coalescer: EventCoalescer;
  beforeEach(() => {
    vi.useFakeTimers();
    seq = 0;
    emitted = [];
    coalescer = new EventCoalescer({
      intervalMs: 100,
      emit: (events) => emitted.push(events),
      now: () => Date.now(),
    });
  });
  afterEach(() => {
    coalescer.close();
    vi.useRealTimers();
  });

  it('sends the first event at once, then at most one batch per interval', () => {
    coalescer.push([done('a')]);
    expect(emitted).toHaveLength(1);
    coalescer.push([done('b')]);
    coalescer.push([done('c')]);
    expect(emitted).toHaveLength(1);
    vi.advanceTimersByTime(99);
    expect(emitted).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(emitted.map((b) => b.map((e) => e.seq))).toEqual([[1], [2, 3]]);
  });

  it('keeps only the latest bytes of an item, moved to its place, so seqs still increase', () => {
    coalescer.push([done('x')]);
    coalescer.push([
      bytes('a', 1),
      bytes('b', 1),
      done('c'),
      bytes('a', 2),
      done('d'),
      bytes('b', 2),
    ]);
    vi.advanceTimersByTime(100);
    const batch = emitted[1] ?? [];
    expect(batch.map((e) => [e.seq, e.type, 'sourceId' in e ? e.sourceId : ''])).toEqual([
      [4, 'item-done', 'c'],
      [5, 'bytes-progress', 'a'],
      [6, 'item-done', 'd'],
      [7, 'bytes-progress', 'b'],
    ]);
  });

  it('paces a second of bytes and items to about ten batches, losing no item', () => {
    for (let ms = 0; ms < 1000; ms += 5) {
      coalescer.push([bytes('a', ms)]);
      if (ms % 20 === 0) coalescer.push([done(`i${ms}`)]);
      vi.advanceTimersByTime(5);
    }
    vi.advanceTimersByTime(100);
    expect(emitted.length).toBeLessThanOrEqual(11);
    const all = emitted.flat();
    expect(all.filter((e) => e.type === 'item-done')).toHaveLength(50);
    const seqs = all.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(all.at(-1)).toMatchObject({ type: 'bytes-progress', bytesDone: 995 });
  });

  it('collapses each item to its latest bytes window after window, never touching a sent one', () => {
    coalescer.push([done('x')]);
    coalescer.push([bytes('a', 1), bytes('b', 1), bytes('a', 2), done('c'), bytes('a', 3)]);
    coalescer.flush();
    coalescer.push([bytes('b', 2), bytes('a', 4), bytes('b', 3)]);
    coalescer.flush();
    const shown = (b: JobEvent[]) =>
      b.map((e) => (e.type === 'bytes-progress' ? `${e.sourceId}${String(e.bytesDone)}` : e.type));
    expect(emitted.map(shown)).toEqual([['item-done'], ['b1', 'item-done', 'a3'], ['a4', 'b3']]);
  });

  it('flushes on demand and sends nothing once closed', () => {
    coalescer.push([done('a')]);
    coalescer.push([done('b')]);
    coalescer.flush();
    expect(emitted).toHaveLength(2);
    coalescer.push([done('c')]);
    coalescer.close();
    vi.advanceTimersByTime(1000);
    coalescer.push([done('d')]);
    expect(emitted).toHaveLength(2);
  });
});
