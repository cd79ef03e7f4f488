import { z } from 'zod';
import { UuidSchema } from '../schemas/common.ts';
import type { ResourceKind } from '../schemas/common.ts';
import type { JobEvent, JobEventOf } from '../schemas/job.ts';

/**
 * Live job progress over socket.io. A client loads the job over REST, then subscribes with the
 * highest seq it holds; the server replays what came after from the database, then streams, so the
 * client sees every event once and in seq order. `bytes-progress` events of one item may be
 * collapsed to the latest, so seqs a client receives increase but may skip: track the max seq.
 */
export const JobSubscribeSchema = z.strictObject({
  jobId: UuidSchema,
  /** The highest seq the client already applied; 0 for none. */
  afterSeq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
});
export type JobSubscribe = z.infer<typeof JobSubscribeSchema>;

export const JobUnsubscribeSchema = z.strictObject({ jobId: UuidSchema });
export type JobUnsubscribe = z.infer<typeof JobUnsubscribeSchema>;

/** Answer to `job:subscribe`, sent once the replay up to `replayedTo` has been emitted. */
export type JobSubscribeAck =
  | { ok: true; jobId: string; replayedTo: number }
  | { ok: false; error: 'invalid-request' | 'not-found' | 'unavailable'; message: string };

export interface JobEventsBatch {
  jobId: string;
  /** In increasing seq order. */
  events: JobEvent[];
}

/*
 * The wire format of a batch. A row phase announces its items 500 to a transaction, and every
 * follower gets each of them, so a batch is mostly item events: as plain JSON each repeated its
 * job id, a 24-character `at`, and seven property names (~170 bytes an event, ~650 MB written to
 * 100 followers over a scale:1000 migration, and as much parsed again by them). On the wire:
 *
 * - `jobId` once per batch; `at` values, skip reasons and error codes and messages once each, in
 *   a string table the events refer to by index (a transaction's events share one `at`);
 * - consecutive item events (item-done, -skipped, -failed) of one type, `at`, kind (and action)
 *   and with seqs following one another, as one run: its first seq, then their fields in columns;
 *   a targetId equal to its sourceId (EC2 ids are kept) is a 1;
 * - every other event as itself, without `jobId`, its `at` by index;
 * - each run's first seq as the distance from the seq before it in the batch (seqs are integers,
 *   so the distances are exact).
 *
 * An event the columns cannot carry exactly (a field the format does not know, an odd type) goes
 * as itself, so decoding always gives back the events the server had. Still JSON: socket.io's
 * default parser, and a browser decodes it with no library.
 */

/** The format's version; a client that meets another one fails rather than misreads. */
export const JOB_EVENTS_WIRE_VERSION = 1;

/** What every run has: where its first event's seq and `at` are. */
interface WireRunBase {
  /** The first event's seq minus the previous event's (minus 0 for the batch's first). */
  q: number;
  /** The index in the batch's string table of the `at` of every event of the run. */
  a: number;
}

/** Item events of one type, kind and `at`, seqs following one another. */
interface WireItemRunBase extends WireRunBase {
  k: ResourceKind;
  /** Each event's sourceId: the run's length. */
  i: string[];
}

export interface WireItemDoneRun extends WireItemRunBase {
  t: 'item-done';
  c: JobEventOf<'item-done'>['action'];
  /**
   * The targetIds: absent when no event has one; 1 when each equals its sourceId; else per event
   * its targetId, 1 for its sourceId, 0 for none.
   */
  x?: 1 | (string | 0 | 1)[];
}

export interface WireItemSkippedRun extends WireItemRunBase {
  t: 'item-skipped';
  /** Each event's reason, by index in the string table. */
  r: number[];
}

export interface WireItemFailedRun extends WireItemRunBase {
  t: 'item-failed';
  /** Each event's error code and message, by index in the string table. */
  e: number[];
  m: number[];
  /** Each event's willRetry, as 1 or 0. */
  w: (0 | 1)[];
}

