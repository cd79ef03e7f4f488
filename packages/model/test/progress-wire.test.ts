import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  JOB_EVENTS_WIRE_VERSION,
  JobEventsWireError,
  RESOURCE_KINDS,
  decodeJobEventsBatch,
  encodeJobEventsBatch,
  type JobEvent,
  type JobEventsBatch,
  type JobEventsWireBatch,
} from '../src/index.ts';
import { JOB_ID, sampleEvents } from './fixtures.ts';

const OTHER_JOB = '0d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a';

/** What a client gets: the encoded batch through socket.io's JSON, then decoded. */
function overTheWire(batch: JobEventsBatch): JobEventsBatch {
  return decodeJobEventsBatch(
    JSON.parse(JSON.stringify(encodeJobEventsBatch(batch))) as JobEventsWireBatch,
  );
}

// Few values, so that neighbours often share a type, `at`, kind or reason and runs form.
const atArb = fc.oneof(
  fc.constantFrom('2026-12-04T19:34:45.123Z', '2026-12-04T19:34:46.001Z'),
  fc
    .date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
);
const kindArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant('instance' as const) },
  { weight: 1, arbitrary: fc.constantFrom(...RESOURCE_KINDS) },
);
const idArb = fc.oneof(
  fc.constantFrom('i-1A2B3C4D', 'emi-938D136D', 'alice', 'alice/key 1', ''),
  fc.string({ maxLength: 12 }),
);
const textArb = fc.oneof(fc.constantFrom('conflict', 'unsupported'), fc.string({ maxLength: 40 }));
const jobIdArb = fc.oneof(
  { weight: 9, arbitrary: fc.constant(JOB_ID) },
  { weight: 1, arbitrary: fc.constant(OTHER_JOB) },
);

type Body = Record<string, unknown>;

/** An event's fields after jobId, seq and at: every type, sometimes with a field no type has. */
const bodyArb: fc.Arbitrary<Body> = fc.oneof(
  fc.record(
    {
      type: fc.constant('item-done'),
      kind: kindArb,
      sourceId: idArb,
      targetId: fc.oneof(idArb, fc.constant('same')),
      action: fc.constantFrom('created', 'skipped-identical'),
    },
    { requiredKeys: ['type', 'kind', 'sourceId', 'action'] },
  ),
  fc.record({ type: fc.constant('item-skipped'), kind: kindArb, sourceId: idArb, reason: textArb }),
  fc.record({
    type: fc.constant('item-failed'),
    kind: kindArb,
    sourceId: idArb,
    error: fc.record({ code: fc.constantFrom('conflict', 'E_IO'), message: textArb }),
    willRetry: fc.boolean(),
  }),
  fc.record(
    {
      type: fc.constant('bytes-progress'),
      kind: fc.constant('image'),
      sourceId: idArb,
      bytesDone: fc.nat(),
      bytesTotal: fc.nat(),
      bytesPerSecond: fc.double({ min: 0, max: 1e9, noNaN: true }),
      etaSeconds: fc.double({ min: 0, max: 1e6, noNaN: true }),
    },
    { requiredKeys: ['type', 'kind', 'sourceId', 'bytesDone', 'bytesPerSecond'] },
  ),
  fc.record({ type: fc.constant('log'), level: fc.constantFrom('info', 'warn'), message: textArb }),
  fc.record({
    type: fc.constant('phase-started'),
    phase: fc.constantFrom('users', 'instances'),
    itemsTotal: fc.nat(),
  }),
  // A field the format does not know (a newer server's, or a mistake): it must not get lost.
  fc.record({
    type: fc.constantFrom('item-done', 'item-skipped', 'item-failed', 'log'),
    kind: kindArb,
    sourceId: idArb,
    action: fc.constant('created'),
    reason: textArb,
    extra: fc.oneof(fc.string(), fc.nat(), fc.constant(null)),
  }),
  fc.record({
    type: fc.constant('item-failed'),
    kind: kindArb,
    sourceId: idArb,
    error: fc.record({ code: fc.constant('E'), message: textArb, detail: fc.nat() }),
    willRetry: fc.boolean(),
  }),
);

/** Groups of events like one transaction's: consecutive seqs, one `at`, often the same shape. */
const groupArb = fc.record({
  jobId: jobIdArb,
  at: atArb,
  gap: fc.oneof(fc.constant(1), fc.integer({ min: -3, max: 40 })),
  bodies: fc.oneof(
    fc.array(bodyArb, { minLength: 1, maxLength: 4 }),
    bodyArb.chain((b) =>
      fc.array(idArb, { minLength: 1, maxLength: 30 }).map((ids) =>
        ids.map((sourceId, i) => ({
          ...b,
          ...('sourceId' in b ? { sourceId } : {}),
          ...(b['type'] === 'item-done' && (b['targetId'] === 'same' || i % 3 === 2)
            ? { targetId: sourceId }
            : {}),
        })),
      ),
    ),
  ),
});

const batchArb: fc.Arbitrary<JobEventsBatch> = fc
  .tuple(fc.integer({ min: 0, max: 1e9 }), fc.array(groupArb, { maxLength: 12 }))
  .map(([start, groups]) => {
    let seq = start;
    const events: JobEvent[] = [];
    for (const g of groups) {
      seq += g.gap;
      for (const body of g.bodies) {
        const { targetId, ...rest } = body;
        const withTarget =
          targetId === undefined
            ? rest
            : { ...rest, targetId: targetId === 'same' ? 'x' : targetId };
        events.push({ jobId: g.jobId, seq, at: g.at, ...withTarget } as unknown as JobEvent);
        seq += 1;
      }
    }
    // As the server has them: parsed from JSON (plain objects, no undefined, no -0).
    return { jobId: JOB_ID, events: JSON.parse(JSON.stringify(events)) as JobEvent[] };
  });

