import type { FastifyInstance } from 'fastify';
import { Server, type Socket } from 'socket.io';
import {
  JobSubscribeSchema,
  JobUnsubscribeSchema,
  PROGRESS_MAX_EMISSIONS_PER_SECOND,
  encodeJobEventsBatch,
  jobRoom,
  type ClientToServerEvents,
  type JobEvent,
  type JobSubscribeAck,
  type ServerToClientEvents,
} from '@euca2nova/model';
import { StateNotFoundError, type PgJobStore } from '@euca2nova/state';
import { EventCoalescer } from './coalescer.ts';
import { JobEventHub } from './hub.ts';

/** What a socket.io handshake carries: its headers (cookies) and `auth` payload. */
export type ProgressHandshake = Socket['handshake'];

export interface ProgressOptions {
  /** Whether this handshake belongs to a signed-in session. Absent: every client is refused. */
  authenticate?: (handshake: ProgressHandshake) => Promise<boolean>;
  /** The state database: its URL for the LISTEN connection, its store for reading events. */
  state: { url: string; store: Pick<PgJobStore, 'listEvents' | 'getJob'> };
  /** Shortest time between two emissions of one job to one client. */
  intervalMs?: number;
  replayPageSize?: number;
}

type ProgressServer = Server<ClientToServerEvents, ServerToClientEvents>;
type ProgressSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

const refuseAll = async (): Promise<boolean> => false;

/**
 * Live job progress on the Fastify server's own HTTP server (path /socket.io). Attached on ready
 * rather than at registration so `inject`-only tests never open the LISTEN connection.
 */
export async function registerProgress(
  app: FastifyInstance,
  options: ProgressOptions,
): Promise<void> {
  const authenticate = options.authenticate ?? refuseAll;
  const intervalMs = options.intervalMs ?? 1000 / PROGRESS_MAX_EMISSIONS_PER_SECOND;
  const hub = new JobEventHub({
    url: options.state.url,
    store: options.state.store,
    log: (message, error) => {
      app.log.warn({ err: error }, message);
    },
  });
  let io: ProgressServer | undefined;

  app.addHook('onReady', async () => {
    await hub.start();
    io = new Server<ClientToServerEvents, ServerToClientEvents>(app.server, {
      serveClient: false,
    });
    io.use((socket, next) => {
      authenticate(socket.handshake).then(
        (ok) => {
          next(ok ? undefined : new Error('unauthorized'));
        },
        (e: unknown) => {
          app.log.warn({ err: e }, 'Progress: the authentication check failed');
          next(new Error('unauthorized'));
        },
      );
    });
    const server = io;
    const broadcasts = new Broadcasts(server, hub, intervalMs);
    io.on('connection', (socket) => {
      serveSocket(socket, broadcasts, options.replayPageSize ?? 5000, options.state.store);
    });
  });

  app.addHook('preClose', async () => {
    // Not io.close(): it would also close the HTTP server, which Fastify closes itself.
    io?.disconnectSockets(true);
    io?.engine.close();
    await hub.stop();
  });
}

function serveSocket(
  socket: ProgressSocket,
  broadcasts: Broadcasts,
  pageSize: number,
  store: Pick<PgJobStore, 'listEvents'>,
): void {
  const subscriptions = new Map<string, Subscription>();

  socket.on('job:subscribe', (request, ack) => {
    const answer = (a: JobSubscribeAck) => {
      if (typeof ack === 'function') ack(a);
    };
    const parsed = JobSubscribeSchema.safeParse(request);
    if (!parsed.success) {
      answer({ ok: false, error: 'invalid-request', message: 'Expected { jobId, afterSeq }.' });
      return;
    }
    const { jobId, afterSeq } = parsed.data;
    subscriptions.get(jobId)?.close();
    const sub = new Subscription(socket, broadcasts, store, jobId, afterSeq, pageSize);
    subscriptions.set(jobId, sub);
    sub.start().then(
      (replayedTo) => {
        if (sub.isClosed()) return;
        answer({ ok: true, jobId, replayedTo });
      },
      (e: unknown) => {
        sub.close();
        if (subscriptions.get(jobId) === sub) subscriptions.delete(jobId);
        answer(
          e instanceof StateNotFoundError
            ? { ok: false, error: 'not-found', message: `No job ${jobId}.` }
            : { ok: false, error: 'unavailable', message: 'The job events could not be read.' },
        );
      },
    );
  });

  socket.on('job:unsubscribe', (request) => {
    const parsed = JobUnsubscribeSchema.safeParse(request);
    if (!parsed.success) return;
    subscriptions.get(parsed.data.jobId)?.close();
    subscriptions.delete(parsed.data.jobId);
  });

  socket.on('disconnect', () => {
    for (const sub of subscriptions.values()) sub.close();
    subscriptions.clear();
  });
}

/** Receives what a job's broadcast emits while its subscriber is still replaying. */
type Holder = (events: readonly JobEvent[]) => void;