/** One event as it is, without the batch's jobId and with its `at` by index. */
export interface WireEventRun extends WireRunBase {
  t: 'event';
  /** The event without `seq` and `at`, and without `jobId` when it is the batch's. */
  e: WireEventBody;
}

type WireEventBody = DistributiveOmit<JobEvent, 'jobId' | 'seq' | 'at'> & { jobId?: string };
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type WireRun = WireItemDoneRun | WireItemSkippedRun | WireItemFailedRun | WireEventRun;

/** A batch as it travels on the socket: see above. */
export interface JobEventsWireBatch {
  v: typeof JOB_EVENTS_WIRE_VERSION;
  jobId: string;
  /** Strings the runs refer to by index. */
  s: string[];
  /** The events, in the batch's order. */
  r: WireRun[];
}

type ItemEvent = JobEventOf<'item-done' | 'item-skipped' | 'item-failed'>;

/** Own enumerable properties: what JSON would carry, and what a run must carry back. */
function keyCount(o: object): number {
  let n = 0;
  for (const k in o) if (Object.hasOwn(o, k)) n++;
  return n;
}

/**
 * The event, when a column run can carry it exactly: the batch's job, and exactly the fields of
 * its type (so nothing a newer event adds is lost on the way), with the types the columns hold.
 */
function packable(e: JobEvent, jobId: string): e is ItemEvent {
  if (e.jobId !== jobId || typeof e.at !== 'string') return false;
  if (e.type !== 'item-done' && e.type !== 'item-skipped' && e.type !== 'item-failed') return false;
  if (typeof e.kind !== 'string' || typeof e.sourceId !== 'string') return false;
  switch (e.type) {
    case 'item-done':
      return (
        typeof e.action === 'string' &&
        (e.targetId === undefined
          ? keyCount(e) === 7
          : typeof e.targetId === 'string' && keyCount(e) === 8)
      );
    case 'item-skipped':
      return typeof e.reason === 'string' && keyCount(e) === 7;
    case 'item-failed':
      return (
        typeof e.willRetry === 'boolean' &&
        typeof e.error === 'object' &&
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- JSON may hold null
        e.error !== null &&
        typeof e.error.code === 'string' &&
        typeof e.error.message === 'string' &&
        keyCount(e.error) === 2 &&
        keyCount(e) === 8
      );
  }
}

/** The server's side of `decodeJobEventsBatch`. */
export function encodeJobEventsBatch(batch: JobEventsBatch): JobEventsWireBatch {
  const strings: string[] = [];
  const indexOf = new Map<string, number>();
  const str = (s: string): number => {
    let i = indexOf.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      indexOf.set(s, i);
    }
    return i;
  };
  const runs: WireRun[] = [];
  let run: WireItemDoneRun | WireItemSkippedRun | WireItemFailedRun | undefined;
  /** The open item-done run's targetIds, per event; compacted when the run ends. */
  let targets: (string | 0 | 1)[] = [];
  const close = (): void => {
    if (run?.t === 'item-done') {
      if (targets.some((x) => x !== 0)) run.x = targets.every((x) => x === 1) ? 1 : targets;
      targets = [];
    }
    run = undefined;
  };
  let prev = 0;
  for (const e of batch.events) {
    const a = str(e.at);
    if (!packable(e, batch.jobId)) {
      close();
      // eslint-disable-next-line @typescript-eslint/no-unused-vars -- `at` goes by index, as `a`
      const { jobId, seq, at, ...rest } = e;
      const body = (jobId === batch.jobId ? rest : { jobId, ...rest }) as WireEventBody;
      runs.push({ t: 'event', q: seq - prev, a, e: body });
      prev = seq;
      continue;
    }
    const continues =
      run !== undefined &&
      run.t === e.type &&
      e.seq === prev + 1 &&
      run.a === a &&
      run.k === e.kind &&
      (e.type !== 'item-done' || (run as WireItemDoneRun).c === e.action);
    if (!continues) {
      close();
      const base = { q: e.seq - prev, a, k: e.kind, i: [] };
      switch (e.type) {
        case 'item-done':
          run = { t: e.type, ...base, c: e.action };
          break;
        case 'item-skipped':
          run = { t: e.type, ...base, r: [] };
          break;
        case 'item-failed':
          run = { t: e.type, ...base, e: [], m: [], w: [] };
          break;
      }
      runs.push(run);
    }
    prev = e.seq;
    const r = run as NonNullable<typeof run>;
    r.i.push(e.sourceId);
    switch (e.type) {
      case 'item-done':
        targets.push(e.targetId === undefined ? 0 : e.targetId === e.sourceId ? 1 : e.targetId);
        break;
      case 'item-skipped':
        (r as WireItemSkippedRun).r.push(str(e.reason));
        break;
      case 'item-failed': {
        const f = r as WireItemFailedRun;
        f.e.push(str(e.error.code));
        f.m.push(str(e.error.message));
        f.w.push(e.willRetry ? 1 : 0);
        break;
      }
    }
  }
  close();
  return { v: JOB_EVENTS_WIRE_VERSION, jobId: batch.jobId, s: strings, r: runs };
}

