import type { FastifyInstance } from 'fastify';
import { Server, type Socket } from 'socket.io';
import {
  JobSubscribeSchema,
  JobUnsubscribeSchema,
  PROGRESS_MAX_EMISSIONS_PER_SECOND,
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
    io.on('connection', (socket) => {
      serveSocket(socket, hub, intervalMs, options.replayPageSize ?? 500, options.state.store);
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
  hub: JobEventHub,
  intervalMs: number,
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
    const sub = new Subscription(socket, hub, store, jobId, afterSeq, intervalMs, pageSize);
    subscriptions.set(jobId, sub);
    sub.start().then(
      (replayedTo) => {
        if (sub.isClosed()) return;
        // The room names every follower of a job; events still go socket by socket, since each
        // client has its own replay seam and its own pace.
        void socket.join(jobRoom(jobId));
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
    void socket.leave(jobRoom(parsed.data.jobId));
  });

  socket.on('disconnect', () => {
    for (const sub of subscriptions.values()) sub.close();
    subscriptions.clear();
  });
}

/**
 * One client following one job. Live events are taken first and held while the table is replayed
 * from the client's seq; then the held ones at or below the last replayed seq are dropped, so the
 * client gets no gap and no duplicate at the seam.
 */
class Subscription {
  #closed = false;
  #delivered: number;
  #held: JobEvent[] | undefined = [];
  readonly #coalescer: EventCoalescer;
  readonly #listener = (events: readonly JobEvent[]) => {
    if (this.#held !== undefined) this.#held.push(...events);
    else this.#deliver(events);
  };

  constructor(
    socket: ProgressSocket,
    private readonly hub: JobEventHub,
    private readonly store: Pick<PgJobStore, 'listEvents'>,
    private readonly jobId: string,
    afterSeq: number,
    intervalMs: number,
    private readonly pageSize: number,
  ) {
    this.#delivered = afterSeq;
    this.#coalescer = new EventCoalescer({
      intervalMs,
      emit: (events) => {
        socket.emit('job:events', { jobId, events });
      },
    });
  }

  /** Resolves to the seq the replay reached, once it has been emitted. */
  async start(): Promise<number> {
    await this.hub.subscribe(this.jobId, this.#listener);
    if (this.isClosed()) {
      this.hub.unsubscribe(this.jobId, this.#listener);
      return this.#delivered;
    }
    // `liveFrom` was committed before this read began, so reading to the end of the table covers
    // it; whatever comes after arrives through the listener.
    for (;;) {
      const page = await this.store.listEvents(this.jobId, this.#delivered, this.pageSize);
      if (this.isClosed()) return this.#delivered;
      this.#deliver(page);
      if (page.length < this.pageSize) break;
    }
    const held = this.#held ?? [];
    this.#held = undefined;
    this.#deliver(held);
    this.#coalescer.flush();
    return this.#delivered;
  }

  /** A method, not a field: it changes across the awaits of `start`. */
  isClosed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.hub.unsubscribe(this.jobId, this.#listener);
    this.#coalescer.close();
  }

  #deliver(events: readonly JobEvent[]): void {
    const fresh = events.filter((e) => e.seq > this.#delivered);
    if (fresh.length === 0) return;
    this.#delivered = fresh[fresh.length - 1]?.seq ?? this.#delivered;
    this.#coalescer.push(fresh);
  }
}