/**
 * One job's live events, paced once for all its followers: the hub's events go through one
 * coalescer and each batch is emitted to the job's room, so socket.io encodes it once however
 * many clients follow (encoding per socket cost seconds with 100 clients and 10,000-event
 * commits). Sockets still replaying are not in the room yet: they are handed each batch instead.
 */
class JobBroadcast {
  readonly holders = new Set<Holder>();
  #followers = 0;
  readonly #coalescer: EventCoalescer;
  readonly #listener = (events: readonly JobEvent[]) => {
    this.#coalescer.push(events);
  };
  readonly ready: Promise<void>;

  constructor(
    io: ProgressServer,
    private readonly hub: JobEventHub,
    readonly jobId: string,
    intervalMs: number,
    private readonly onIdle: () => void,
  ) {
    this.#coalescer = new EventCoalescer({
      intervalMs,
      emit: (events) => {
        io.to(jobRoom(jobId)).emit('job:events', encodeJobEventsBatch({ jobId, events }));
        for (const hold of this.holders) hold(events);
      },
    });
    this.ready = hub.subscribe(jobId, this.#listener).then(() => undefined);
    this.ready.catch(() => {
      this.#close();
    });
  }

  /** The seq up to which the hub has read the job's events (and handed them to the coalescer). */
  position(): number {
    return this.hub.position(this.jobId) ?? 0;
  }

  /** Emit what the coalescer holds now, to the room and the holders. */
  flush(): void {
    this.#coalescer.flush();
  }

  follow(): void {
    this.#followers++;
  }

  release(): void {
    this.#followers--;
    if (this.#followers <= 0) this.#close();
  }

  #close(): void {
    this.hub.unsubscribe(this.jobId, this.#listener);
    this.#coalescer.close();
    this.onIdle();
  }
}

class Broadcasts {
  readonly #byJob = new Map<string, JobBroadcast>();
  constructor(
    private readonly io: ProgressServer,
    private readonly hub: JobEventHub,
    private readonly intervalMs: number,
  ) {}

  /** The job's broadcast, counted as followed until `release()`. */
  async follow(jobId: string): Promise<JobBroadcast> {
    let b = this.#byJob.get(jobId);
    if (b === undefined) {
      const created = new JobBroadcast(this.io, this.hub, jobId, this.intervalMs, () => {
        if (this.#byJob.get(jobId) === created) this.#byJob.delete(jobId);
      });
      this.#byJob.set(jobId, created);
      b = created;
    }
    b.follow();
    try {
      await b.ready;
    } catch (e) {
      b.release();
      throw e;
    }
    return b;
  }
}

/**
 * One client following one job: replay from the client's seq up to the hub's position, then join
 * the job's room. Batches the broadcast emits meanwhile are held and sent after the replay; the
 * switch (flush, send what is held, join) happens in one synchronous step, so the client gets no
 * gap and no duplicate at the seam.
 */
class Subscription {
  #closed = false;
  #delivered: number;
  #broadcast: JobBroadcast | undefined;
  readonly #held: JobEvent[] = [];
  readonly #hold: Holder = (events) => {
    this.#held.push(...events);
  };

  constructor(
    private readonly socket: ProgressSocket,
    private readonly broadcasts: Broadcasts,
    private readonly store: Pick<PgJobStore, 'listEvents'>,
    private readonly jobId: string,
    afterSeq: number,
    private readonly pageSize: number,
  ) {
    this.#delivered = afterSeq;
  }

  /** Resolves to the seq the replay reached, once the socket follows the room. */
  async start(): Promise<number> {
    const broadcast = await this.broadcasts.follow(this.jobId);
    this.#broadcast = broadcast;
    if (this.isClosed()) {
      broadcast.release();
      return this.#delivered;
    }
    broadcast.holders.add(this.#hold);
    for (;;) {
      const target = broadcast.position();
      if (this.#delivered >= target) break;
      const page = (await this.store.listEvents(this.jobId, this.#delivered, this.pageSize)).filter(
        (e) => e.seq <= target,
      );
      if (this.isClosed()) return this.#delivered;
      if (page.length === 0) break;
      this.#send(page);
    }
    // The switch, in one synchronous step: what the coalescer holds goes out (to the room and to
    // us), we send what we were handed beyond our replay, and we join the room.
    broadcast.flush();
    broadcast.holders.delete(this.#hold);
    this.#send(this.#held.splice(0));
    void this.socket.join(jobRoom(this.jobId));
    return this.#delivered;
  }

  /** A method, not a field: it changes across the awaits of `start`. */
  isClosed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    void this.socket.leave(jobRoom(this.jobId));
    if (this.#broadcast !== undefined) {
      this.#broadcast.holders.delete(this.#hold);
      this.#broadcast.release();
    }
  }

  #send(events: readonly JobEvent[]): void {
    const fresh = events.filter((e) => e.seq > this.#delivered);
    if (fresh.length === 0) return;
    this.#delivered = fresh[fresh.length - 1]?.seq ?? this.#delivered;
    this.socket.emit('job:events', encodeJobEventsBatch({ jobId: this.jobId, events: fresh }));
  }
}