describe('the job events wire format', () => {
  fcTest.prop([batchArb], { numRuns: 500 })(
    'decodes to exactly the events the server had',
    (batch) => {
      expect(overTheWire(batch)).toStrictEqual(batch);
    },
  );

  it('decodes every kind of event the model has', () => {
    const batch = { jobId: JOB_ID, events: sampleEvents() };
    expect(overTheWire(batch)).toStrictEqual(batch);
    expect(overTheWire({ jobId: JOB_ID, events: [] })).toStrictEqual({ jobId: JOB_ID, events: [] });
  });

  it('sends a transaction of item events as columns, a fraction of their JSON', () => {
    const at = '2026-12-04T19:34:45.123Z';
    const done = Array.from({ length: 500 }, (_, i): JobEvent => ({
      jobId: JOB_ID,
      seq: 4024 + i,
      at,
      type: 'item-done',
      kind: 'instance',
      sourceId: `i-${(0x1a2b3c00 + i).toString(16).toUpperCase()}`,
      targetId: `i-${(0x1a2b3c00 + i).toString(16).toUpperCase()}`,
      action: 'created',
    }));
    const bytes: JobEvent = {
      jobId: JOB_ID,
      seq: 4530,
      at,
      type: 'bytes-progress',
      kind: 'image',
      sourceId: 'emi-938D136D',
      bytesDone: 1024,
      bytesPerSecond: 512,
    };
    const batch = { jobId: JOB_ID, events: [...done, bytes] };
    const wire = encodeJobEventsBatch(batch);
    expect(wire).toEqual({
      v: JOB_EVENTS_WIRE_VERSION,
      jobId: JOB_ID,
      s: [at],
      r: [
        {
          t: 'item-done',
          q: 4024,
          a: 0,
          k: 'instance',
          c: 'created',
          i: done.map((e) => (e.type === 'item-done' ? e.sourceId : '')),
          x: 1,
        },
        {
          t: 'event',
          q: 7,
          a: 0,
          e: {
            type: 'bytes-progress',
            kind: 'image',
            sourceId: 'emi-938D136D',
            bytesDone: 1024,
            bytesPerSecond: 512,
          },
        },
      ],
    });
    expect(JSON.stringify(wire).length).toBeLessThan(JSON.stringify(batch).length / 10);
    expect(overTheWire(batch)).toStrictEqual(batch);
  });

  it('starts a new run where the `at`, the kind, the action or the seq sequence changes', () => {
    const done = (seq: number, at: string, kind: 'instance' | 'volume', action: string): JobEvent =>
      ({
        jobId: JOB_ID,
        seq,
        at,
        type: 'item-done',
        kind,
        sourceId: `x-${String(seq)}`,
        action,
      }) as JobEvent;
    const t1 = '2026-12-04T19:34:45.123Z';
    const t2 = '2026-12-04T19:34:45.124Z';
    const batch = {
      jobId: JOB_ID,
      events: [
        done(1, t1, 'instance', 'created'),
        done(2, t2, 'instance', 'created'),
        done(3, t2, 'volume', 'created'),
        done(4, t2, 'volume', 'skipped-identical'),
        done(6, t2, 'volume', 'skipped-identical'),
        done(7, t2, 'volume', 'skipped-identical'),
      ],
    };
    expect(
      encodeJobEventsBatch(batch).r.map((r) => [r.q, r.t === 'event' ? 1 : r.i.length]),
    ).toEqual([
      [1, 1],
      [1, 1],
      [1, 1],
      [1, 1],
      [2, 2],
    ]);
    expect(overTheWire(batch)).toStrictEqual(batch);
  });

  it('names the reasons and errors a run repeats once', () => {
    const at = '2026-12-04T19:34:45.123Z';
    const skipped = (seq: number, reason: string): JobEvent => ({
      jobId: JOB_ID,
      seq,
      at,
      type: 'item-skipped',
      kind: 'image',
      sourceId: `emi-${String(seq)}`,
      reason,
    });
    const wire = encodeJobEventsBatch({
      jobId: JOB_ID,
      events: [skipped(2, 'conflict'), skipped(3, 'unsupported'), skipped(4, 'conflict')],
    });
    expect(wire.s).toEqual([at, 'conflict', 'unsupported']);
    expect(wire.r).toEqual([
      { t: 'item-skipped', q: 2, a: 0, k: 'image', i: ['emi-2', 'emi-3', 'emi-4'], r: [1, 2, 1] },
    ]);
  });

  it('refuses a batch of another format rather than misreading it', () => {
    const wire = { ...encodeJobEventsBatch({ jobId: JOB_ID, events: sampleEvents() }), v: 2 };
    expect(() => decodeJobEventsBatch(wire as unknown as JobEventsWireBatch)).toThrow(
      JobEventsWireError,
    );
    const old = { jobId: JOB_ID, events: sampleEvents() };
    expect(() => decodeJobEventsBatch(old as unknown as JobEventsWireBatch)).toThrow(
      JobEventsWireError,
    );
  });
});
