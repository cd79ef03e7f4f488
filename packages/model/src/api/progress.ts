import { z } from 'zod';
import { UuidSchema } from '../schemas/common.ts';
import type { JobEvent } from '../schemas/job.ts';

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

/** A batch as it travels on the socket. */
export type JobEventsWireBatch = JobEventsBatch;

/** A batch as received on the socket, back to events: every client reads batches through it. */
export function decodeJobEventsBatch(wire: JobEventsWireBatch): JobEventsBatch {
  return wire;
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