export class JobEventsWireError extends Error {
  override readonly name = 'JobEventsWireError';
}

/** A batch as received on the socket, back to events: every client reads batches through it. */
export function decodeJobEventsBatch(wire: JobEventsWireBatch): JobEventsBatch {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a server of another version
  if (wire.v !== JOB_EVENTS_WIRE_VERSION)
    throw new JobEventsWireError(
      `Job events in wire format ${String(wire.v)}; this client reads ${String(JOB_EVENTS_WIRE_VERSION)}.`,
    );
  const { jobId, s } = wire;
  const text = (i: number | undefined): string => {
    const x = i === undefined ? undefined : s[i];
    if (x === undefined) throw new JobEventsWireError(`No string ${String(i)} in the batch.`);
    return x;
  };
  const events: JobEvent[] = [];
  /** The seq of the last event decoded. */
  let prev = 0;
  for (const run of wire.r) {
    const first = prev + run.q;
    const at = text(run.a);
    if (run.t === 'event') {
      events.push({ jobId, seq: first, at, ...run.e });
      prev = first;
      continue;
    }
    const { k: kind, i: ids } = run;
    prev = first + ids.length - 1;
    switch (run.t) {
      case 'item-done': {
        const { c: action, x } = run;
        for (let j = 0; j < ids.length; j++) {
          const sourceId = ids[j] as string;
          const t = x === undefined ? 0 : x === 1 ? 1 : (x[j] ?? 0);
          const seq = first + j;
          events.push(
            t === 0
              ? { jobId, seq, at, type: 'item-done', kind, sourceId, action }
              : {
                  jobId,
                  seq,
                  at,
                  type: 'item-done',
                  kind,
                  sourceId,
                  targetId: t === 1 ? sourceId : t,
                  action,
                },
          );
        }
        break;
      }
      case 'item-skipped':
        for (let j = 0; j < ids.length; j++)
          events.push({
            jobId,
            seq: first + j,
            at,
            type: 'item-skipped',
            kind,
            sourceId: ids[j] as string,
            reason: text(run.r[j]),
          });
        break;
      case 'item-failed':
        for (let j = 0; j < ids.length; j++)
          events.push({
            jobId,
            seq: first + j,
            at,
            type: 'item-failed',
            kind,
            sourceId: ids[j] as string,
            error: { code: text(run.e[j]), message: text(run.m[j]) },
            willRetry: run.w[j] === 1,
          });
        break;
    }
  }
  return { jobId, events };
}

export interface ServerToClientEvents {
  'job:events': (batch: JobEventsWireBatch) => void;
}

export interface ClientToServerEvents {
  'job:subscribe': (request: JobSubscribe, ack: (answer: JobSubscribeAck) => void) => void;
  'job:unsubscribe': (request: JobUnsubscribe) => void;
}

/** The socket.io room of a job's subscribers. */
export function jobRoom(jobId: string): string {
  return `job:${jobId}`;
}

/** Most emissions per job and client per second; item events are batched, never dropped. */
export const PROGRESS_MAX_EMISSIONS_PER_SECOND = 10;
